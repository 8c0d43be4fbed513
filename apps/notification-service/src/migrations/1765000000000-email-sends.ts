import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * E-mails become an outbox of their own (issue 25, item 15): the consumer records a send as `due` and
 * commits; a sender mails it outside any transaction, marks it `sent`, then makes the after-notify move
 * and marks it `done`. Rows of before are `done`.
 */
export class EmailSends1765000000000 implements MigrationInterface {
  name = 'EmailSends1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notification.emails_sent
      ADD COLUMN state text NOT NULL DEFAULT 'done' CHECK (state IN ('due', 'sent', 'done', 'failed')),
      ADD COLUMN job jsonb,
      ADD COLUMN attempts integer NOT NULL DEFAULT 0,
      ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
      ADD COLUMN last_error text,
      ALTER COLUMN sent_at DROP NOT NULL,
      ALTER COLUMN sent_at DROP DEFAULT`);
    await q.query(`CREATE INDEX emails_sent_pending_idx ON notification.emails_sent (next_attempt_at)
      WHERE state IN ('due', 'sent')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS notification.emails_sent_pending_idx`);
    await q.query(`UPDATE notification.emails_sent SET sent_at = now() WHERE sent_at IS NULL`);
    await q.query(`ALTER TABLE notification.emails_sent
      DROP COLUMN state, DROP COLUMN job, DROP COLUMN attempts, DROP COLUMN next_attempt_at,
      DROP COLUMN last_error, ALTER COLUMN sent_at SET NOT NULL, ALTER COLUMN sent_at SET DEFAULT now()`);
  }
}
