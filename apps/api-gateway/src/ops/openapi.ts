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
import { OnbukaCode } from '@voxmail/contracts';
import { prefixFaceOf } from '../common/faces';
import {
  DocumentedBody,
  DocumentedExamples,
  DocumentedParameter,
  DocumentedResponse,
  OPENAPI_BODY,
  OPENAPI_RESPONSE,
  OPENAPI_PATH_SCHEMAS,
  OPENAPI_PARAMETERS,
  OPENAPI_EXAMPLES,
  OPENAPI_NO_FACE,
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
  /** What the route answers (@Responds), beyond its face's envelope and errors. */
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
              response: Reflect.getMetadata(OPENAPI_RESPONSE, fn),
              pathSchemas,
            });
          }
        }
      }
    }
  }
  return routes;
}

// ---------------------------------------------------------------------------------------------------
// Each face: its title, security schemes, envelope, error shape and the statuses its errors take.

const JSON_TYPE = 'application/json';
type Responses = Record<string, Record<string, unknown>>;
const json = (schema: object, description: string) => ({ description, content: { [JSON_TYPE]: { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const closed = (required: string[], properties: Record<string, object>) => ({
  type: 'object',
  required,
  properties,
  additionalProperties: false,
});

const RETRY_AFTER = {
  description: 'seconds to wait before trying again',
  schema: { type: 'string', pattern: '^[0-9]+$' },
};

/**
 * The error statuses a route can answer: those of every route of the face (a malformed request, an unknown
 * id, a limit, an unavailable service), of guarded routes (401, 403), of routes taking a body (its size,
 * its type, a slow sender) and of routes changing state (409), plus what the route declares itself.
 */
function errorStatuses(route: RouteInfo): number[] {
  const writes = ['post', 'put', 'patch', 'delete'].includes(route.method);
  const body = route.hasBody || route.body !== undefined || (route.response?.errors ?? []).includes(415);
  return [
    ...new Set([
      400,
      404,
      // the transport's, before any route: a URI or headers longer than the server reads
      414,
      431,
      429,
      500,
      503,
      ...(route.secured ? [401, 403] : []),
      // 422: an Idempotency-Key sent again with another request
      ...(writes ? [409, 422] : []),
      // 402: over a quota of the account (its boxes, users, webhooks, stored bytes) on a create or upload
      ...(route.method === 'put' || route.body?.content ? [402] : []),
      ...(body || (writes && route.method !== 'delete') ? [408, 413, 415] : []),
      ...(route.response?.errors ?? []),
    ]),
  ].sort((a, b) => a - b);
}

/** `status` answered with `schema`, with Retry-After where it says when to come back. */
function errorResponse(status: number, schema: object, description: string): Record<string, unknown> {
  return {
    ...json(schema, `${description} (HTTP ${status})`),
    ...(status === 429
      ? { headers: { 'Retry-After': { ...RETRY_AFTER, required: true } } }
      : status === 503
        ? { headers: { 'Retry-After': RETRY_AFTER } }
        : {}),
  };
}

interface FaceSpec {
  title: string;
  description: string;
  securitySchemes: Record<string, object>;
  /** The security requirement of a guarded route (alternatives). */
  security: Record<string, string[]>[];
  schemas: Record<string, object>;
  /** The component naming the face's error body (what the router answers for an unknown path too). */
  errorSchema?: string;
  /** The success status of a route that says none. */
  defaultStatus(route: RouteInfo): number;
  /** The JSON body of a success around the route's documented schema. */
  successBody(route: RouteInfo): object;
  /** The route's error answers (status → response). */
  errors(route: RouteInfo): Responses;
  /** The request body schema around a route's documented body schema. */
  wrapBody(schema: object): object;
}

const yeastarCodes = Object.keys(YEASTAR_MESSAGES).map(Number);

/** The crossbar error envelope (kazoo/envelope.ts), also the answer of the routes of no face. */
const KAZOO_ERROR = closed(['data', 'error', 'message', 'status', 'request_id'], {
  auth_token: { type: 'string' },
  data: {
    type: 'object',
    description: 'details: `{message}`, or per field and rule `{message, target, ...}` for validation errors',
  },
  error: { type: 'string', pattern: '^[45][0-9]{2}$', description: 'the HTTP status as a string' },
  message: { type: 'string' },
  status: { enum: ['error', 'fatal'] },
  request_id: { type: 'string' },
});

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
    schemas: { KazooError: KAZOO_ERROR },
    errorSchema: 'KazooError',
    defaultStatus: (r) => (r.method === 'put' ? 201 : 200),
    successBody: (r) =>
      closed(['data', 'request_id', 'status'], {
        auth_token: { type: 'string' },
        data: r.response?.schema ?? {},
        revision: { type: 'string' },
        page_size: { type: 'integer', minimum: 0 },
        start_key: { type: 'string' },
        next_start_key: { type: 'string' },
        request_id: { type: 'string' },
        status: { const: 'success' },
      }),
    errors: (r) =>
      Object.fromEntries(
        errorStatuses(r).map((s) => [
          String(s),
          errorResponse(s, ref('KazooError'), 'crossbar error envelope'),
        ]),
      ),
    wrapBody: (schema) => ({
      type: 'object',
      required: ['data'],
      properties: { data: schema, verb: { type: 'string', description: 'tunnelled verb (POST only)' } },
    }),
  },
  yeastar: {
    title: 'Voxmail: Yeastar OpenAPI face (/openapi/v1.0, /api/download)',
    description:
      'The Yeastar P-Series voicemail greeting API. As on a Yeastar PBX, failures of the API answer HTTP 200 with `errcode` and `errmsg` in the body (429 over a fair-share limit); the play links (`/api/download`) answer failures with their HTTP status as well.',
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
      YeastarFailure: {
        type: 'object',
        required: ['errcode', 'errmsg'],
        properties: {
          errcode: {
            type: 'integer',
            description: `one of: ${Object.entries(YEASTAR_MESSAGES)
              .map(([c, m]) => `${c} ${m}`)
              .join('; ')}`,
            enum: yeastarCodes,
          },
          errmsg: { enum: [...new Set(Object.values(YEASTAR_MESSAGES))] },
          invalid_param_list: {
            type: 'array',
            items: closed(['field', 'value'], { field: { type: 'string' }, value: { type: 'string' } }),
          },
        },
        additionalProperties: false,
      },
    },
    errorSchema: 'YeastarFailure',
    defaultStatus: () => 200,
    successBody: (r) => ({
      anyOf: [
        {
          type: 'object',
          required: ['errcode', 'errmsg'],
          properties: {
            errcode: { const: 0 },
            errmsg: { const: 'SUCCESS' },
            ...(r.response?.schema as { properties?: object } | undefined)?.properties,
          },
          additionalProperties: false,
        },
        ref('YeastarFailure'),
      ],
    }),
    errors: (r) => {
      // the API's failures are HTTP 200 with errcode; only the play links and the transport use statuses
      const link = r.path.startsWith('/api/download');
      const statuses = link
        ? errorStatuses(r)
        : errorStatuses(r).filter((s) => [400, 404, 408, 413, 414, 415, 429, 431, 503].includes(s));
      return Object.fromEntries(
        statuses.map((s) => [
          String(s),
          errorResponse(
            s,
            ref('YeastarFailure'),
            link ? 'failure of the play link' : 'failure of the transport',
          ),
        ]),
      );
    },
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
      OnbukaFailure: closed(['status', 'reason'], {
        status: {
          type: 'string',
          enum: [...new Set([...Object.values(OnbukaCode).filter((c) => c !== '0'), '-50', '-99'])],
          description: 'a negative code',
        },
        reason: { type: 'string' },
      }),
    },
    errorSchema: 'OnbukaFailure',
    defaultStatus: () => 200,
    successBody: (r) => ({
      anyOf: [
        closed(['status', 'reason', ...(r.response?.schema ? ['data'] : [])], {
          status: { const: OnbukaCode.Success },
          reason: { type: 'string' },
          ...(r.response?.schema ? { data: r.response.schema } : {}),
        }),
        ref('OnbukaFailure'),
      ],
    }),
    errors: (r) =>
      Object.fromEntries(
        errorStatuses(r)
          .filter((s) => [400, 404, 408, 413, 414, 415, 429, 431, 500, 503].includes(s))
          .map((s) => [String(s), errorResponse(s, ref('OnbukaFailure'), 'failure of the transport')]),
      ),
    wrapBody: (schema) => schema,
  },
  flexisip: {
    title: 'Voxmail: Flexisip account manager face (/api)',
    description: 'The Flexisip account manager API (voicemails of SIP accounts, voicemail file slots).',
    securitySchemes: { FlexisipApiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } },
    security: [{ FlexisipApiKey: [] }],
    schemas: {
      FlexisipError: closed(['message'], {
        message: { type: 'string' },
        errors: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
      }),
    },
    errorSchema: 'FlexisipError',
    defaultStatus: (r) => r.httpCode ?? 200,
    successBody: (r) => r.response?.schema ?? {},
    errors: (r) =>
      Object.fromEntries(
        [...errorStatuses(r), ...(r.hasBody || r.method === 'put' || r.method === 'post' ? [422] : [])]
          .sort((a, b) => a - b)
          .map((s) => [
            String(s),
            errorResponse(s, ref('FlexisipError'), 'error (422: validation, Laravel shape)'),
          ]),
      ),
    wrapBody: (schema) => schema,
  },
  ops: {
    title: 'Voxmail: operations routes',
    description:
      'Health, metrics and the API descriptions themselves (OpenAPI per face, AsyncAPI of the events). Part of no face: their errors are the crossbar error envelope.',
    securitySchemes: {},
    security: [],
    schemas: { KazooError: KAZOO_ERROR },
    errorSchema: 'KazooError',
    defaultStatus: () => 200,
    successBody: (r) => r.response?.schema ?? {},
    errors: (r) =>
      Object.fromEntries(
        [...new Set([429, 503, ...(r.response?.errors ?? [])])].map((s) => [
          String(s),
          errorResponse(s, ref('KazooError'), 'crossbar error envelope'),
        ]),
      ),
    wrapBody: (schema) => schema,
  },
};
// ---------------------------------------------------------------------------------------------------

const openapiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function bodySchema(body: DocumentedBody & { schema: object }): object {
  const schema = JSON.parse(JSON.stringify(body.schema)) as Record<string, unknown>;
  if (body.partial) delete schema.required;
  return schema;
}

/** The success answer of a route and its other documented answers (206, 302...). */
function successResponses(route: RouteInfo, spec: FaceSpec, status: string): Responses {
  const r = route.response ?? {};
  const content =
    r.content ?? (route.method === 'head' ? undefined : { [JSON_TYPE]: { schema: spec.successBody(route) } });
  const success = {
    description:
      route.method === 'head' ? 'the headers a GET would answer, no body' : (r.description ?? 'success'),
    ...(content ? { content } : {}),
    ...(r.headers ? { headers: r.headers } : {}),
  };
  return {
    [status]: success,
    // another answer of the same shape as the success unless it says its own
    ...Object.fromEntries(
      Object.entries(r.more ?? {}).map(([s, answer]) => [s, { ...(content ? { content } : {}), ...answer }]),
    ),
  };
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
  const status = String(route.response?.status ?? route.httpCode ?? spec.defaultStatus(route));
  const op: Record<string, unknown> = {
    operationId: `${route.controller.name.replace(/Controller$/, '')}_${route.handler}${
      route.method === 'head' ? '_head' : ''
    }`,
    tags: [route.controller.name.replace(/Controller$/, '')],
    ...(parameters.length ? { parameters } : {}),
    security: route.secured ? spec.security : [],
    responses: { ...successResponses(route, spec, status), ...spec.errors(route) },
  };
  if (route.body) {
    const body = route.body;
    op.requestBody = {
      required: !body.optional,
      content: {
        ...(body.schema
          ? { [JSON_TYPE]: { schema: spec.wrapBody(bodySchema({ ...body, schema: body.schema })) } }
          : {}),
        ...body.content,
      },
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
    ...(spec.errorSchema ? { 'x-voxmail-error-schema': `#/components/schemas/${spec.errorSchema}` } : {}),
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
