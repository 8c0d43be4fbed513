// What a route declares for its OpenAPI description beyond what Nest already records (path, verb, guards,
// parameters): the JSON schema its body is validated against. Metadata only: the same schema object the
// service validates with, so the document cannot describe a body other than the one that is checked.
import { SetMetadata } from '@nestjs/common';

export const OPENAPI_BODY = 'voxmail:openapi:body';

export interface DocumentedBody {
  /** The JSON schema of the document (for Kazoo: of `data` inside the request envelope). */
  schema: object;
  /** PATCH-like: every field optional (the schema's `required` is dropped). */
  partial?: boolean;
}

export const BodySchema = (schema: object, opts: { partial?: boolean } = {}): MethodDecorator =>
  SetMetadata(OPENAPI_BODY, { schema, ...opts } satisfies DocumentedBody);

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

/** A success answer that is not the face's JSON envelope (a stream of events, say). */
export interface DocumentedResponse {
  contentType: string;
  description: string;
  schema?: object;
}

export const ResponseContent = (response: DocumentedResponse): MethodDecorator =>
  SetMetadata(OPENAPI_RESPONSE, response);
