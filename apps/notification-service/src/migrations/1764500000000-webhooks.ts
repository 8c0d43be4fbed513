import { MigrationInterface, QueryRunner } from 'typeorm';

export class Webhooks1764500000000 implements MigrationInterface {
  name = 'Webhooks1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE notification.webhooks (
      tenant_id char(32) NOT NULL,
      id char(32) NOT NULL,
      doc jsonb NOT NULL,
      hook text NOT NULL,
      enabled boolean NOT NULL DEFAULT true,
      -- the signing secret, AES-256-GCM under a key derived from VOXMAIL_SECRET; never in clear
      secret_sealed text NOT NULL,
      failures integer NOT NULL DEFAULT 0,
      version integer NOT NULL DEFAULT 1,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, id)
    )`);
    await q.query(`CREATE INDEX webhooks_fanout ON notification.webhooks (tenant_id, hook) WHERE enabled`);
    // one row per (webhook, event): the delivery id survives restarts and redeliveries of the event
    await q.query(`CREATE TABLE notification.webhook_deliveries (
      id uuid PRIMARY KEY,
      tenant_id char(32) NOT NULL,
      webhook_id char(32) NOT NULL,
      event_id text NOT NULL,
      event_type text NOT NULL,
      envelope jsonb NOT NULL,
      status text NOT NULL DEFAULT 'pending',
      attempts integer NOT NULL DEFAULT 0,
      next_at timestamptz NOT NULL DEFAULT now(),
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      UNIQUE (webhook_id, event_id),
      FOREIGN KEY (tenant_id, webhook_id) REFERENCES notification.webhooks (tenant_id, id) ON DELETE CASCADE
    )`);
    await q.query(
      `CREATE INDEX webhook_deliveries_due ON notification.webhook_deliveries (next_at) WHERE status = 'pending'`,
    );
    await q.query(`CREATE TABLE notification.webhook_attempts (
      seq bigserial PRIMARY KEY,
      tenant_id char(32) NOT NULL,
      webhook_id char(32) NOT NULL,
      delivery_id uuid NOT NULL,
      event_id text NOT NULL,
      event_type text NOT NULL,
      attempt integer NOT NULL,
      at timestamptz NOT NULL DEFAULT now(),
      ok boolean NOT NULL,
      status_code integer,
      error text,
      duration_ms integer NOT NULL,
      FOREIGN KEY (tenant_id, webhook_id) REFERENCES notification.webhooks (tenant_id, id) ON DELETE CASCADE
    )`);
    await q.query(
      `CREATE INDEX webhook_attempts_by_hook ON notification.webhook_attempts (tenant_id, webhook_id, seq DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS notification.webhook_attempts`);
    await q.query(`DROP TABLE IF EXISTS notification.webhook_deliveries`);
    await q.query(`DROP TABLE IF EXISTS notification.webhooks`);
  }
}
