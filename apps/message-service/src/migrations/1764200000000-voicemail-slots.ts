import { MigrationInterface, QueryRunner } from 'typeorm';

/** Voicemail slots of the account manager face: a pending deposit, then a link to the message it became. */
export class VoicemailSlots1764200000000 implements MigrationInterface {
  name = 'VoicemailSlots1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE message.voicemail_slots (
      tenant_id char(32) NOT NULL,
      id uuid NOT NULL,
      user_id char(32) NOT NULL,
      vmbox_id char(32) NOT NULL,
      sip_from text NOT NULL,
      content_type text NOT NULL CHECK (content_type IN ('audio/opus', 'audio/wav')),
      max_bytes integer NOT NULL,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      upload_id text,
      uploaded_at timestamptz,
      file_size integer,
      message_id text,
      PRIMARY KEY (tenant_id, id)
    )`);
    await q.query(
      `CREATE INDEX voicemail_slots_user_idx ON message.voicemail_slots (tenant_id, user_id, created_at, id)`,
    );
    // the sweeper looks only at slots still waiting for their audio
    await q.query(
      `CREATE INDEX voicemail_slots_expiry_idx ON message.voicemail_slots (expires_at) WHERE uploaded_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS message.voicemail_slots`);
  }
}
