import { MigrationInterface, QueryRunner } from 'typeorm';

export class Jobs1765000000000 implements MigrationInterface {
  name = 'Jobs1765000000000';

  async up(q: QueryRunner): Promise<void> {
    // one row per message to transcribe: the primary key makes it once, the lease lets another replica take
    // over from one that died, `attempts` bounds the retries
    await q.query(`CREATE TABLE transcription.jobs (
      tenant_id char(32) NOT NULL,
      message_id text NOT NULL,
      vmbox_id char(32) NOT NULL,
      state text NOT NULL DEFAULT 'queued',
      attempts integer NOT NULL DEFAULT 0,
      lease_until timestamptz,
      leased_by text,
      outcome text,
      last_error text,
      seconds integer,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, message_id)
    )`);
    await q.query(`CREATE INDEX jobs_queued_idx ON transcription.jobs (created_at) WHERE state = 'queued'`);
    await q.query(
      `CREATE INDEX jobs_running_idx ON transcription.jobs (tenant_id, lease_until) WHERE state = 'queued'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS transcription.jobs`);
  }
}
