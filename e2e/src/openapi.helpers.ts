// Checks answers against the committed OpenAPI documents (docs/openapi/*.json, generated from the gateway):
// the operation is found by method and path, the status must be one it documents (exactly or by its range,
// `2XX`), the content type one of the media types it documents for that status, a required header present,
// and a documented JSON body must match its schema (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses). A path or
// verb no operation documents may only be refused (4xx) in its face's error shape. Every e2e suite checks
// every answer of the gateway this way (openapi.setup.ts wraps `fetch`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';

type Media = { schema?: object };
type Response = {
  content?: Record<string, Media>;
  headers?: Record<string, { required?: boolean }>;
};
type Operation = { responses: Record<string, Response> };
type Doc = {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, object> };
  'x-voxmail-error-schema'?: string;
};

/** An answer as a test sees it: status, headers and, for JSON, the parsed body. */
export interface Answer {
  status: number;
  headers: Headers;
  body?: unknown;
}

const FACES = ['kazoo', 'yeastar', 'onbuka', 'flexisip', 'ops'] as const;
const docs: Record<string, Doc> = Object.fromEntries(
  FACES.map((f) => [f, JSON.parse(readFileSync(join(__dirname, '../../docs/openapi', `${f}.json`), 'utf8'))]),
);

interface Template {
  doc: Doc;
  path: string;
  re: RegExp;
  params: number;
}
const templates: Template[] = Object.values(docs)
  .flatMap((doc) =>
    Object.keys(doc.paths).map((path) => ({
      doc,
      path,
      re: new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
      params: (path.match(/\{/g) ?? []).length,
    })),
  )
  // a static segment wins over a parameter, as the router decides
  .sort((a, b) => a.params - b.params);

/**
 * The face answering the errors of an undocumented path: by its prefix, as apps/api-gateway's
 * common/faces.ts routes them (longest first); any other path answers as Kazoo, the fallback face.
 */
const ERROR_FACES: [string, string, boolean][] = [
  // [prefix, face, whether its refusals are HTTP 200 with the code in the body (Yeastar's API)]
  ['/openapi/v1.0', 'yeastar', true],
  ['/api/download', 'yeastar', false],
  ['/openapi', 'yeastar', true],
  ['/api', 'flexisip', false],
  ['/v2', 'kazoo', false],
  ['/v3', 'onbuka', false],
];
function faceOfPath(path: string): { doc: Doc; inBody: boolean } {
  const face = ERROR_FACES.find(([p]) => path === p || path.startsWith(`${p}/`));
  return { doc: docs[face?.[1] ?? 'kazoo'], inBody: face?.[2] ?? false };
}

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
const compiled = new Map<object, ValidateFunction>();

/** The schema with the document's component references inlined (the only references generated). */
function inline(schema: unknown, doc: Doc): unknown {
  if (Array.isArray(schema)) return schema.map((s) => inline(s, doc));
  if (!schema || typeof schema !== 'object') return schema;
  const ref = (schema as { $ref?: string }).$ref;
  if (ref?.startsWith('#/components/schemas/'))
    return inline(doc.components?.schemas?.[ref.split('/').pop() as string], doc);
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, inline(v, doc)]));
}

function schemaProblems(where: string, schema: object, doc: Doc, body: unknown): string[] {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(inline(schema, doc) as object);
    compiled.set(schema, validate);
  }
  if (validate(body)) return [];
  return [`${where}: ${ajv.errorsText(validate.errors, { separator: '; ' })}`];
}

/** `audio/*` matches `audio/mpeg`; parameters (`; charset=utf-8`) are ignored. */
function mediaKey(content: Record<string, Media>, type: string): string | undefined {
  const bare = type.split(';')[0].trim().toLowerCase();
  return Object.keys(content).find(
    (k) => k === bare || k === '*/*' || (k.endsWith('/*') && bare.startsWith(k.slice(0, -1))),
  );
}

/** What is wrong with `res` as the answer to `method url` by the documents; empty when it conforms. */
export function documentProblems(method: string, url: string, res: Answer): string[] {
  // the router ignores a trailing slash (Fastify's ignoreTrailingSlash)
  const path = url.split('?')[0].replace(/(.)\/+$/, '$1');
  const verb = method.toLowerCase();
  // the CORS preflight, answered for every path before any route (apps/api-gateway common/cors.ts)
  if (verb === 'options')
    return res.status === 204 || res.status === 403 || res.status === 404
      ? []
      : [`OPTIONS ${path}: a preflight answered ${res.status}, not 204`];
  const t = templates.find((x) => x.re.test(path) && x.doc.paths[x.path][verb]);
  if (!t) {
    // not a route: the router's refusal, in the face's error shape
    const where = `${method} ${path} (no documented operation)`;
    const { doc, inBody } = faceOfPath(path);
    if ((res.status < 400 || res.status >= 500) && !(inBody && res.status === 200))
      return [`${where}: answered ${res.status}, not a 4xx`];
    const error = doc['x-voxmail-error-schema'];
    if (!error || verb === 'head' || res.body === undefined) return [];
    return schemaProblems(`${where} ${res.status}`, { $ref: error }, doc, res.body);
  }
  const op = t.doc.paths[t.path][verb];
  const key = [String(res.status), `${String(res.status)[0]}XX`].find((k) => op.responses[k]);
  if (!key) return [`${method} ${t.path}: status ${res.status} is not documented`];
  const documented = op.responses[key];
  const where = `${method} ${t.path} ${res.status}`;
  const problems: string[] = [];
  for (const [name, h] of Object.entries(documented.headers ?? {}))
    if (h.required && !res.headers.has(name)) problems.push(`${where}: header ${name} missing`);
  const type = res.headers.get('content-type');
  const content = documented.content;
  if (!content || verb === 'head') return problems;
  if (!type) {
    if (res.headers.get('content-length') === '0' || res.status === 204) return problems;
    return [...problems, `${where}: no content type, documented ${Object.keys(content).join(', ')}`];
  }
  const mk = mediaKey(content, type);
  if (!mk)
    return [...problems, `${where}: content type ${type}, documented ${Object.keys(content).join(', ')}`];
  const schema = content[mk].schema;
  if (!schema || !/json/.test(mk)) return problems;
  return [...problems, ...schemaProblems(where, schema, t.doc, res.body)];
}
