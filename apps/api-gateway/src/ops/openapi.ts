// The OpenAPI 3.1 documents of the gateway, one per face plus the operations routes, GENERATED from what
// the gateway runs: the Nest module tree of GatewayModule (every controller, its path, each handler's verb
// and path, its guards, its parameters and status code) and the schemas that validate request bodies
// (declared on the handler with @BodySchema, the very objects the services validate with). A route
// added to a controller appears in its face's document; `npm run openapi` rewrites docs/openapi/ and a
// test fails when the committed files differ from what this module generates.
import { RequestMethod, Type } from '@nestjs/common';
import {
  GUARDS_METADATA,
  HTTP_CODE_METADATA,
  INTERCEPTORS_METADATA,
  METHOD_METADATA,
  MODULE_METADATA,
  PATH_METADATA,
  ROUTE_ARGS_METADATA,
} from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { DynamicModule } from '@nestjs/common';
import type { GatewayConfig } from '@voxmail/config';
import { HTTP_STATUS_OF, OnbukaCode } from '@voxmail/contracts';
import { prefixFaceOf } from '../common/faces';
import {
  DocumentedBody,
  DocumentedExamples,
  DocumentedParameter,
  OPENAPI_BODY,
  OPENAPI_PATH_SCHEMAS,
  OPENAPI_PARAMETERS,
  OPENAPI_EXAMPLES,
  OPENAPI_NO_FACE,
  OPENAPI_RESPONSE,
  DocumentedResponse,
} from '../common/openapi-meta';
import { YEASTAR_MESSAGES } from '../faces/yeastar/yeastar.errors';

/** The documents: the four faces and the routes of no face (health, metrics, the documents). */
export const OPENAPI_FACES = ['kazoo', 'yeastar', 'onbuka', 'flexisip', 'ops'] as const;
export type DocFace = (typeof OPENAPI_FACES)[number];

export interface RouteInfo {
  face: DocFace;
  method: string;
  /** Nest's path, `/v2/accounts/:accountId`. */
  path: string;
  controller: Type;
  handler: string;
  secured: boolean;
  /** false for answers written to the reply directly (audio, ZIP), without the face's JSON envelope. */
  enveloped: boolean;
  httpCode?: number;
  query: string[];
  headers: string[];
  hasBody: boolean;
  body?: DocumentedBody;
  examples?: DocumentedExamples;
  /** Schemas of path parameters, from the pipes that check them (a static `openapi` schema). */
  pathSchemas: Record<string, object>;
  /** Parameters read by custom parameter decorators (the Kazoo list query, If-Match). */
  documented: DocumentedParameter[];
  /** A success answer of another type than the face's envelope (ResponseContent). */
  response?: DocumentedResponse;
}

type ModuleRef = Type | DynamicModule | Promise<DynamicModule> | { forwardRef: () => Type };

const VERBS: Partial<Record<RequestMethod, string>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.DELETE]: 'delete',
  [RequestMethod.PATCH]: 'patch',
  [RequestMethod.HEAD]: 'head',
  [RequestMethod.OPTIONS]: 'options',
};

/** Every controller reachable from `root`, with the module that declares it. */
export function controllersOf(root: ModuleRef): { controller: Type; module: Type }[] {
  const seen = new Set<Type>();
  const found: { controller: Type; module: Type }[] = [];
  const visit = (ref: ModuleRef | undefined): void => {
    if (!ref || ref instanceof Promise) return;
    if ('forwardRef' in ref) return visit(ref.forwardRef());
    const dynamic = 'module' in ref ? (ref as DynamicModule) : undefined;
    const cls = (dynamic ? dynamic.module : ref) as Type;
    if (seen.has(cls)) return;
    seen.add(cls);
    const controllers: Type[] = [
      ...(Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, cls) ?? []),
      ...(dynamic?.controllers ?? []),
    ];
    for (const controller of controllers) found.push({ controller, module: cls });
    const imports: ModuleRef[] = [
      ...(Reflect.getMetadata(MODULE_METADATA.IMPORTS, cls) ?? []),
      ...((dynamic?.imports as ModuleRef[]) ?? []),
    ];
    imports.forEach(visit);
  };
  visit(root);
  return found;
}

