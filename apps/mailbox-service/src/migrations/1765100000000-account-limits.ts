import { MigrationInterface, QueryRunner } from 'typeorm';

/** An account's limits, set by the operator or a reseller above it (`/v2/accounts/{id}/limits`). */
export class AccountLimits1765100000000 implements MigrationInterface {
  name = 'AccountLimits1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE mailbox.account_limits (
      tenant_id char(32) PRIMARY KEY,
      doc jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS mailbox.account_limits`);
  }
}
