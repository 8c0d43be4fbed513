import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The account tree.
 * `tree` holds an account's ancestors, root first, so "may the actor reach this account" is one array
 * test on the row that is loaded anyway, and "all descendants of X" is one GIN-indexed `tree @> {X}`.
 */
export class Tenancy1764000000002 implements MigrationInterface {
  name = 'Tenancy1764000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE mailbox.accounts ADD COLUMN tree text[] NOT NULL DEFAULT '{}'`);
    await q.query(`WITH RECURSIVE t(id, tree) AS (
        SELECT id, ARRAY[]::text[] FROM mailbox.accounts WHERE parent_id IS NULL
        UNION ALL
        SELECT a.id, t.tree || t.id::text FROM mailbox.accounts a JOIN t ON a.parent_id = t.id
      )
      UPDATE mailbox.accounts a SET tree = t.tree FROM t WHERE a.id = t.id`);
    await q.query(`CREATE INDEX accounts_tree_gin ON mailbox.accounts USING gin (tree)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS mailbox.accounts_tree_gin`);
    await q.query(`ALTER TABLE mailbox.accounts DROP COLUMN IF EXISTS tree`);
  }
}
