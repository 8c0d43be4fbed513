// The fuzzer driven by the OpenAPI documents (docs/openapi/*.json), in the manner of Schemathesis: for an
// operation, fast-check draws a case (the random numbers json-schema-faker draws from, and which rule to
// break); the case becomes a request built from the operation's own schemas (path, query and header
// parameters, JSON body) with the face's credentials and the world's real ids in the path; its answer is
// checked against the document (e2e/src/openapi.helpers.ts) and, for a request that breaks a rule of the
// document, must be a refusal in the face's own shape. The oracle of "broken" is the document's schema
// itself (ajv): a mutation the schema still accepts is sent as a valid request.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import * as fc from 'fast-check';
import { JSONSchemaFaker } from 'json-schema-faker';
import type { KazooResponse } from '@voxmail/testing';
import { documentProblems } from './openapi.helpers';

export const FACES = ['ops', 'flexisip', 'yeastar', 'onbuka', 'kazoo'] as const;
export type Face = (typeof FACES)[number];

/** The parts of a JSON Schema the fuzzer reads. */
interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  required?: string[];
  additionalProperties?: boolean | Schema;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  [keyword: string]: unknown;
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: Schema;
  style?: string;
  explode?: boolean;
}
interface Doc {
  paths: Record<
    string,
    Record<
      string,
      {
        responses?: object;
        security?: unknown[];
        parameters?: Parameter[];
        requestBody?: { content?: Record<string, { schema?: Schema }> };
      }
    >
  >;
  components?: { schemas?: Record<string, Schema> };
}

export interface Operation {
  face: Face;
  method: string;
  path: string;
  id: string;
  parameters: Parameter[];
  /** The JSON body's schema (components inlined), when the operation takes one. */
  body?: Schema;
  secured: boolean;
}

const docs = Object.fromEntries(
  FACES.map((f) => [
    f,
    JSON.parse(readFileSync(join(__dirname, '../../docs/openapi', `${f}.json`), 'utf8')) as Doc,
  ]),
) as Record<Face, Doc>;

function inline<T>(schema: T, doc: Doc): T {
  if (Array.isArray(schema)) return schema.map((s: unknown) => inline(s, doc)) as T;
  if (!schema || typeof schema !== 'object') return schema;
  const ref = (schema as { $ref?: string }).$ref;
  if (ref?.startsWith('#/components/schemas/'))
    return inline(doc.components?.schemas?.[ref.split('/').pop() as string], doc) as T;
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, inline(v, doc)])) as T;
}