const asList = (p: unknown): string[] => (Array.isArray(p) ? p : [p ?? '']).map(String);
const joinPath = (...parts: string[]): string =>
  `/${parts
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/')}`;

function methodNames(controller: Type): string[] {
  const names = new Set<string>();
  for (
    let proto = controller.prototype;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name !== 'constructor' && typeof Object.getOwnPropertyDescriptor(proto, name)?.value === 'function')
        names.add(name);
    }
  }
  return [...names];
}

/** The face a route belongs to: its URL prefix (common/faces.ts); @NoFace controllers and unprefixed routes are ops. */
export function docFaceOf(path: string, controller?: Type): DocFace {
  if (controller && Reflect.getMetadata(OPENAPI_NO_FACE, controller)) return 'ops';
  const face = prefixFaceOf(path);
  if (!face) return 'ops';
  return (face === 'yeastar_link' ? 'yeastar' : face) as DocFace;
}

/** The route table: every handler of every controller under `root`, as Nest will register it. */
export function routesOf(root: ModuleRef): RouteInfo[] {
  const routes: RouteInfo[] = [];
  for (const { controller } of controllersOf(root)) {
    const bases = asList(Reflect.getMetadata(PATH_METADATA, controller));
    const classGuards: unknown[] = Reflect.getMetadata(GUARDS_METADATA, controller) ?? [];
    const classInterceptors: unknown[] = Reflect.getMetadata(INTERCEPTORS_METADATA, controller) ?? [];
    for (const handler of methodNames(controller)) {
      const fn = controller.prototype[handler];
      const subPath = Reflect.getMetadata(PATH_METADATA, fn);
      const verb = Reflect.getMetadata(METHOD_METADATA, fn) as RequestMethod | undefined;
      if (subPath === undefined || verb === undefined) continue;
      const methodGuards: unknown[] = Reflect.getMetadata(GUARDS_METADATA, fn) ?? [];
      const methodInterceptors: unknown[] = Reflect.getMetadata(INTERCEPTORS_METADATA, fn) ?? [];
      const args: Record<string, { index: number; data?: unknown; pipes?: unknown[] }> =
        Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler) ?? {};
      const params = Object.entries(args).map(([key, v]) => ({
        type: Number(key.split(':')[0]),
        data: v.data,
        pipes: v.pipes ?? [],
      }));
      const pathSchemas: Record<string, object> = { ...Reflect.getMetadata(OPENAPI_PATH_SCHEMAS, fn) };
      for (const p of params) {
        if (p.type !== RouteParamtypes.PARAM || typeof p.data !== 'string') continue;
        const schema = p.pipes
          .map((pipe) => (pipe as { openapi?: object; constructor?: { openapi?: object } }) ?? {})
          .map((pipe) => pipe.openapi ?? pipe.constructor?.openapi)
          .find(Boolean);
        if (schema) pathSchemas[p.data] = schema;
      }
      const named = (t: RouteParamtypes) =>
        params.filter((p) => p.type === t && typeof p.data === 'string').map((p) => String(p.data));
      const verbs = verb === RequestMethod.ALL ? ['get', 'post', 'put', 'patch', 'delete'] : [VERBS[verb]];
      for (const base of bases) {
        for (const sub of asList(subPath)) {
          const path = joinPath(base, sub);
          for (const method of verbs) {
            if (!method) continue;
            routes.push({
              face: docFaceOf(path, controller),
              method,
              path,
              controller,
              handler,
              secured: classGuards.length + methodGuards.length > 0,
              enveloped: classInterceptors.length + methodInterceptors.length > 0,
              httpCode: Reflect.getMetadata(HTTP_CODE_METADATA, fn),
              query: named(RouteParamtypes.QUERY),
              headers: named(RouteParamtypes.HEADERS),
              hasBody: params.some((p) => p.type === RouteParamtypes.BODY),
              body: Reflect.getMetadata(OPENAPI_BODY, fn),
              examples: Reflect.getMetadata(OPENAPI_EXAMPLES, fn),
              documented: Reflect.getMetadata(OPENAPI_PARAMETERS, fn) ?? [],
              pathSchemas,
              response: Reflect.getMetadata(OPENAPI_RESPONSE, fn),
            });
          }
        }
      }
    }
  }
  return routes;
}

