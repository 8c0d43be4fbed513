// dialer.pacing: each app's token bucket row, locked FOR UPDATE while a replica claims the app's calls
// (so every replica draws from one bucket).
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { JsonObject } from '@voxmail/contracts';

export interface Bucket {
  /** The app's document. */
  doc: JsonObject;
  tokens: number;
  /** Seconds since the bucket was last refilled, up to `at`. */
  elapsed: number;
  /** The instant the bucket is refilled to (written back as is by `refill`). */
  at: string;
}

@Injectable()
export class PacingRepository {
  /**
   * Locks the app's bucket row (created empty if missing) with the app's document; undefined when the
   * app was deleted. The row is the app's lock: replicas claiming for one app take turns.
   */
  async lock(m: EntityManager, tenantId: string, appId: string): Promise<Bucket | undefined> {
    await m.query(
      `INSERT INTO dialer.pacing (tenant_id, app_id, tokens, refilled_at) VALUES ($1, $2, 0, now())
         ON CONFLICT DO NOTHING`,
      [tenantId, appId],
    );
    // `at` is the instant the bucket is refilled to; it is written back as is, so no time between this
    // read and the write is lost (or counted twice)
    const rows: Bucket[] = await m.query(
      `SELECT a.doc, p.tokens, extract(epoch FROM t.at - p.refilled_at)::float8 AS elapsed, t.at::text AS at
           FROM dialer.pacing p JOIN dialer.apps a ON a.tenant_id = p.tenant_id AND a.id = p.app_id
          CROSS JOIN (SELECT clock_timestamp() AS at) t
          WHERE p.tenant_id = $1 AND p.app_id = $2 FOR UPDATE OF p`,
      [tenantId, appId],
    );
    return rows[0];
  }

  /** The tokens left, refilled up to `at`. */
  async refill(m: EntityManager, tenantId: string, appId: string, tokens: number, at: string): Promise<void> {
    await m.query(
      `UPDATE dialer.pacing SET tokens = $3, refilled_at = $4::timestamptz WHERE tenant_id = $1 AND app_id = $2`,
      [tenantId, appId, tokens, at],
    );
  }
}
