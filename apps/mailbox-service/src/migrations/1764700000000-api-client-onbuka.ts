import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API clients created with `onbuka: true` also sign Onbuka requests: `Sign = md5(Api-Key + ApiSecret +
 * Timestamp)` needs the secret itself, so for those clients it is kept sealed (AES-256-GCM) beside its hash.
 */
export class ApiClientOnbuka1764700000000 implements MigrationInterface {
  name = 'ApiClientOnbuka1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE mailbox.api_clients ADD COLUMN onbuka_secret_sealed text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE mailbox.api_clients DROP COLUMN IF EXISTS onbuka_secret_sealed`);
  }
}
