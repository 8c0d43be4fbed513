// dialer.account_limits (an account's dialer limits, projected from `account.limits_updated`; NULL: the
// deployment's default) and dialer.account_pacing (the account's token bucket row, locked FOR UPDATE
// while a replica claims any of the account's calls, so every replica and app draw from one bucket).
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/** An account's dialer limits as set (null: the default applies). */
export interface AccountLimitsRow {
  max_concurrent_calls: number | null;
  calls_per_second: number | null;
  max_queued_calls: number | null;
  weight: number;
}

export interface AccountBucket extends AccountLimitsRow {
  tokens: number;
  /** Seconds since the bucket was last refilled, up to `at`. */
  elapsed: number;
  /** The instant the bucket is refilled to (written back as is by `refill`). */
  at: string;
}

@Injectable()
export class AccountLimitsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Locks the account's bucket row (created empty if missing) with the account's limits. The row is
   * the account's claim lock: replicas claiming for any app of one account take turns.
   */
  async lock(m: EntityManager, tenantId: string): Promise<AccountBucket> {
    await m.query(
      `INSERT INTO dialer.account_pacing (tenant_id, tokens, refilled_at) VALUES ($1, 0, now())
         ON CONFLICT DO NOTHING`,
      [tenantId],
    );
    const rows: AccountBucket[] = await m.query(
      `SELECT l.max_concurrent_calls, l.calls_per_second, l.max_queued_calls, coalesce(l.weight, 1) AS weight,
              p.tokens, extract(epoch FROM t.at - p.refilled_at)::float8 AS elapsed, t.at::text AS at
           FROM dialer.account_pacing p
           LEFT JOIN dialer.account_limits l ON l.tenant_id = p.tenant_id
          CROSS JOIN (SELECT clock_timestamp() AS at) t
          WHERE p.tenant_id = $1 FOR UPDATE OF p`,
      [tenantId],
    );
    return rows[0];
  }

  /** The account bucket's tokens left, refilled up to `at`. */
  async refill(m: EntityManager, tenantId: string, tokens: number, at: string): Promise<void> {
    await m.query(
      `UPDATE dialer.account_pacing SET tokens = $2, refilled_at = $3::timestamptz WHERE tenant_id = $1`,
      [tenantId, tokens, at],
    );
  }

  /** The account's limits as set (undefined: none set, every default applies). */
  async find(m: EntityManager | DataSource, tenantId: string): Promise<AccountLimitsRow | undefined> {
    const rows: AccountLimitsRow[] = await m.query(
      `SELECT max_concurrent_calls, calls_per_second, max_queued_calls, weight
         FROM dialer.account_limits WHERE tenant_id = $1`,
      [tenantId],
    );
    return rows[0];
  }

  /** The weights (plan shares) of `tenantIds`; an account without limits weighs 1. */
  async weights(tenantIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>(tenantIds.map((t) => [t, 1]));
    if (!tenantIds.length) return out;
    const rows: { tenant_id: string; weight: number }[] = await this.ds.query(
      `SELECT tenant_id, weight FROM dialer.account_limits WHERE tenant_id = ANY($1::char(32)[])`,
      [tenantIds],
    );
    for (const r of rows) out.set(r.tenant_id, Math.max(1, Number(r.weight)));
    return out;
  }

  /** The account's calls in progress, on every replica. */
  async countActive(m: EntityManager, tenantId: string): Promise<number> {
    const [{ n }]: { n: number }[] = await m.query(
      `SELECT count(*)::int AS n FROM dialer.calls
        WHERE tenant_id = $1 AND state IN ('dialing', 'ringing', 'answered')`,
      [tenantId],
    );
    return n;
  }

  /** The account's queued calls (read under the account's voice counter lock when accepting a batch). */
  async countQueued(m: EntityManager, tenantId: string): Promise<number> {
    const [{ n }]: { n: number }[] = await m.query(
      `SELECT count(*)::int AS n FROM dialer.calls WHERE tenant_id = $1 AND state = 'queued'`,
      [tenantId],
    );
    return n;
  }

  /**
   * The projection of `account.limits_updated`: an event older than the one applied is ignored, so a
   * redelivery out of order cannot roll the limits back.
   */
  async apply(m: EntityManager, tenantId: string, l: AccountLimitsRow, occurredAt: Date): Promise<void> {
    await m.query(
      `INSERT INTO dialer.account_limits (tenant_id, max_concurrent_calls, calls_per_second, max_queued_calls, weight, occurred_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant_id) DO UPDATE SET max_concurrent_calls = EXCLUDED.max_concurrent_calls,
              calls_per_second = EXCLUDED.calls_per_second, max_queued_calls = EXCLUDED.max_queued_calls,
              weight = EXCLUDED.weight, occurred_at = EXCLUDED.occurred_at
           WHERE dialer.account_limits.occurred_at <= EXCLUDED.occurred_at`,
      [tenantId, l.max_concurrent_calls, l.calls_per_second, l.max_queued_calls, l.weight, occurredAt],
    );
  }
}
