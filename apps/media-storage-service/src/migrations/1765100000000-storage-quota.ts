import { MigrationInterface, QueryRunner } from 'typeorm';

/** Each account's `max_storage_bytes`, projected from `account.limits_updated` (null: no limit). */
export class StorageQuota1765100000000 implements MigrationInterface {
  name = 'StorageQuota1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE media.account_limits (
      tenant_id char(32) PRIMARY KEY,
      max_storage_bytes bigint,
      occurred_at timestamptz NOT NULL
    )`);
    // the bytes an account stores: a sum over its stored originals, at each commit
    await q.query(
      `CREATE INDEX objects_stored_bytes_idx ON media.objects (tenant_id) INCLUDE (size)
         WHERE status = 'stored' AND derived_from IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS media.objects_stored_bytes_idx`);
    await q.query(`DROP TABLE IF EXISTS media.account_limits`);
  }
}
