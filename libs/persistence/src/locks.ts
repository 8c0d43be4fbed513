// Transaction-scoped advisory locks: serialize writers of one logical resource (an account's users, the
// realms of all accounts) that no single row stands for. Released when the transaction ends.
import type { EntityManager } from 'typeorm';

export async function advisoryXactLock(m: EntityManager, key: string): Promise<void> {
  await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
}