// ---------------------------------------------------------------------------------------------------
// Each face: its title, security schemes, error shape and the statuses its errors take.

const JSON_TYPE = 'application/json';
const errorStatuses = [...new Set(Object.values(HTTP_STATUS_OF))].sort((a, b) => a - b);
const json = (schema: object, description: string) => ({ description, content: { [JSON_TYPE]: { schema } } });

interface FaceSpec {
  title: string;
  description: string;
  securitySchemes: Record<string, object>;
  /** The security requirement of a guarded route (alternatives). */
  security: Record<string, string[]>[];
  schemas: Record<string, object>;
  /** Responses every operation of the face may give besides its success. */
  errors: Record<string, object>;
  success(route: RouteInfo, status: string): Record<string, object>;
  /** The request body schema around a route's documented body schema. */
  wrapBody(schema: object): object;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const statusErrors = (schema: string, statuses: number[], what: string) =>
  Object.fromEntries(statuses.map((s) => [String(s), json(ref(schema), `${what} (HTTP ${s})`)]));

const FACES: Record<DocFace, FaceSpec> = {
  kazoo: {
    title: 'Voxmail: Kazoo 4.3 crossbar face (/v2)',
    description:
      'The Kazoo 4.3 crossbar API (vmboxes, messages, media, users, accounts, broadcasts, webhooks). Every JSON answer is the crossbar envelope; a request body is `{"data": {...}}`. Clients limited to GET/POST tunnel the verb in `?verb=` or the envelope\'s `verb`.',
    securitySchemes: {
      XAuthToken: {
        type: 'apiKey',
        in: 'header',
        name: 'X-Auth-Token',
        description: 'token from PUT /v2/api_auth or /v2/user_auth',
      },
      AuthTokenQuery: {
        type: 'apiKey',
        in: 'query',
        name: 'auth_token',
        description: 'the same token in the query',
      },
    },
    security: [{ XAuthToken: [] }, { AuthTokenQuery: [] }],
    schemas: {
      KazooSuccess: {
        type: 'object',
        required: ['data', 'status', 'request_id'],
        properties: {
          auth_token: { type: 'string' },
          data: {},
          revision: { type: 'string' },
          page_size: { type: 'integer' },
          start_key: { type: 'string' },
          next_start_key: { type: 'string' },
          request_id: { type: 'string' },
          status: { const: 'success' },
        },
      },
      KazooError: {
        type: 'object',
        required: ['data', 'error', 'message', 'status', 'request_id'],
        properties: {
          auth_token: { type: 'string' },
          data: { description: 'details: per field, per rule, `{message, target}` for validation errors' },
          error: { type: 'string', description: 'the HTTP status as a string' },
          message: { type: 'string' },
          status: { enum: ['error', 'fatal'] },
          request_id: { type: 'string' },
        },
      },
    },
    errors: statusErrors('KazooError', errorStatuses, 'crossbar error envelope'),
    success: (r, status) =>
      r.enveloped
        ? { [status]: json(ref('KazooSuccess'), 'crossbar success envelope') }
        : { [status]: { description: 'the object itself (audio, archive) or a crossbar envelope' } },
    wrapBody: (schema) => ({
      type: 'object',
      required: ['data'],
      properties: { data: schema, verb: { type: 'string', description: 'tunnelled verb (POST only)' } },
    }),
  },
  yeastar: {
    title: 'Voxmail: Yeastar OpenAPI face (/openapi/v1.0, /api/download)',
    description:
      'The Yeastar P-Series voicemail greeting API. As on a Yeastar PBX, failures of the API answer HTTP 200 with `errcode` and `errmsg` in the body; download links answer failures with their HTTP status as well.',
    securitySchemes: {
      AccessToken: {
        type: 'apiKey',
        in: 'query',
        name: 'access_token',
        description: 'token from POST /openapi/v1.0/get_token',
      },
    },
    security: [{ AccessToken: [] }],
    schemas: {
      YeastarResult: {
        type: 'object',
        required: ['errcode', 'errmsg'],
        properties: {
          errcode: {
            type: 'integer',
            description: `0 on success, else one of: ${Object.entries(YEASTAR_MESSAGES)
              .map(([c, m]) => `${c} ${m}`)
              .join('; ')}`,
            enum: [0, ...Object.keys(YEASTAR_MESSAGES).map(Number)],
          },
          errmsg: { type: 'string' },
        },
      },
    },
    errors: statusErrors(
      'YeastarResult',
      [400, 404, 413, 415, 416, 429, 503],
      'failure of a download link or of the transport',
    ),
    success: (_r, status) => ({
      [status]: json(ref('YeastarResult'), 'the result, or the API failure with its errcode'),
    }),
    wrapBody: (schema) => schema,
  },
  onbuka: {
    title: 'Voxmail: Onbuka voice face (/v3/voice)',
    description:
      'The Onbuka voice broadcast API. A request is signed: `Sign` is the MD5 of API key, secret and `Timestamp`. Failures answer HTTP 200 with `status` (a negative code) and `reason`.',
    securitySchemes: {
      ApiKey: { type: 'apiKey', in: 'header', name: 'Api-Key' },
      Sign: { type: 'apiKey', in: 'header', name: 'Sign' },
      Timestamp: { type: 'apiKey', in: 'header', name: 'Timestamp' },
    },
    security: [{ ApiKey: [], Sign: [], Timestamp: [] }],
    schemas: {
      OnbukaResult: {
        type: 'object',
        required: ['status'],
        properties: {
          status: { type: 'string', enum: Object.values(OnbukaCode), description: '"0" on success' },
          reason: { type: 'string' },
        },
      },
    },
    errors: statusErrors('OnbukaResult', [400, 404, 413, 415, 429, 503], 'failure of the transport'),
    success: (_r, status) => ({
      [status]: json(ref('OnbukaResult'), 'the result, or the failure with its status code'),
    }),
    wrapBody: (schema) => schema,
  },
  flexisip: {
    title: 'Voxmail: Flexisip account manager face (/api)',
    description: 'The Flexisip account manager API (voicemails of SIP accounts, voicemail file slots).',
    securitySchemes: { FlexisipApiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } },
    security: [{ FlexisipApiKey: [] }],
    schemas: {
      FlexisipError: {
        type: 'object',
        required: ['message'],
        properties: {
          message: { type: 'string' },
          errors: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
        },
      },
    },
    errors: statusErrors(
      'FlexisipError',
      [...new Set([...errorStatuses.filter((s) => s !== 422), 422])].sort((a, b) => a - b),
      'error (422: validation, Laravel shape)',
    ),
    success: (_r, status) => ({
      [status]: { description: 'success', content: { [JSON_TYPE]: { schema: {} } } },
    }),
    wrapBody: (schema) => schema,
  },
  ops: {
    title: 'Voxmail: operations routes',
    description:
      'Health, metrics and the API descriptions themselves (OpenAPI per face, AsyncAPI of the events). Part of no face.',
    securitySchemes: {},
    security: [],
    schemas: {},
    errors: {},
    success: (_r, status) => ({ [status]: { description: 'success' } }),
    wrapBody: (schema) => schema,
  },
};

