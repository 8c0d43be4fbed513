import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Voicemail slots as the account manager's code keeps them: `sip_from` is optional (its document says
 * mandatory, its code `nullable`), and an uploaded file has a `name`, answered beside `size`.
 */
export class SlotFileNames1765100000000 implements MigrationInterface {
  name = 'SlotFileNames1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE message.voicemail_slots ALTER COLUMN sip_from DROP NOT NULL`);
    await q.query(`ALTER TABLE message.voicemail_slots ADD COLUMN file_name text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE message.voicemail_slots DROP COLUMN IF EXISTS file_name`);
    await q.query(`UPDATE message.voicemail_slots SET sip_from = 'nouser@norealm' WHERE sip_from IS NULL`);
    await q.query(`ALTER TABLE message.voicemail_slots ALTER COLUMN sip_from SET NOT NULL`);
  }
}
