// Checks answers against the committed OpenAPI documents (docs/openapi/*.json, generated from the gateway):
// the operation is found by method and path, the status must be one it documents (exactly or by its range,
// `2XX`), and a documented JSON body must match its schema (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import type { KazooResponse, Stack } from '@voxmail/testing';

type Media = { schema?: object };
type Operation = { responses: Record<string, { content?: Record<string, Media> }> };
type Doc = {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, object> };
};

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

/** What is wrong with `res` as the answer to `method path` by the documents; empty when it conforms. */
export function documentProblems(method: string, url: string, res: KazooResponse): string[] {
  const path = url.split('?')[0];
  const t = templates.find((x) => x.re.test(path) && x.doc.paths[x.path][method.toLowerCase()]);
  if (!t) return [`${method} ${path}: no documented operation`];
  const op = t.doc.paths[t.path][method.toLowerCase()];
  const key = [String(res.status), `${String(res.status)[0]}XX`].find((k) => op.responses[k]);
  if (!key) return [`${method} ${t.path}: status ${res.status} is not documented`];
  const media = op.responses[key].content?.['application/json'];
  if (!media?.schema || method === 'HEAD') return [];
  if (!/^application\/json/.test(res.headers.get('content-type') ?? ''))
    return [
      `${method} ${t.path} ${res.status}: content type ${res.headers.get('content-type')}, documented JSON`,
    ];
  let validate = compiled.get(media.schema);
  if (!validate) {
    validate = ajv.compile(inline(media.schema, t.doc) as object);
    compiled.set(media.schema, validate);
  }
  if (validate(res.body)) return [];
  return [`${method} ${t.path} ${res.status}: ${ajv.errorsText(validate.errors)}`];
}

/**
 * Makes every `stack.request` of a suite check its answer against the documents: an answer that does not
 * conform fails the call that got it. Returns how many answers were checked.
 */
export function checkEveryAnswer(stack: Stack): { checked: number } {
  const counter = { checked: 0 };
  const request = stack.request.bind(stack);
  stack.request = (async (method: string, url: string, o: { body?: unknown } = {}) => {
    const res = await request(method, url, o as never);
    // the Kazoo verb tunnel: a POST carrying ?verb= or the envelope's verb is that verb
    const tunnelled =
      method === 'POST' && url.startsWith('/v2')
        ? (/[?&]verb=([A-Za-z]+)/.exec(url)?.[1] ?? (o.body as { verb?: unknown } | undefined)?.verb)
        : undefined;
    const problems = documentProblems(
      typeof tunnelled === 'string' ? tunnelled.toUpperCase() : method,
      url,
      res,
    );
    counter.checked++;
    if (problems.length)
      throw new Error(`answer not as documented: ${problems.join('; ')}\n${res.text.slice(0, 500)}`);
    return res;
  }) as Stack['request'];
  return counter;
}
