// TypeORM's `query` answers UPDATE/DELETE ... RETURNING as `[rows, affected]` and SELECT/INSERT as rows.
import type { DataSource, EntityManager } from 'typeorm';

/** The rows of an UPDATE or DELETE ... RETURNING. */
export async function returning<T>(
  m: EntityManager | DataSource,
  sql: string,
  params: unknown[],
): Promise<T[]> {
  const r: unknown = await m.query(sql, params);
  if (Array.isArray(r) && r.length === 2 && Array.isArray(r[0]) && typeof r[1] === 'number')
    return r[0] as T[];
  return r as T[];
}
