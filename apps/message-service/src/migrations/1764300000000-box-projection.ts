import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * message-service's projection of boxes and accounts (limits, and the account's ancestors for reseller
 * access; null until an event carried them) from mailbox-service's events (tombstones kept).
 */
export class BoxProjection1764300000000 implements MigrationInterface {
  name = 'BoxProjection1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE message.box_projection (
      tenant_id char(32) NOT NULL,
      id char(32) NOT NULL,
      doc jsonb NOT NULL,
      owner_id char(32),
      members text[] NOT NULL DEFAULT '{}',
      deleted boolean NOT NULL DEFAULT false,
      changed_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, id)
    )`);
    await q.query(`CREATE TABLE message.account_projection (
      tenant_id char(32) PRIMARY KEY,
      max_message_count jsonb,
      max_message_length jsonb,
      tree text[],
      deleted boolean NOT NULL DEFAULT false,
      changed_at timestamptz NOT NULL
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE message.account_projection');
    await q.query('DROP TABLE message.box_projection');
  }
}
