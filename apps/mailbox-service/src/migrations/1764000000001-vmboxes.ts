import { MigrationInterface, QueryRunner } from 'typeorm';

/** Voicemail boxes (Kazoo document + indexed columns, PIN hash and lockout) and the message-count projection. */
export class Vmboxes1764000000001 implements MigrationInterface {
  name = 'Vmboxes1764000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE mailbox.vmboxes (
      id char(32) PRIMARY KEY,
      account_id char(32) NOT NULL REFERENCES mailbox.accounts(id),
      mailbox text NOT NULL,
      owner_id char(32),
      type text NOT NULL DEFAULT 'personal',
      members text[] NOT NULL DEFAULT '{}',
      doc jsonb NOT NULL,
      pin_hash text,
      pin_failures integer NOT NULL DEFAULT 0,
      locked_until timestamptz,
      version integer NOT NULL DEFAULT 1,
      seq bigserial NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT vmboxes_type_ck CHECK (type IN ('personal', 'group'))
    )`);
    await q.query(`CREATE UNIQUE INDEX vmboxes_account_mailbox_uq ON mailbox.vmboxes (account_id, mailbox)`);
    await q.query(`CREATE INDEX vmboxes_account_seq_idx ON mailbox.vmboxes (account_id, seq)`);
    await q.query(
      `CREATE INDEX vmboxes_account_owner_idx ON mailbox.vmboxes (account_id, owner_id) WHERE owner_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX vmboxes_members_gin ON mailbox.vmboxes USING gin (members)`);
    // Filled from mwi.updated events of message-service; never read from its tables.
    await q.query(`CREATE TABLE mailbox.vmbox_message_counts (
      vmbox_id char(32) PRIMARY KEY REFERENCES mailbox.vmboxes(id) ON DELETE CASCADE,
      account_id char(32) NOT NULL,
      new_count integer NOT NULL,
      saved_count integer NOT NULL,
      last_event_at timestamptz NOT NULL,
      last_event_id text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS mailbox.vmbox_message_counts`);
    await q.query(`DROP TABLE IF EXISTS mailbox.vmboxes`);
  }
}
