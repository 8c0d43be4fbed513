import { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue 21: seconds of audio transcribed per account and month (`transcription_minutes` in the usage). */
export class UsageTranscription1765300000000 implements MigrationInterface {
  name = 'UsageTranscription1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE mailbox.account_usage_monthly
      ADD COLUMN transcribed_seconds bigint NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE mailbox.account_usage_monthly DROP COLUMN IF EXISTS transcribed_seconds`);
  }
}
