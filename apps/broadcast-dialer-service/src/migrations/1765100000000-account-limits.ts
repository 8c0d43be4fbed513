import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-account fairness: the limits the operator (or a reseller above) set for an account, projected
 * from `account.limits_updated` (NULL: the deployment's default), and each account's own token bucket,
 * locked FOR UPDATE while a replica claims the account's calls (so every replica and every app of the
 * account draw from one bucket and one concurrent count).
 */
export class AccountLimits1765100000000 implements MigrationInterface {
  name = 'AccountLimits1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE dialer.account_limits (
      tenant_id char(32) PRIMARY KEY,
      max_concurrent_calls integer,
      calls_per_second double precision,
      max_queued_calls integer,
      weight integer NOT NULL DEFAULT 1,
      occurred_at timestamptz NOT NULL
    )`);
    await q.query(`CREATE TABLE dialer.account_pacing (
      tenant_id char(32) PRIMARY KEY,
      tokens double precision NOT NULL,
      refilled_at timestamptz NOT NULL
    )`);
    // an account's calls in progress, counted against its ceiling at each claim
    await q.query(
      `CREATE INDEX calls_active_tenant_idx ON dialer.calls (tenant_id) WHERE state IN ('dialing', 'ringing', 'answered')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS dialer.calls_active_tenant_idx`);
    await q.query(`DROP TABLE IF EXISTS dialer.account_pacing`);
    await q.query(`DROP TABLE IF EXISTS dialer.account_limits`);
  }
}
