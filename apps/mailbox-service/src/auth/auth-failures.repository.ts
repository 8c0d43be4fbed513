// mailbox.auth_failures: the failed-login counters LoginLimits keeps, one row per hashed key.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface CounterRow {
  client_key: string;
  failures: number;
  retry_after_s: number;
}

@Injectable()
export class AuthFailuresRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Counts one failure on each key (a fresh window when the old one is over); the new values. */
  count(keys: string[], windowSeconds: number): Promise<CounterRow[]> {
    // one statement for the counters; sorted keys keep concurrent upserts in one lock order
    return this.ds.query(
      `INSERT INTO mailbox.auth_failures AS f (client_key, window_start, failures)
       SELECT k, now(), 1 FROM unnest($1::text[]) AS k ORDER BY k
       ON CONFLICT (client_key) DO UPDATE SET
         failures = CASE WHEN f.window_start > now() - ($2 || ' seconds')::interval
                         THEN f.failures + 1 ELSE 1 END,
         window_start = CASE WHEN f.window_start > now() - ($2 || ' seconds')::interval
                         THEN f.window_start ELSE now() END
       RETURNING client_key, failures,
         GREATEST(1, CEIL(EXTRACT(EPOCH FROM window_start + ($2 || ' seconds')::interval - now())))::int
           AS retry_after_s`,
      [[...keys].sort(), String(windowSeconds)],
    );
  }

  /** Drops the counters whose window is over. */
  async prune(windowSeconds: number): Promise<void> {
    await this.ds.query(
      `DELETE FROM mailbox.auth_failures WHERE window_start < now() - ($1 || ' seconds')::interval`,
      [String(windowSeconds)],
    );
  }

  /** Takes back one count on each key (locking rows in the same order as `count`). */
  async undo(keys: string[]): Promise<void> {
    await this.ds.query(
      `UPDATE mailbox.auth_failures f SET failures = f.failures - 1
         FROM (SELECT client_key FROM mailbox.auth_failures
                WHERE client_key = ANY($1) ORDER BY client_key FOR UPDATE) s
        WHERE f.client_key = s.client_key AND f.failures > 0`,
      [keys],
    );
  }

  async clear(keys: string[]): Promise<void> {
    await this.ds.query(
      `DELETE FROM mailbox.auth_failures WHERE client_key IN (
         SELECT client_key FROM mailbox.auth_failures
          WHERE client_key = ANY($1) ORDER BY client_key FOR UPDATE)`,
      [keys],
    );
  }
}
