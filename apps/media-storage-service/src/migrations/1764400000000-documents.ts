import { MigrationInterface, QueryRunner } from 'typeorm';

export class Documents1764400000000 implements MigrationInterface {
  name = 'Documents1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE media.documents (
      id char(32) PRIMARY KEY,
      tenant_id char(32) NOT NULL,
      kind text NOT NULL CHECK (kind IN ('greeting', 'prompt')),
      name text NOT NULL,
      description text,
      vmbox_id char(32),
      object_id char(32),
      uploaded_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX documents_tenant_idx ON media.documents (tenant_id, created_at, id)`);
    await q.query(
      `CREATE UNIQUE INDEX documents_box_name_uq ON media.documents (tenant_id, vmbox_id, name) WHERE vmbox_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS media.documents`);
  }
}
