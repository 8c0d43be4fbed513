// Reading Kazoo requests: the `{data: ...}` envelope, If-Match, and list query strings (path ids: params.ts).
import {
  documentProblem,
  DomainError,
  ErrorCode,
  isPlainObject,
  JsonObject,
  ListFilter,
  ListQuery,
  MAX_PAGE_SIZE,
  DEFAULT_PAGE_SIZE,
} from '@voxmail/contracts';
import type { DocumentedParameter } from '../../common/openapi-meta';
import type { GatewayRequest } from '../../common/request';

/** Kazoo's validation failure naming one field and rule (`{"data": {field: {rule: {message}}}}`). */
export const invalid = (field: string, rule: string, message: string) =>
  new DomainError(ErrorCode.ValidationFailed, 'invalid data', { [field]: { [rule]: { message } } });

/** The request envelope's `data` object; a missing or non-object `data` is a 400 naming it. */
export function dataOf(body: unknown, required = true): JsonObject {
  if (body === undefined || body === null || body === '') {
    if (!required) return {};
    throw invalid('data', 'required', 'Field is required but missing');
  }
  if (!isPlainObject(body))
    throw invalid('data', 'type', 'The request body must be a JSON object {"data": {...}}');
  const data = body.data;
  if (data === undefined) {
    if (!required) return {};
    throw invalid('data', 'required', 'Field is required but missing');
  }
  if (!isPlainObject(data)) throw invalid('data', 'type', 'Value is not of type object');
  // before the document goes on NATS: too deep a document cannot even be encoded
  const problem = documentProblem(data);
  if (problem) throw new DomainError(ErrorCode.ValidationFailed, 'invalid data', problem);
  return data;
}

export function ifMatch(req: GatewayRequest): string | undefined {
  const h = req.headers['if-match'];
  return typeof h === 'string' && h ? h.replace(/^W\//, '').replace(/"/g, '') : undefined;
}

function bool(q: Record<string, unknown>, name: string): boolean | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw invalid(name, 'type', 'Value is not of type boolean');
}

function int(q: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !/^-?\d+$/.test(v) || n < min || n > max) {
    throw invalid(name, 'type', `Value must be an integer between ${min} and ${max}`);
  }
  return n;
}

const FILTER_KEYS: [string, ListFilter['op']][] = [
  ['has_key', 'has_key'],
  ['key_missing', 'key_missing'],
  ['has_value', 'has_value'],
  ['missing_value', 'missing_value'],
];

const splitPath = (p: string, field: string): string[] => {
  const parts = p.split('.');
  if (!parts.every((s) => /^[A-Za-z0-9_-]{1,64}$/.test(s)) || parts.length > 8) {
    throw invalid(field, 'pattern', 'Filter keys are letters, digits, _ and -, joined by dots');
  }
  return parts;
};

/** Kazoo's list query string: page_size, start_key, ascending/descending, paginate and filters. */
/** The query parameters listQueryOf reads, for the OpenAPI document. */
export const LIST_QUERY_PARAMETERS: DocumentedParameter[] = [
  { name: 'paginate', in: 'query', schema: { type: 'boolean', default: true } },
  {
    name: 'page_size',
    in: 'query',
    schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
  },
  {
    name: 'start_key',
    in: 'query',
    description: 'next_start_key of the previous page',
    schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,512}$' },
  },
  { name: 'ascending', in: 'query', schema: { type: 'boolean' } },
  { name: 'descending', in: 'query', schema: { type: 'boolean', default: true } },
  ...['created_from', 'created_to', 'modified_from', 'modified_to'].map((name): DocumentedParameter => ({
    name,
    in: 'query',
    description: 'Gregorian seconds',
    schema: { type: 'integer', minimum: 0 },
  })),
  ...FILTER_KEYS.map(([name]): DocumentedParameter => ({
    name,
    in: 'query',
    description: 'a key path, dot-separated',
    schema: { type: 'string' },
  })),
  {
    name: 'filters',
    in: 'query',
    description:
      '`filter_{key}=value` and `filter_not_{key}=value` (key paths dot-separated), at most 32 filters',
    style: 'form',
    explode: true,
    schema: {
      type: 'object',
      patternProperties: { '^filter_(not_)?[A-Za-z0-9_.-]+$': { type: 'string' } },
      additionalProperties: false,
    },
  },
];

export function listQueryOf(req: GatewayRequest, extra: ListFilter[] = []): ListQuery {
  const q = (req.query ?? {}) as Record<string, unknown>;
  const query = new ListQuery();
  query.pageSize = int(q, 'page_size', 1, MAX_PAGE_SIZE) ?? DEFAULT_PAGE_SIZE;
  if (q.start_key !== undefined) {
    if (typeof q.start_key !== 'string' || !/^[A-Za-z0-9_-]{1,512}$/.test(q.start_key)) {
      throw invalid('start_key', 'type', 'start_key is not a key this server issued');
    }
    query.startKey = q.start_key;
  }
  const asc = bool(q, 'ascending');
  const desc = bool(q, 'descending');
  query.descending = asc !== undefined ? !asc : (desc ?? true);
  query.paginate = bool(q, 'paginate') ?? true;
  const filters: ListFilter[] = [...extra];
  for (const [key, raw] of Object.entries(q)) {
    const values = Array.isArray(raw) ? raw : [raw];
    for (const value of values) {
      if (typeof value !== 'string') continue;
      const f = new ListFilter();
      if (key.startsWith('filter_not_')) {
        Object.assign(f, { op: 'not', path: splitPath(key.slice(11), key), value });
      } else if (key.startsWith('filter_')) {
        Object.assign(f, { op: 'eq', path: splitPath(key.slice(7), key), value });
      } else {
        const op = FILTER_KEYS.find(([k]) => k === key)?.[1];
        if (!op) continue;
        Object.assign(f, { op, path: splitPath(value, key) });
      }
      filters.push(f);
    }
  }
  if (filters.length > 32) throw invalid('filters', 'maxItems', 'At most 32 filters');
  query.filters = filters;
  const range = (name: string) => int(q, name, 0, 1e12);
  query.createdFrom = range('created_from');
  query.createdTo = range('created_to');
  query.modifiedFrom = range('modified_from');
  query.modifiedTo = range('modified_to');
  return query;
}
