import { MigrationInterface, QueryRunner } from 'typeorm';

export class Messages1764100000000 implements MigrationInterface {
  name = 'Messages1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE message.messages (
      tenant_id char(32) NOT NULL,
      id text NOT NULL,
      vmbox_id char(32) NOT NULL,
      folder text NOT NULL CHECK (folder IN ('new', 'saved', 'deleted')),
      ts bigint NOT NULL,
      doc jsonb NOT NULL,
      media jsonb,
      version integer NOT NULL DEFAULT 1,
      purge_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, id)
    )`);
    // keyset listing of a box (newest or oldest first), with and without a folder
    await q.query(`CREATE INDEX messages_box_ts_idx ON message.messages (tenant_id, vmbox_id, ts, id)`);
    await q.query(
      `CREATE INDEX messages_box_folder_ts_idx ON message.messages (tenant_id, vmbox_id, folder, ts, id)`,
    );
    await q.query(
      `CREATE INDEX messages_purge_idx ON message.messages (purge_at) WHERE purge_at IS NOT NULL`,
    );
    // the MWI counters of a box: updated in the transaction of every change, so each event carries exact counts
    await q.query(`CREATE TABLE message.box_counters (
      tenant_id char(32) NOT NULL,
      vmbox_id char(32) NOT NULL,
      new_count integer NOT NULL DEFAULT 0,
      saved_count integer NOT NULL DEFAULT 0,
      PRIMARY KEY (tenant_id, vmbox_id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS message.box_counters`);
    await q.query(`DROP TABLE IF EXISTS message.messages`);
  }
}
