import { MigrationInterface, QueryRunner } from 'typeorm';

/** Each account's `max_webhooks`, projected from `account.limits_updated` (null: the default 100). */
export class WebhookQuota1765100000000 implements MigrationInterface {
  name = 'WebhookQuota1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE notification.account_limits (
      tenant_id char(32) PRIMARY KEY,
      max_webhooks integer,
      occurred_at timestamptz NOT NULL
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS notification.account_limits`);
  }
}
