// Users' integer ids as SIP accounts (the Flexisip account manager face) on real PostgreSQL and NATS: numbered
// per account by the database, given to the users that existed before the migration in creation order, never
// reused, and found only within the caller's account.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { QueryRunner } from 'typeorm';
import { Actor, DocReply, ErrorCode, SipAccount, Subjects } from '@voxmail/contracts';
import { CommandClient } from '@voxmail/messaging';
import { failure } from '@voxmail/testing';
import { startMailboxUnderTest, MailboxUnderTest } from './mailbox-under-test';
import { SipIds1765100000000 } from '../src/migrations/1765100000000-sip-ids';

interface Tenant {
  id: string;
  admin: Actor;
}

let mailbox: MailboxUnderTest;
let bus: CommandClient;
let db: Client;

const run = <T>(subject: string, payload: object) => bus.execute<T>(subject, payload);

const tenant = (doc: Record<string, unknown> = {}): Promise<Tenant> => mailbox.tenant('sip', doc);

async function user(t: Tenant, username: string): Promise<string> {
  const r = await run<DocReply>(Subjects.User.Create, {
    tenantId: t.id,
    actor: t.admin,
    doc: { first_name: username, last_name: 'Test', username },
  });
  return r.doc.id;
}

/** A user row as the version before the migration wrote it (no sip_id). */
async function legacyUser(t: Tenant): Promise<string> {
  const id = randomBytes(16).toString('hex');
  await db.query(
    `INSERT INTO mailbox.users (id, account_id, priv_level, doc, version) VALUES ($1, $2, 'user', $3, 1)`,
    [id, t.id, JSON.stringify({ first_name: 'Legacy', last_name: 'User' })],
  );
  return id;
}

async function sipIds(t: Tenant): Promise<Record<string, number>> {
  const { rows } = await db.query('SELECT id, sip_id FROM mailbox.users WHERE account_id = $1', [t.id]);
  return Object.fromEntries(rows.map((r: { id: string; sip_id: number }) => [r.id.trim(), r.sip_id]));
}

/** The migration run as TypeORM runs it: one transaction. */
async function migrate(step: 'up' | 'down'): Promise<void> {
  const q = { query: (sql: string) => db.query(sql) } as unknown as QueryRunner;
  await db.query('BEGIN');
  try {
    await new SipIds1765100000000()[step](q);
    await db.query('COMMIT');
  } catch (e) {
    await db.query('ROLLBACK');
    throw e;
  }
}

beforeAll(async () => {
  mailbox = await startMailboxUnderTest();
  ({ bus, db } = mailbox);
});

afterAll(() => mailbox?.close());

describe('integer ids of SIP accounts', () => {
  it('numbers the users there were before the migration by creation order, per account, and goes on after them', async () => {
    const a = await tenant();
    const b = await tenant();
    const a1 = await user(a, 'a1');
    const b1 = await user(b, 'b1');
    await migrate('down');
    let a2: string;
    let b2: string;
    try {
      // users created while the column did not exist (as by the previous version, in SQL)
      a2 = await legacyUser(a);
      b2 = await legacyUser(b);
    } finally {
      await migrate('up');
    }
    expect(await sipIds(a)).toEqual({ [a1]: 1, [a2]: 2 });
    expect(await sipIds(b)).toEqual({ [b1]: 1, [b2]: 2 });
    const a3 = await user(a, 'a3');
    expect((await sipIds(a))[a3]).toBe(3);
  });

  it('never gives a number again, and finds an account only in the caller’s account', async () => {
    const t = await tenant({ realm: `sip-${randomBytes(4).toString('hex')}.example.org` });
    const first = await user(t, 'first');
    const second = await user(t, 'second');
    await run(Subjects.User.Delete, { tenantId: t.id, actor: t.admin, id: second });
    const third = await user(t, 'third');
    expect(await sipIds(t)).toEqual({ [first]: 1, [third]: 3 });

    const found = await run<SipAccount>(Subjects.User.FindSipAccount, {
      tenantId: t.id,
      actor: t.admin,
      sipId: 3,
    });
    expect(found).toMatchObject({ user_id: third, sip_id: 3, username: 'third' });
    expect(
      (await failure(run(Subjects.User.FindSipAccount, { tenantId: t.id, actor: t.admin, sipId: 2 }))).code,
    ).toBe(ErrorCode.NotFound);
    // a user actor reaches only itself: another number, existing or not, is 403
    const self: Actor = { accountId: t.id, role: 'user', userId: first };
    expect(
      await run<SipAccount>(Subjects.User.FindSipAccount, { tenantId: t.id, actor: self, sipId: 1 }),
    ).toMatchObject({ user_id: first });
    for (const sipId of [3, 99])
      expect(
        (await failure(run(Subjects.User.FindSipAccount, { tenantId: t.id, actor: self, sipId }))).code,
      ).toBe(ErrorCode.Forbidden);
    // another tenant's admin does not reach this account at all
    const other = await tenant();
    expect(
      (await failure(run(Subjects.User.FindSipAccount, { tenantId: t.id, actor: other.admin, sipId: 1 })))
        .code,
    ).toBe(ErrorCode.NotFound);
  });
});
