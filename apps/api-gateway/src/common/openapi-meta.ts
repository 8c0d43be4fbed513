// What a route declares for its OpenAPI description beyond what Nest already records (path, verb, guards,
// parameters): the JSON schema its body is validated against. Metadata only: the same schema object the
// service validates with, so the document cannot describe a body other than the one that is checked.
import { SetMetadata } from '@nestjs/common';

export const OPENAPI_BODY = 'voxmail:openapi:body';

export interface DocumentedBody {
  /** The JSON schema of the document (for Kazoo: of `data` inside the request envelope). */
  schema?: object;
  /** PATCH-like: every field optional (the schema's `required` is dropped). */
  partial?: boolean;
  /** Media types taken besides JSON (audio, multipart), with their schemas. */
  content?: Record<string, { schema?: object }>;
  /** The body may be left out. */
  optional?: boolean;
}

export const BodySchema = (
  schema: object,
  opts: { partial?: boolean; content?: DocumentedBody['content']; optional?: boolean } = {},
): MethodDecorator => SetMetadata(OPENAPI_BODY, { schema, ...opts } satisfies DocumentedBody);

const binary = (type: string) => ({ schema: { type: 'string', contentMediaType: type } });

/** An audio file as the body, as its own type (`audio/mpeg`, `audio/wav`...). */
export const RAW_AUDIO = { 'audio/*': binary('audio/*') };
/** Kazoo's multipart upload: a JSON part `{"data": {...}}` and one audio part. */
export const MULTIPART_AUDIO = {
  'multipart/mixed': binary('multipart/mixed'),
  'multipart/form-data': binary('multipart/form-data'),
};

/** A route whose body is not JSON (an upload): the media types it takes. */
export const UploadBody = (content: Record<string, { schema?: object }>): MethodDecorator =>
  SetMetadata(OPENAPI_BODY, { content } satisfies DocumentedBody);

export const OPENAPI_NO_FACE = 'voxmail:openapi:no-face';

/** A controller of no face (health, metrics, the API descriptions): its routes are in the ops document. */
export const NoFace = (): ClassDecorator => SetMetadata(OPENAPI_NO_FACE, true);

export const OPENAPI_EXAMPLES = 'voxmail:openapi:examples';

export interface DocumentedExamples {
  /** A request body as the face's seed document shows it (for Kazoo: the whole envelope). */
  request?: unknown;
  /** Its successful answer, as the seed document shows it. */
  response?: unknown;
}

/** Examples of a route's request and answer, taken from the face's seed document. */
export const Examples = (examples: DocumentedExamples): MethodDecorator =>
  SetMetadata(OPENAPI_EXAMPLES, examples);

export const OPENAPI_PARAMETERS = 'voxmail:openapi:parameters';

/** An OpenAPI parameter object a handler reads itself (through a custom parameter decorator). */
export interface DocumentedParameter {
  name: string;
  in: 'query' | 'header';
  description?: string;
  schema: object;
  style?: 'form';
  explode?: boolean;
  required?: boolean;
}

/** Called by a custom parameter decorator: the handler it decorates documents `params`. */
export function documentParameters(
  target: object,
  key: string | symbol | undefined,
  params: DocumentedParameter[],
): void {
  if (key === undefined) return;
  const fn = (target as Record<string | symbol, object>)[key];
  Reflect.defineMetadata(
    OPENAPI_PARAMETERS,
    [...(Reflect.getMetadata(OPENAPI_PARAMETERS, fn) ?? []), ...params],
    fn,
  );
}

export const OPENAPI_PATH_SCHEMAS = 'voxmail:openapi:path-schemas';

/** Called by a custom parameter decorator that reads path parameters itself: their schemas. */
export function documentPathSchemas(
  target: object,
  key: string | symbol | undefined,
  schemas: Record<string, object>,
): void {
  if (key === undefined) return;
  const fn = (target as Record<string | symbol, object>)[key];
  Reflect.defineMetadata(
    OPENAPI_PATH_SCHEMAS,
    { ...(Reflect.getMetadata(OPENAPI_PATH_SCHEMAS, fn) ?? {}), ...schemas },
    fn,
  );
}

export const OPENAPI_RESPONSE = 'voxmail:openapi:response';

/** A response header a route sets (`Retry-After`, `Content-Range`...). */
export interface DocumentedHeader {
  description: string;
  required?: boolean;
  schema?: object;
}

/** Another answer of a route beside its success (a partial content, a redirect...), not an error. */
export interface DocumentedAnswer {
  description: string;
  /** Media types and their schemas (a JSON one: the whole body). */
  content?: Record<string, { schema?: object }>;
  headers?: Record<string, DocumentedHeader>;
}

/** What a route answers, beyond what its face says of every route (its envelope, its error shape). */
export interface DocumentedResponse {
  /** The success status (else the face's default: `@HttpCode`, 201 for Kazoo's creations, 200). */
  status?: number;
  /** What the success answer is, when more than "success" (a stream of events, say). */
  description?: string;
  /** JSON schema of the success body: for Kazoo of `data` inside the envelope, else of the whole body. */
  schema?: object;
  /** A success body that is not the face's JSON (audio, ZIP, HTML...): media types and their schemas. */
  content?: Record<string, { schema?: object }>;
  /** Headers of the success answer. */
  headers?: Record<string, DocumentedHeader>;
  /** Other answers by status (206, 302, 304...). */
  more?: Record<number, DocumentedAnswer>;
  /** Error statuses the route answers beyond those its face documents for every route. */
  errors?: number[];
}

/** Documents a route's answers (several uses merge; `errors` add up). */
export const Responds =
  (response: DocumentedResponse): MethodDecorator =>
  (_target, _key, descriptor: PropertyDescriptor) => {
    const fn = descriptor.value as object;
    const had: DocumentedResponse = Reflect.getMetadata(OPENAPI_RESPONSE, fn) ?? {};
    Reflect.defineMetadata(
      OPENAPI_RESPONSE,
      {
        ...had,
        ...response,
        errors: [...new Set([...(had.errors ?? []), ...(response.errors ?? [])])],
        more: { ...had.more, ...response.more },
      },
      fn,
    );
    return descriptor;
  };

/** The JSON schema of a Kazoo document as the service renders it: its fields, `id` always, any custom key. */
export function renderedDocument(schema: object, extra: Record<string, object> = {}): object {
  const s = schema as { properties?: Record<string, object> };
  return {
    type: 'object',
    required: ['id'],
    properties: { id: { type: 'string', pattern: '^[0-9a-f]{32}$' }, ...s.properties, ...extra },
  };
}

/** A closed JSON object schema: these properties, every one required unless listed in `optional`. */
export function closed(properties: Record<string, object>, optional: string[] = []): object {
  return {
    type: 'object',
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
    properties,
    additionalProperties: false,
  };
}

/** Query or header parameters a handler reads from the request itself (not through Nest's decorators). */
export const Parameters =
  (params: DocumentedParameter[]): MethodDecorator =>
  (target, key, descriptor) => {
    documentParameters(target, key, params);
    return descriptor;
  };
