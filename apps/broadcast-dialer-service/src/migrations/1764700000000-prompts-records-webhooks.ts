import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The prompt a broadcast plays as media-storage resolved it (id, length); when each call was placed,
 * rang, was answered and ended (Onbuka's call record); and the app webhooks' deliveries, written in the
 * transaction of the event they announce.
 */
export class PromptsRecordsWebhooks1764700000000 implements MigrationInterface {
  name = 'PromptsRecordsWebhooks1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE dialer.broadcasts ADD COLUMN prompt_id char(32), ADD COLUMN prompt_ms integer`,
    );
    await q.query(`ALTER TABLE dialer.calls ADD COLUMN called_at timestamptz, ADD COLUMN ringing_at timestamptz,
      ADD COLUMN answered_at timestamptz, ADD COLUMN ended_at timestamptz`);
    await q.query(`CREATE TABLE dialer.webhook_deliveries (
      id uuid PRIMARY KEY,
      seq bigserial NOT NULL,
      tenant_id char(32) NOT NULL,
      app_id text NOT NULL,
      url text NOT NULL,
      event_type text NOT NULL,
      envelope jsonb NOT NULL,
      status text NOT NULL DEFAULT 'pending',
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      next_at timestamptz NOT NULL DEFAULT now(),
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(
      `CREATE INDEX webhook_deliveries_due_idx ON dialer.webhook_deliveries (next_at) WHERE status = 'pending'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS dialer.webhook_deliveries`);
    await q.query(`ALTER TABLE dialer.calls DROP COLUMN called_at, DROP COLUMN ringing_at,
      DROP COLUMN answered_at, DROP COLUMN ended_at`);
    await q.query(`ALTER TABLE dialer.broadcasts DROP COLUMN prompt_id, DROP COLUMN prompt_ms`);
  }
}