/** Every operation of every document, in document order. */
export function documentedOperations(): Operation[] {
  const out: Operation[] = [];
  for (const face of FACES) {
    const doc = docs[face];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!op || typeof op !== 'object' || !op.responses) continue;
        const json = op.requestBody?.content?.['application/json']?.schema;
        let body: Schema | undefined = json ? inline(json, doc) : undefined;
        // the Kazoo envelope's `verb` tunnels another verb (POST only): not part of the document's data
        if (body?.properties?.verb) {
          body = { ...body, properties: { ...body.properties } };
          delete body.properties!.verb;
        }
        out.push({
          face,
          method: method.toUpperCase(),
          path,
          id: `${method.toUpperCase()} ${path}`,
          parameters: inline(op.parameters ?? [], doc),
          body,
          secured: Array.isArray(op.security) && op.security.length > 0,
        });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The oracle: the document's schemas, with the formats the services check.

const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
addFormats(ajv);
const ZONES = Intl.supportedValuesOf('timeZone');
ajv.addFormat('iana-timezone', (v: string) => ZONES.includes(v) || v === 'UTC');
const validators = new Map<object, (v: unknown) => boolean>();
export function conforms(schema: Schema, value: unknown): boolean {
  let v = validators.get(schema);
  if (!v) {
    const compiled = ajv.compile(schema);
    v = (x: unknown) => compiled(x) as boolean;
    validators.set(schema, v);
  }
  return v(value);
}

// ---------------------------------------------------------------------------------------------------
// Values from schemas: json-schema-faker, its randomness drawn from the case's seed (so fast-check
// replays a case from its own seed, and shrinks a failing case's seed and rule towards the simplest).

JSONSchemaFaker.format('iana-timezone', () => ZONES[Math.floor(rand() * ZONES.length)]);
// mulberry32: a small seeded generator; a case's seed shrinks towards 0 in a few steps
let state = 0;
const rand = (): number => {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
JSONSchemaFaker.option({
  random: rand,
  useDefaultValue: false,
  alwaysFakeOptionals: false,
  optionalsProbability: 0.5,
  maxItems: 3,
  maxLength: 40,
  failOnInvalidTypes: false,
  failOnInvalidFormat: false,
});

function fake(schema: Schema): unknown {
  return JSONSchemaFaker.generate(JSON.parse(JSON.stringify(schema)) as never);
}

// ---------------------------------------------------------------------------------------------------
// Breaking one rule at a time.

export const MUTATIONS = [
  'body-type',
  'body-missing-required',
  'body-extra-field',
  'body-bounds',
  'body-format',
  'content-type',
  'query-type',
  'query-bounds',
  'path-format',
] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** A place in a JSON body: its path from the root and the schema that applies there. */
interface Site {
  at: (string | number)[];
  schema: Schema;
}

/** The sites present in `value` (schemas followed through properties and array items, 4 levels). */
function sitesOf(schema: Schema, value: unknown, at: (string | number)[] = [], depth = 0): Site[] {
  const out: Site[] = [{ at, schema }];
  if (depth >= 4 || !schema || typeof schema !== 'object') return out;
  if (value && typeof value === 'object' && !Array.isArray(value) && schema.properties) {
    for (const [k, s] of Object.entries(schema.properties as Record<string, Schema>))
      if (k in (value as object))
        out.push(...sitesOf(s, (value as Record<string, unknown>)[k], [...at, k], depth + 1));
  }
  if (Array.isArray(value) && schema.items && value.length)
    out.push(...sitesOf(schema.items as Schema, value[0], [...at, 0], depth + 1));
  return out;
}

const typesOf = (s: Schema): string[] => (Array.isArray(s.type) ? s.type : s.type ? [s.type] : []);

const SAMPLES: Record<string, unknown> = {
  string: 'fuzz',
  integer: 7,
  number: 1.5,
  boolean: true,
  object: { fuzz: 1 },
  array: ['fuzz'],
  null: null,
};

/** A value of a type the schema does not allow, or undefined when it allows any. */
function wrongType(s: Schema, pick: number): unknown {
  const allowed = typesOf(s);
  if (!allowed.length) return undefined;
  const wrong = Object.keys(SAMPLES).filter(
    (t) => !allowed.includes(t) && !(t === 'integer' && allowed.includes('number')),
  );
  return wrong.length ? SAMPLES[wrong[pick % wrong.length]] : undefined;
}

/** A value just outside one of the schema's bounds. */
function outOfBounds(s: Schema, pick: number): unknown[] {
  const out: unknown[] = [];
  if (typeof s.minLength === 'number' && s.minLength > 0) out.push('x'.repeat(s.minLength - 1));
  if (typeof s.maxLength === 'number') out.push('x'.repeat(s.maxLength + 1));
  if (typeof s.minimum === 'number') out.push(s.minimum - 1);
  if (typeof s.maximum === 'number') out.push(s.maximum + 1);
  if (typeof s.exclusiveMinimum === 'number') out.push(s.exclusiveMinimum);
  if (typeof s.exclusiveMaximum === 'number') out.push(s.exclusiveMaximum);
  if (typeof s.maxItems === 'number' && s.items) {
    const item = fake(s.items as Schema);
    out.push(Array.from({ length: s.maxItems + 1 }, () => item));
  }
  if (typeof s.minItems === 'number' && s.minItems > 0) out.push([]);
  return out.length ? [out[pick % out.length]] : [];
}

/** A value of the right type breaking the schema's format, pattern, enum or const. */
function badFormat(s: Schema): unknown[] {
  const out: unknown[] = [];
  if (Array.isArray(s.enum) && s.enum.every((e: unknown) => typeof e === 'string')) out.push('not_in_enum');
  if (typeof s.const === 'string') out.push(`${s.const}_not`);
  if (typeof s.pattern === 'string') {
    const len = Math.max(s.minLength ?? 1, 1);
    out.push('!'.repeat(Math.min(len, s.maxLength ?? len)));
  }
  if (typeof s.format === 'string') out.push(`not a ${s.format}`);
  return out;
}

function setAt(root: unknown, at: (string | number)[], value: unknown): unknown {
  if (!at.length) return value;
  const copy = JSON.parse(JSON.stringify(root)) as Record<string | number, unknown>;
  let cur: Record<string | number, unknown> = copy;
  for (const k of at.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  cur[at[at.length - 1]] = value;
  return copy;
}

function deleteAt(root: unknown, at: (string | number)[]): unknown {
  const copy = JSON.parse(JSON.stringify(root)) as Record<string | number, unknown>;
  let cur: Record<string | number, unknown> = copy;
  for (const k of at.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  delete cur[at[at.length - 1]];
  return copy;
}

const get = (root: unknown, at: (string | number)[]): unknown =>
  at.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)?.[k], root);

/** The mutations that can apply to `op` (a body to break, a typed query parameter, a patterned path id). */
export function mutationsOf(op: Operation): Mutation[] {
  const q = op.parameters.filter((p) => p.in === 'query' && p.schema);
  const all: Mutation[] = [];
  if (op.body) {
    all.push('body-type', 'content-type');
    const text = JSON.stringify(op.body);
    if (text.includes('"required"')) all.push('body-missing-required');
    if (text.includes('"additionalProperties":false')) all.push('body-extra-field');
    if (/"(minLength|maxLength|minimum|maximum|maxItems|minItems)"/.test(text)) all.push('body-bounds');
    if (/"(pattern|format|enum|const)"/.test(text)) all.push('body-format');
  }
  if (q.some((p) => typesOf(p.schema!).some((t) => t === 'integer' || t === 'boolean')))
    all.push('query-type');
  if (q.some((p) => outOfBounds(p.schema!, 0).length)) all.push('query-bounds');
  if (op.parameters.some((p) => p.in === 'path' && p.schema?.pattern)) all.push('path-format');
  return all;
}

// ---------------------------------------------------------------------------------------------------
// Cases and requests.

export interface Case {
  mutation?: Mutation;
  seed: number;
  pick: number;
}

export const caseArb = (mutations: readonly Mutation[] | undefined): fc.Arbitrary<Case> =>
  fc.record({
    mutation: mutations?.length ? fc.constantFrom(...mutations) : fc.constant(undefined),
    seed: fc.nat(),
    pick: fc.nat({ max: 1000 }),
  });

/** What the world gives a request: real ids for path parameters and the face's credentials. */
export interface Credentials {
  /** The path parameter's real value for this operation (a fresh resource where the call destroys it). */
  pathValue(op: Operation, name: string): Promise<string>;
  /** Headers and query parameters that authenticate `op` (a secured one). */
  auth(op: Operation): Promise<{ headers: Record<string, string>; query: Record<string, string> }>;
}

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** The document's verdict: the request breaks one of its rules (so it must be refused). */
  broken: boolean;
  /** What was broken, for the report. */
  what?: string;
}

const serialise = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** The request of case `c` for `op`. */
export async function requestOf(op: Operation, c: Case, world: Credentials): Promise<FuzzRequest> {
  state = c.seed;
  const headers: Record<string, string> = {};
  const query: [string, string][] = [];
  let broken = false;
  let what: string | undefined;

  // path: real ids, one of them malformed by 'path-format'
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const badPath = c.mutation === 'path-format' ? pathParams.filter((p) => p.schema?.pattern) : [];
  const badName = badPath.length ? badPath[c.pick % badPath.length].name : undefined;
  let path = op.path;
  for (const p of pathParams) {
    let v = await world.pathValue(op, p.name);
    if (p.name === badName) {
      v = 'not-an-id';
      if (!new RegExp(p.schema!.pattern as string, 'u').test(v)) {
        broken = true;
        what = `path ${p.name}=${v}`;
      }
    }
    path = path.replace(`{${p.name}}`, encodeURIComponent(v));
  }

  // query and headers: each optional one present or not, values from their schemas
  const q = op.parameters.filter((p) => p.in === 'query' && p.schema);
  const target =
    c.mutation === 'query-type'
      ? q.filter(
          (p) => wrongType(p.schema!, 0) !== undefined && typesOf(p.schema!).some((t) => t !== 'string'),
        )
      : c.mutation === 'query-bounds'
        ? q.filter((p) => outOfBounds(p.schema!, 0).length)
        : [];
  const broke = target.length ? target[c.pick % target.length] : undefined;
  for (const p of q) {
    if (p === broke) {
      const v =
        c.mutation === 'query-type' ? 'fuzz' : serialise(outOfBounds(p.schema!, c.pick)[0] as unknown);
      query.push([p.name, v]);
      broken = true;
      what = `query ${p.name}=${v}`;
      continue;
    }
    if (!p.required && rand() < 0.5) continue;
    const v = fake(p.schema!);
    if (v && typeof v === 'object' && !Array.isArray(v) && p.style === 'form' && p.explode !== false) {
      for (const [k, x] of Object.entries(v)) query.push([k, serialise(x)]);
    } else if (v !== undefined && v !== null) query.push([p.name, serialise(v)]);
  }
  for (const p of op.parameters.filter((x) => x.in === 'header' && x.schema)) {
    if (!p.required && rand() < 0.7) continue;
    const v = fake(p.schema!);
    if (v !== undefined && v !== null) headers[p.name] = serialise(v);
  }

  // body: a document its schema accepts, then one rule broken
  let body: string | undefined;
  if (op.body) {
    let doc = fake(op.body);
    headers['Content-Type'] = 'application/json';
    const m = c.mutation;
    if (m === 'content-type') {
      headers['Content-Type'] = 'text/plain';
      broken = true;
      what = 'content type text/plain';
    } else if (m?.startsWith('body-')) {
      const sites = sitesOf(op.body, doc);
      const candidates: { at: (string | number)[]; change: (d: unknown) => unknown; what: string }[] = [];
      for (const s of sites) {
        if (m === 'body-type') {
          const v = wrongType(s.schema, c.pick);
          if (v !== undefined)
            candidates.push({
              at: s.at,
              change: (d) => setAt(d, s.at, v),
              what: `type of ${s.at.join('.') || 'body'}`,
            });
        } else if (m === 'body-missing-required') {
          const value = get(doc, s.at);
          for (const r of (s.schema.required as string[] | undefined) ?? [])
            if (value && typeof value === 'object' && r in value)
              candidates.push({
                at: [...s.at, r],
                change: (d) => deleteAt(d, [...s.at, r]),
                what: `missing ${[...s.at, r].join('.')}`,
              });
        } else if (m === 'body-extra-field') {
          if (s.schema.additionalProperties === false && typeof get(doc, s.at) === 'object')
            candidates.push({
              at: s.at,
              change: (d) => setAt(d, [...s.at, 'x_fuzz_extra'], 1),
              what: `extra field in ${s.at.join('.') || 'body'}`,
            });
        } else if (m === 'body-bounds') {
          for (const v of outOfBounds(s.schema, c.pick))
            candidates.push({
              at: s.at,
              change: (d) => setAt(d, s.at, v),
              what: `bounds of ${s.at.join('.')}`,
            });
        } else if (m === 'body-format') {
          for (const v of badFormat(s.schema))
            candidates.push({
              at: s.at,
              change: (d) => setAt(d, s.at, v),
              what: `format of ${s.at.join('.')}=${serialise(v)}`,
            });
        }
      }
      if (candidates.length) {
        const chosen = candidates[c.pick % candidates.length];
        doc = chosen.change(doc);
        what = chosen.what;
      }
    }
    body = JSON.stringify(doc);
    // the document's schema decides whether the body is broken (a mutation inside anyOf may still conform)
    if (!conforms(op.body, doc)) broken = true;
  }

  if (op.secured) {
    const a = await world.auth(op);
    Object.assign(headers, a.headers);
    for (const [k, v] of Object.entries(a.query)) query.push([k, v]);
  }
  const qs = query.length ? `?${new URLSearchParams(query).toString()}` : '';
  return { method: op.method, url: path + qs, headers, body, broken, what };
}

// ---------------------------------------------------------------------------------------------------
// The checks of an answer.

/** A refusal in the face's own shape: a 4xx, or Yeastar's errcode / Onbuka's status with HTTP 200. */
export function refused(face: Face, res: KazooResponse): boolean {
  if (res.status >= 400 && res.status < 500) return true;
  if (res.status !== 200 || !res.body || typeof res.body !== 'object') return false;
  if (face === 'yeastar') return (res.body as { errcode?: unknown }).errcode !== 0;
  if (face === 'onbuka') return (res.body as { status?: unknown }).status !== '0';
  return false;
}

/** What is wrong with `res` as the answer to `req` of `op`; empty when nothing is. */
export function answerProblems(op: Operation, req: FuzzRequest, res: KazooResponse): string[] {
  const problems: string[] = [];
  if (res.status >= 500) problems.push(`server error ${res.status}`);
  problems.push(...documentProblems(op.method, req.url, res));
  if (req.broken && !refused(op.face, res))
    problems.push(`a broken request (${req.what ?? 'body'}) was not refused: ${res.status}`);
  return problems;
}

export async function send(baseUrl: string, req: FuzzRequest): Promise<KazooResponse> {
  const res = await fetch(baseUrl + req.url, { method: req.method, headers: req.headers, body: req.body });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, headers: res.headers, text };
}
