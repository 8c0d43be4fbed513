// Turns a ListQuery into SQL: Kazoo filters on a jsonb document column plus keyset pagination, so a
// filtered page is filled in the database before the key moves on and every page costs the same.
import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import {
  decodeKey,
  DomainError,
  encodeKey,
  ErrorCode,
  fromGregorian,
  ListQuery,
  MAX_UNPAGINATED,
  Page,
} from '@voxmail/contracts';
import { getPlainMany } from './plain-rows';

export interface ListSqlOptions<T> {
  /** Column expression of the Kazoo document, e.g. `b.doc`. */
  docColumn: string;
  /** Sort expression (an indexed column) and how to read its value off a row for the key. */
  sortColumn: string;
  idColumn: string;
  createdColumn: string;
  modifiedColumn: string;
  sortValue: (row: T) => string | number;
  idValue: (row: T) => string;
}

/**
 * The columns of a document table under `alias` as most are: the document in `doc`, listed by `seq`, with
 * `created_at` and `updated_at`; `other` names what differs.
 */
export function documentColumns<T extends { id: string }>(
  alias: string,
  other: Partial<ListSqlOptions<T>> = {},
): ListSqlOptions<T> {
  return {
    docColumn: `${alias}.doc`,
    sortColumn: `${alias}.seq`,
    idColumn: `${alias}.id`,
    createdColumn: `${alias}.created_at`,
    modifiedColumn: `${alias}.updated_at`,
    sortValue: (r) => (r as T & { seq: string }).seq,
    idValue: (r) => r.id,
    ...other,
  };
}

/** A key part must be what this server issues: an integer sort value and a plain id (no NUL, no text). */
const isSortPart = (v: unknown) =>
  typeof v === 'number' ? Number.isSafeInteger(v) : typeof v === 'string' && /^-?\d{1,18}$/.test(v);
const isIdPart = (v: unknown) => typeof v === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(v);

const pathParam = (path: string[]) => `{${path.map((p) => p.replace(/[{}",\\]/g, '')).join(',')}}`;

export function applyFilters<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  query: ListQuery,
  o: Pick<ListSqlOptions<T>, 'docColumn' | 'createdColumn' | 'modifiedColumn'>,
): SelectQueryBuilder<T> {
  query.filters.forEach((f, i) => {
    if (f.value?.includes('\u0000')) {
      throw new DomainError(ErrorCode.ValidationFailed, 'invalid data', {
        [`filter_${f.path.join('.')}`]: { type: { message: 'Filter values cannot contain NUL characters' } },
      });
    }
    const p = `fp${i}`;
    const v = `fv${i}`;
    const params = { [p]: pathParam(f.path), [v]: f.value ?? '' };
    const at = `${o.docColumn} #> :${p}`;
    const text = `${o.docColumn} #>> :${p}`;
    switch (f.op) {
      case 'eq':
        qb.andWhere(`${text} = :${v}`, params);
        break;
      case 'not':
        qb.andWhere(`${text} IS DISTINCT FROM :${v}`, params);
        break;
      case 'has_key':
        qb.andWhere(`${at} IS NOT NULL`, params);
        break;
      case 'key_missing':
        qb.andWhere(`${at} IS NULL`, params);
        break;
      case 'has_value':
        qb.andWhere(
          `(${at} IS NOT NULL AND ${at} NOT IN ('null'::jsonb, '""'::jsonb, '[]'::jsonb, '{}'::jsonb))`,
          params,
        );
        break;
      case 'missing_value':
        qb.andWhere(
          `(${at} IS NULL OR ${at} IN ('null'::jsonb, '""'::jsonb, '[]'::jsonb, '{}'::jsonb))`,
          params,
        );
        break;
    }
  });
  const range = (col: string, from: number | undefined, to: number | undefined, name: string) => {
    if (from !== undefined) qb.andWhere(`${col} >= :${name}From`, { [`${name}From`]: fromGregorian(from) });
    if (to !== undefined) qb.andWhere(`${col} <= :${name}To`, { [`${name}To`]: fromGregorian(to) });
  };
  range(o.createdColumn, query.createdFrom, query.createdTo, 'created');
  range(o.modifiedColumn, query.modifiedFrom, query.modifiedTo, 'modified');
  return qb;
}

/** Runs the query one page at a time; `start_key` is inclusive, as Kazoo's is. */
export async function keysetPage<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  query: ListQuery,
  o: ListSqlOptions<T>,
): Promise<Page<T>> {
  applyFilters(qb, query, o);
  const dir = query.descending ? 'DESC' : 'ASC';
  if (query.startKey) {
    const key = decodeKey(query.startKey);
    if (!key || key.length !== 2 || !isSortPart(key[0]) || !isIdPart(key[1])) {
      throw new DomainError(ErrorCode.ValidationFailed, 'invalid data', {
        start_key: { type: { message: 'start_key is not a key this server issued' } },
      });
    }
    const cmp = query.descending ? '<=' : '>=';
    qb.andWhere(`(${o.sortColumn}, ${o.idColumn}) ${cmp} (:ks, :kid)`, { ks: key[0], kid: String(key[1]) });
  }
  qb.orderBy(o.sortColumn, dir).addOrderBy(o.idColumn, dir);
  const limit = query.paginate ? query.pageSize : MAX_UNPAGINATED;
  const rows = await getPlainMany(qb.limit(limit + 1));
  const keyOf = (r: T) => encodeKey([o.sortValue(r), o.idValue(r)]);
  if (!query.paginate && rows.length > limit) {
    throw new DomainError(
      ErrorCode.RangeNotSatisfiable,
      'the listing is too large to return unpaginated; use page_size',
      {
        limit,
      },
    );
  }
  const items = rows.slice(0, limit);
  return {
    items,
    startKey: query.startKey ?? (items[0] ? keyOf(items[0]) : undefined),
    nextStartKey: query.paginate && rows.length > limit ? keyOf(rows[limit]) : undefined,
  };
}
