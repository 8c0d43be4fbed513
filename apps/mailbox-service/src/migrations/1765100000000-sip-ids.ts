import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every user gets a stable integer id as a SIP account (the Flexisip account manager's `id`, which
 * Flexisip's VoicemailServer reads as an `int`): numbered per account from 1 and never reused, so it
 * names one user for good and tells nothing of other tenants (a global sequence would count their users).
 * The database assigns it on insert, so every way a user is created (and a replica still running the
 * previous version during a rolling upgrade) numbers it; the counter row serialises one account's inserts.
 */
export class SipIds1765100000000 implements MigrationInterface {
  name = 'SipIds1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE mailbox.sip_id_counters (
      account_id char(32) PRIMARY KEY REFERENCES mailbox.accounts(id) ON DELETE CASCADE,
      last_id integer NOT NULL
    )`);
    await q.query(`ALTER TABLE mailbox.users ADD COLUMN sip_id integer`);
    await q.query(`CREATE FUNCTION mailbox.assign_sip_id() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.sip_id IS NULL THEN
          INSERT INTO mailbox.sip_id_counters AS c (account_id, last_id) VALUES (NEW.account_id, 1)
            ON CONFLICT (account_id) DO UPDATE SET last_id = c.last_id + 1
            RETURNING c.last_id INTO NEW.sip_id;
        END IF;
        RETURN NEW;
      END $$`);
    // existing users, in the order they were created; then the counters continue after them
    await q.query(`LOCK TABLE mailbox.users IN SHARE ROW EXCLUSIVE MODE`);
    await q.query(`UPDATE mailbox.users u SET sip_id = n.rn
      FROM (SELECT id, row_number() OVER (PARTITION BY account_id ORDER BY seq) AS rn FROM mailbox.users) n
      WHERE u.id = n.id`);
    await q.query(`INSERT INTO mailbox.sip_id_counters (account_id, last_id)
      SELECT account_id, max(sip_id) FROM mailbox.users GROUP BY account_id`);
    await q.query(`CREATE TRIGGER users_sip_id BEFORE INSERT ON mailbox.users
      FOR EACH ROW EXECUTE FUNCTION mailbox.assign_sip_id()`);
    await q.query(`ALTER TABLE mailbox.users ALTER COLUMN sip_id SET NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX users_sip_id_uq ON mailbox.users (account_id, sip_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS users_sip_id ON mailbox.users`);
    await q.query(`DROP FUNCTION IF EXISTS mailbox.assign_sip_id()`);
    await q.query(`ALTER TABLE mailbox.users DROP COLUMN IF EXISTS sip_id`);
    await q.query(`DROP TABLE IF EXISTS mailbox.sip_id_counters`);
  }
}