// ---------------------------------------------------------------------------------------------------

const openapiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function bodySchema(body: DocumentedBody): object {
  const schema = JSON.parse(JSON.stringify(body.schema)) as Record<string, unknown>;
  if (body.partial) delete schema.required;
  return schema;
}

function operation(route: RouteInfo, spec: FaceSpec, face: DocFace): Record<string, unknown> {
  const pathParams = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]);
  const parameters = [
    ...pathParams.map((name) => ({
      name,
      in: 'path',
      required: true,
      schema: route.pathSchemas[name] ?? { type: 'string' },
    })),
    ...route.query.map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
    ...route.headers
      .filter((h) => !/^(x-auth-token|api-key|sign|timestamp|x-api-key)$/i.test(h))
      .map((name) => ({ name, in: 'header', required: false, schema: { type: 'string' } })),
    ...route.documented.filter(
      (d) =>
        !route.query.includes(d.name) && !route.headers.some((h) => h.toLowerCase() === d.name.toLowerCase()),
    ),
  ];
  const status = route.httpCode ? String(route.httpCode) : '2XX';
  const op: Record<string, unknown> = {
    operationId: `${route.controller.name.replace(/Controller$/, '')}_${route.handler}${
      route.method === 'head' ? '_head' : ''
    }`,
    tags: [route.controller.name.replace(/Controller$/, '')],
    ...(parameters.length ? { parameters } : {}),
    security: route.secured ? spec.security : [],
    responses: {
      ...(route.response
        ? {
            [status]: {
              description: route.response.description,
              content: { [route.response.contentType]: { schema: route.response.schema ?? {} } },
            },
          }
        : spec.success(route, status)),
      ...spec.errors,
    },
  };
  if (route.body) {
    op.requestBody = {
      required: true,
      content: { [JSON_TYPE]: { schema: spec.wrapBody(bodySchema(route.body)) } },
    };
  } else if (route.hasBody && route.method !== 'get' && route.method !== 'head') {
    op.requestBody = {
      description: 'not yet described by a machine-readable schema',
      content: { [JSON_TYPE]: { schema: face === 'kazoo' ? spec.wrapBody({ type: 'object' }) : {} } },
    };
    op['x-voxmail-body-schema'] = false;
  }
  const ex = route.examples;
  const media = (o: unknown) =>
    (o as { content?: Record<string, Record<string, unknown>> })?.content?.[JSON_TYPE];
  if (ex?.request !== undefined && media(op.requestBody)) media(op.requestBody)!.example = ex.request;
  const success = (op.responses as Record<string, unknown>)[status];
  if (ex?.response !== undefined && media(success)) media(success)!.example = ex.response;
  return op;
}

