import { MigrationInterface, QueryRunner } from 'typeorm';

/** Where a webhook starts in the event stream: it never gets an event from before its creation. */
export class WebhookStart1764700000000 implements MigrationInterface {
  name = 'WebhookStart1764700000000';

  async up(q: QueryRunner): Promise<void> {
    // the stream's last sequence when the webhook was created (NULL for webhooks created before this)
    await q.query(`ALTER TABLE notification.webhooks ADD COLUMN start_seq bigint`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notification.webhooks DROP COLUMN IF EXISTS start_seq`);
  }
}
