import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 21: each account's `transcription.enabled` (null: the boxes decide), so an e-mail knows whether a
 * transcription is coming and waits for it (EMAIL_TRANSCRIPTION_WAIT_MS).
 */
export class AccountTranscription1765300000000 implements MigrationInterface {
  name = 'AccountTranscription1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notification.account_projection ADD COLUMN transcription_enabled boolean`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notification.account_projection DROP COLUMN IF EXISTS transcription_enabled`);
  }
}
