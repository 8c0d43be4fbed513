import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 21, a search page's cost bounded: a search ranks the newest N matches, found by walking messages
 * newest first and keeping those the query matches (for a word most messages say, N rows and done; a rare
 * word goes through the GIN index instead). A box's search walks `messages_box_ts_idx`; the account-wide
 * search (every box, or a user's boxes) walks this one.
 */
export class SearchTimeOrder1765420000000 implements MigrationInterface {
  name = 'SearchTimeOrder1765420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX messages_tenant_ts_idx ON message.messages (tenant_id, ts, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS message.messages_tenant_ts_idx`);
  }
}
