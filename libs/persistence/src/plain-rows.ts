// Hot reads without ORM hydration: the query builder still writes the SQL (filters, keyset, locks), but
// rows come back as the driver parses them and are copied onto the entity's shape column by column.
// TypeORM's entity transformer (alias maps, relation joins, per-column prepareHydratedValue) was the
// largest share of mailbox-service's CPU profile on GET account (bench/PROFILE.md).
import { DataSource, EntityManager, EntityMetadata, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

interface Plan {
  alias: string;
  columns: { property: string; key: string; from?: (v: unknown) => unknown }[];
}

const plans = new WeakMap<object, Plan>();

function fromOf(c: ColumnMetadata): ((v: unknown) => unknown) | undefined {
  const t = c.transformer;
  if (!t) return undefined;
  const list = Array.isArray(t) ? t : [t];
  // TypeORM applies a transformer list in reverse order when reading
  return (v) => list.reduceRight((acc, x) => x.from(acc), v);
}

/** Selects the entity's own columns under stable keys; cached per entity metadata. */
function planFor<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>): { plan: Plan; target: object } {
  const main = qb.expressionMap.mainAlias;
  if (!main?.hasMetadata) throw new Error('plain rows need an entity query builder');
  const meta = main.metadata;
  let plan = plans.get(meta);
  if (!plan || plan.alias !== main.name) {
    plan = {
      alias: main.name,
      columns: meta.columns.map((c, i) => ({ property: c.propertyName, key: `c${i}`, from: fromOf(c) })),
    };
    plans.set(meta, plan);
  }
  qb.select([]);
  meta.columns.forEach((c, i) =>
    qb.addSelect(`${qb.escape(main.name)}.${qb.escape(c.databaseName)}`, `c${i}`),
  );
  return { plan, target: meta.target as object };
}

function toEntity<T>(row: Record<string, unknown>, plan: Plan, proto: object): T {
  const o = Object.create(proto) as Record<string, unknown>;
  for (const c of plan.columns) {
    const v = row[c.key];
    o[c.property] = c.from && v !== null && v !== undefined ? c.from(v) : v;
  }
  return o as T;
}

/**
 * Entities and their raw rows for a query on one entity (no joins selected), without hydration;
 * `extra` adds expressions (alias → SQL) read from `raw`, e.g. a joined table's column.
 */
export async function getPlainRows<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  extra: Record<string, string> = {},
): Promise<{ entity: T; raw: Record<string, unknown> }[]> {
  const { plan, target } = planFor(qb);
  for (const [alias, sql] of Object.entries(extra)) qb.addSelect(sql, alias);
  const proto = typeof target === 'function' ? (target as { prototype: object }).prototype : Object.prototype;
  const rows = await qb.getRawMany<Record<string, unknown>>();
  return rows.map((raw) => ({ entity: toEntity<T>(raw, plan, proto), raw }));
}

/** Like `getMany()` for a query on one entity (no joins selected), without hydration. */
export async function getPlainMany<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>): Promise<T[]> {
  return (await getPlainRows(qb)).map((r) => r.entity);
}

/** Like `getOne()`, without hydration. */
export async function getPlainOne<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>): Promise<T | null> {
  const rows = await getPlainMany(qb.limit(1));
  return rows[0] ?? null;
}

/** A fixed read on one entity: its column list written once, rows mapped as `getPlainMany` maps them. */
export interface PlainSelect<T> {
  /** `"a"."id" AS "c0", …` for `SELECT ${columns} FROM … a WHERE …`. */
  columns: string;
  map(rows: Record<string, unknown>[]): T[];
}

/**
 * For the hottest reads (one row by key on every request): the SQL is a constant string, so not even
 * the query builder runs per request; what comes back is exactly what `getPlainMany` would give.
 */
export function plainSelect<T extends ObjectLiteral>(
  ds: { getMetadata(target: new () => T): EntityMetadata },
  entity: new () => T,
  alias: string,
): PlainSelect<T> {
  const meta = ds.getMetadata(entity);
  const plan: Plan = {
    alias,
    columns: meta.columns.map((c, i) => ({ property: c.propertyName, key: `c${i}`, from: fromOf(c) })),
  };
  const columns = meta.columns.map((c, i) => `"${alias}"."${c.databaseName}" AS "c${i}"`).join(', ');
  return { columns, map: (rows) => rows.map((r) => toEntity<T>(r, plan, entity.prototype as object)) };
}

/**
 * Runs a hot constant query as a named prepared statement: PostgreSQL parses and plans it once per
 * connection, and TypeORM's query runner (connect, logging, broadcasting) is not in the way. On the
 * transaction's connection when `m` is a transaction's manager, else on the pool.
 */
export async function preparedRows<R = Record<string, unknown>>(
  ds: DataSource,
  m: EntityManager | undefined,
  statement: { name: string; text: string },
  values: unknown[],
): Promise<R[]> {
  const q = { name: statement.name, text: statement.text, values };
  const runner = m?.queryRunner;
  if (runner && !runner.isReleased) {
    const client = (await (runner as unknown as { connect(): Promise<PgClient> }).connect()) as PgClient;
    return (await client.query(q)).rows as R[];
  }
  const pool = (ds.driver as unknown as { master: PgClient }).master;
  return (await pool.query(q)).rows as R[];
}

interface PgClient {
  query(q: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}
