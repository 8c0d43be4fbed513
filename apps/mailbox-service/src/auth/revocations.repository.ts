// mailbox.revocations rows: which tokens are refused, by principal key, up to when.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Role } from '@voxmail/contracts';

export interface RevocationRow {
  key: string;
  before_ms: string;
  role: Role | null;
}

@Injectable()
export class RevocationsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Refuses tokens of `key` issued until `beforeMs` (never moving that back), inside `m`'s transaction. */
  async record(m: EntityManager, key: string, beforeMs: number, role: Role | null): Promise<void> {
    await m.query(
      `INSERT INTO mailbox.revocations (key, before_ms, role) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET
         before_ms = GREATEST(mailbox.revocations.before_ms, EXCLUDED.before_ms),
         role = EXCLUDED.role, updated_at = now()`,
      [key, beforeMs, role],
    );
  }

  /** A NOTIFY on `channel`, delivered to listeners when `m`'s transaction commits. */
  async notify(m: EntityManager, channel: string, key: string): Promise<void> {
    await m.query('SELECT pg_notify($1, $2)', [channel, key]);
  }

  all(): Promise<RevocationRow[]> {
    return this.ds.query('SELECT key, before_ms, role FROM mailbox.revocations');
  }

  async one(key: string): Promise<RevocationRow | undefined> {
    const [r]: RevocationRow[] = await this.ds.query(
      'SELECT key, before_ms, role FROM mailbox.revocations WHERE key = $1',
      [key],
    );
    return r;
  }

  /** Deletes the revocations older than `horizonMs`; their keys. */
  async pruneBefore(horizonMs: number): Promise<string[]> {
    const gone: { key: string }[] = await this.ds.query(
      'WITH gone AS (DELETE FROM mailbox.revocations WHERE before_ms < $1 RETURNING key) SELECT key FROM gone',
      [horizonMs],
    );
    return gone.map((g) => g.key);
  }
}
