import { MigrationInterface, QueryRunner } from 'typeorm';

export class Objects1764100000000 implements MigrationInterface {
  name = 'Objects1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE media.objects (
      id char(32) PRIMARY KEY,
      tenant_id char(32) NOT NULL,
      kind text NOT NULL,
      key text NOT NULL UNIQUE,
      owner_id text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'stored')),
      claimed boolean NOT NULL DEFAULT false,
      max_bytes bigint NOT NULL,
      content_type text,
      format text,
      size bigint,
      sha256 text,
      duration_ms integer,
      derived_from char(32) REFERENCES media.objects(id) ON DELETE CASCADE,
      expires_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      stored_at timestamptz
    )`);
    await q.query(`CREATE INDEX objects_tenant_idx ON media.objects (tenant_id, id)`);
    await q.query(`CREATE INDEX objects_pending_idx ON media.objects (expires_at) WHERE status = 'pending'`);
    await q.query(
      `CREATE INDEX objects_unclaimed_idx ON media.objects (stored_at) WHERE status = 'stored' AND NOT claimed AND derived_from IS NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX objects_rendition_uq ON media.objects (derived_from, format) WHERE derived_from IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS media.objects`);
  }
}
