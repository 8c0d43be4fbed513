import { MigrationInterface, QueryRunner } from 'typeorm';

/** The account manager face finds an API client by its secret's keyed hash alone. */
export class ApiClientSecretIndex1764200000000 implements MigrationInterface {
  name = 'ApiClientSecretIndex1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX api_clients_secret_hash_idx ON mailbox.api_clients (secret_hash)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS mailbox.api_clients_secret_hash_idx`);
  }
}
