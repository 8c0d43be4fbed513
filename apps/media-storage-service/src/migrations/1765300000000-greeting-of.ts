import { MigrationInterface, QueryRunner } from 'typeorm';

/** The box a greeting document was made for (its owner, a user, may replace the audio). */
export class GreetingOf1765300000000 implements MigrationInterface {
  name = 'GreetingOf1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE media.documents ADD COLUMN greeting_of char(32)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE media.documents DROP COLUMN IF EXISTS greeting_of`);
  }
}
