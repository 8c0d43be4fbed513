import { MigrationInterface, QueryRunner } from 'typeorm';

export class Email1764600000000 implements MigrationInterface {
  name = 'Email1764600000000';

  async up(q: QueryRunner): Promise<void> {
    // notification-service's own copies of what it needs from mailbox-service, built from its events
    await q.query(`CREATE TABLE notification.box_projection (
      tenant_id char(32) NOT NULL,
      id char(32) NOT NULL,
      doc jsonb NOT NULL,
      deleted boolean NOT NULL DEFAULT false,
      changed_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, id)
    )`);
    await q.query(`CREATE TABLE notification.user_projection (
      tenant_id char(32) NOT NULL,
      id char(32) NOT NULL,
      email text,
      deleted boolean NOT NULL DEFAULT false,
      changed_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, id)
    )`);
    await q.query(`CREATE TABLE notification.account_projection (
      tenant_id char(32) PRIMARY KEY,
      timezone text,
      changed_at timestamptz NOT NULL
    )`);
    // one e-mail per message, whatever redelivers its event
    await q.query(`CREATE TABLE notification.emails_sent (
      tenant_id char(32) NOT NULL,
      message_id text NOT NULL,
      vmbox_id char(32) NOT NULL,
      recipients integer NOT NULL,
      sent_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, message_id)
    )`);
    await q.query(`CREATE TABLE notification.templates (
      tenant_id char(32) NOT NULL,
      id text NOT NULL,
      doc jsonb NOT NULL,
      version integer NOT NULL DEFAULT 1,
      PRIMARY KEY (tenant_id, id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['templates', 'emails_sent', 'account_projection', 'user_projection', 'box_projection'])
      await q.query(`DROP TABLE IF EXISTS notification.${t}`);
  }
}
