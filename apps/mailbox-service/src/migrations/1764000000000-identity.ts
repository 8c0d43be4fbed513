import { MigrationInterface, QueryRunner } from 'typeorm';
import { outboxTablesDown, outboxTablesUp } from '@voxmail/persistence';

export class Identity1764000000000 implements MigrationInterface {
  name = 'Identity1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE mailbox.accounts (
      id char(32) PRIMARY KEY,
      parent_id char(32) REFERENCES mailbox.accounts(id),
      is_operator boolean NOT NULL DEFAULT false,
      name_lower text NOT NULL,
      doc jsonb NOT NULL,
      version integer NOT NULL DEFAULT 1,
      seq bigserial NOT NULL,
      api_key_hash text NOT NULL UNIQUE,
      api_key_enc text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      deleted_at timestamptz
    )`);
    await q.query(
      `CREATE UNIQUE INDEX accounts_one_operator ON mailbox.accounts (is_operator) WHERE is_operator`,
    );
    await q.query(
      `CREATE INDEX accounts_name_lower_idx ON mailbox.accounts (name_lower) WHERE deleted_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX accounts_parent_seq_idx ON mailbox.accounts (parent_id, seq) WHERE deleted_at IS NULL`,
    );
    await q.query(`CREATE TABLE mailbox.users (
      id char(32) PRIMARY KEY,
      account_id char(32) NOT NULL REFERENCES mailbox.accounts(id),
      username_lower text,
      priv_level text NOT NULL,
      credentials_hash text,
      credentials_lookup text,
      doc jsonb NOT NULL,
      version integer NOT NULL DEFAULT 1,
      seq bigserial NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(
      `CREATE UNIQUE INDEX users_username_uq ON mailbox.users (account_id, username_lower) WHERE username_lower IS NOT NULL`,
    );
    await q.query(`CREATE INDEX users_credentials_lookup_idx ON mailbox.users (credentials_lookup)`);
    await q.query(`CREATE INDEX users_account_seq_idx ON mailbox.users (account_id, seq)`);
    await q.query(`CREATE TABLE mailbox.api_clients (
      id char(32) PRIMARY KEY,
      account_id char(32) NOT NULL REFERENCES mailbox.accounts(id),
      name text NOT NULL,
      priv_level text NOT NULL,
      owner_id char(32) REFERENCES mailbox.users(id) ON DELETE SET NULL,
      secret_hash text NOT NULL,
      seq bigserial NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX api_clients_account_seq_idx ON mailbox.api_clients (account_id, seq)`);
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
    await q.query(`CREATE TABLE mailbox.auth_failures (
      client_key text PRIMARY KEY,
      window_start timestamptz NOT NULL,
      failures integer NOT NULL
    )`);
    for (const sql of outboxTablesUp('mailbox')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of outboxTablesDown('mailbox')) await q.query(sql);
    for (const t of ['auth_failures', 'auth_tokens', 'api_clients', 'users', 'accounts']) {
      await q.query(`DROP TABLE IF EXISTS mailbox.${t}`);
    }
  }
}
