import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An account's limits, set by the operator or a reseller above it (`/v2/accounts/{id}/limits`), and its
 * usage (`/v2/accounts/{id}/usage`), projected from the events: counters per account, calls per month,
 * the stored objects (so a media.deleted subtracts exactly what its media.stored added) and the calls
 * answered but not yet ended (their talk time counts when they end).
 */
export class AccountLimits1765100000000 implements MigrationInterface {
  name = 'AccountLimits1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE mailbox.account_limits (
      tenant_id char(32) PRIMARY KEY,
      doc jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE TABLE mailbox.account_usage (
      tenant_id char(32) PRIMARY KEY,
      bytes_stored bigint NOT NULL DEFAULT 0,
      objects integer NOT NULL DEFAULT 0,
      messages integer NOT NULL DEFAULT 0,
      vmboxes integer NOT NULL DEFAULT 0,
      users integer NOT NULL DEFAULT 0
    )`);
    await q.query(`CREATE TABLE mailbox.account_usage_monthly (
      tenant_id char(32) NOT NULL,
      month char(7) NOT NULL,
      calls_placed integer NOT NULL DEFAULT 0,
      talk_seconds bigint NOT NULL DEFAULT 0,
      PRIMARY KEY (tenant_id, month)
    )`);
    await q.query(`CREATE TABLE mailbox.usage_objects (
      tenant_id char(32) NOT NULL,
      object_id text NOT NULL,
      size bigint NOT NULL,
      PRIMARY KEY (tenant_id, object_id)
    )`);
    await q.query(`CREATE TABLE mailbox.usage_answered_calls (
      tenant_id char(32) NOT NULL,
      call_id text NOT NULL,
      attempt integer NOT NULL,
      answered_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, call_id, attempt)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'usage_answered_calls',
      'usage_objects',
      'account_usage_monthly',
      'account_usage',
      'account_limits',
    ])
      await q.query(`DROP TABLE IF EXISTS mailbox.${t}`);
  }
}
