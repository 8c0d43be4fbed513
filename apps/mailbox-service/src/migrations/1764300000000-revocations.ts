import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Token revocations ("tokens of principal P issued until T are refused"). Tokens are now signed and
 * self-describing, so nothing is stored per token; `mailbox.auth_tokens` is no longer written (and is
 * dropped by 1764400000000).
 */
export class Revocations1764300000000 implements MigrationInterface {
  name = 'Revocations1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE mailbox.revocations (
      key text PRIMARY KEY,
      before_ms bigint NOT NULL,
      role text,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE mailbox.revocations');
  }
}