/** The OpenAPI 3.1 document of `face`, from the routes of `root`. */
export function openApiDocument(
  face: DocFace,
  routes: RouteInfo[],
  version: string,
): Record<string, unknown> {
  const spec = FACES[face];
  const paths: Record<string, Record<string, unknown>> = {};
  const ids = new Map<string, number>();
  const mine = routes
    .filter((r) => r.face === face)
    .sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  for (const route of mine) {
    const p = openapiPath(route.path);
    const op = operation(route, spec, face);
    // a handler mapped twice (two paths) keeps unique operation ids
    const n = ids.get(op.operationId as string) ?? 0;
    ids.set(op.operationId as string, n + 1);
    if (n) op.operationId = `${op.operationId as string}_${n + 1}`;
    (paths[p] ??= {})[route.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: spec.title, version, description: spec.description },
    servers: [{ url: '/' }],
    paths,
    components: {
      ...(Object.keys(spec.schemas).length ? { schemas: spec.schemas } : {}),
      ...(Object.keys(spec.securitySchemes).length ? { securitySchemes: spec.securitySchemes } : {}),
    },
  };
}

/** All documents of the gateway, keyed by face. */
export function openApiDocuments(
  version: string,
  root?: ModuleRef,
): Record<DocFace, Record<string, unknown>> {
  const routes = routesOf(root ?? gatewayRoot());
  return Object.fromEntries(OPENAPI_FACES.map((f) => [f, openApiDocument(f, routes, version)])) as Record<
    DocFace,
    Record<string, unknown>
  >;
}

/** The gateway's module tree as it boots (the configuration only shapes providers, never routes). */
function gatewayRoot(): DynamicModule {
  // required lazily: gateway.module imports this file's module (ops) itself
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { GatewayModule } = require('../gateway.module') as typeof import('../gateway.module');
  return GatewayModule.register({ logLevel: 'silent' } as GatewayConfig);
}
