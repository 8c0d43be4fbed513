import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tokens are signed JWS checked by their signature and the revocation list (1764300000000), so nothing
 * has been written to `mailbox.auth_tokens` since: the table goes. `down` brings back its empty shape.
 */
export class DropAuthTokens1764400000000 implements MigrationInterface {
  name = 'DropAuthTokens1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS mailbox.auth_tokens`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE mailbox.auth_tokens (
      token_hash text PRIMARY KEY,
      account_id char(32) NOT NULL REFERENCES mailbox.accounts(id),
      user_id char(32) REFERENCES mailbox.users(id) ON DELETE CASCADE,
      client_id char(32) REFERENCES mailbox.api_clients(id) ON DELETE CASCADE,
      role text NOT NULL,
      source text NOT NULL,
      expires_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX auth_tokens_account_idx ON mailbox.auth_tokens (account_id, source)`);
    await q.query(`CREATE INDEX auth_tokens_expiry_idx ON mailbox.auth_tokens (expires_at)`);
  }
}
