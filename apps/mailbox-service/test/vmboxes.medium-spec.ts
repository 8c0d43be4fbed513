// mailbox-service's vmbox commands on real PostgreSQL and NATS, as other services call them: the
// Vmbox.Get contract message-service authorizes with, and PIN lockout state kept in the database.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import {
  Actor,
  DocReply,
  DomainError,
  ErrorCode,
  PinVerifyReply,
  Subjects,
  VmboxReply,
} from '@voxmail/contracts';
import { CommandClient } from '@voxmail/messaging';
import { failure, testEnv } from '@voxmail/testing';
import { DataSource } from 'typeorm';
import { startMailboxUnderTest, MailboxUnderTest } from './mailbox-under-test';
import { VmboxesRepository } from '../src/vmboxes/vmboxes.repository';

let mailbox: MailboxUnderTest;
let bus: CommandClient;
let db: Client;
let operator: Actor;
const previousLock = process.env.PIN_LOCK_SECONDS;

const run = <T>(subject: string, payload: object) => bus.execute<T>(subject, payload);

const tenant = (doc: Record<string, unknown> = {}) => mailbox.tenant('medium', doc);

async function user(t: { id: string; admin: Actor }): Promise<Actor> {
  const r = await run<DocReply>(Subjects.User.Create, {
    tenantId: t.id,
    actor: t.admin,
    doc: { first_name: 'U', last_name: 'Ser' },
  });
  return { accountId: t.id, role: 'user', userId: r.doc.id };
}

async function box(t: { id: string; admin: Actor }, doc: Record<string, unknown> = {}): Promise<DocReply> {
  return run<DocReply>(Subjects.Vmbox.Create, {
    tenantId: t.id,
    actor: t.admin,
    doc: { name: 'B', mailbox: randomBytes(4).toString('hex'), ...doc },
  });
}

beforeAll(async () => {
  // a lock long enough to tell from the default of 300 s
  process.env.PIN_LOCK_SECONDS = '3600';
  mailbox = await startMailboxUnderTest();
  ({ bus, db, operator } = mailbox);
});

afterAll(async () => {
  if (previousLock === undefined) delete process.env.PIN_LOCK_SECONDS;
  else process.env.PIN_LOCK_SECONDS = previousLock;
  await mailbox?.close();
});

describe('Subjects.Vmbox.Get, the contract message-service authorizes with', () => {
  it('answers the box without its PIN, its revision, and the effective limits', async () => {
    const t = await tenant({ max_message_count: 50, max_message_length: 120 });
    const own = await box(t, { max_message_count: 5, pin: '1234' });
    const r = await run<VmboxReply>(Subjects.Vmbox.Get, { tenantId: t.id, actor: t.admin, id: own.doc.id });
    expect(r).toEqual({
      doc: own.doc,
      revision: own.revision,
      limits: { max_message_count: 5, max_message_length: 120 },
    });
    expect(r.doc).toEqual(expect.objectContaining({ pin_set: true, max_message_count: 5 }));
    expect(r.doc).not.toHaveProperty('pin');
  });

  it('answers null limits when neither the box nor the account sets them', async () => {
    const t = await tenant();
    const b = await box(t);
    const r = await run<VmboxReply>(Subjects.Vmbox.Get, { tenantId: t.id, actor: t.admin, id: b.doc.id });
    expect(r.limits).toEqual({ max_message_count: null, max_message_length: null });
  });

  it('follows a change of the account default', async () => {
    const t = await tenant({ max_message_length: 60 });
    const b = await box(t);
    await run(Subjects.Account.Update, {
      tenantId: t.id,
      actor: operator,
      id: t.id,
      mode: 'merge',
      doc: { max_message_length: 90 },
    });
    const r = await run<VmboxReply>(Subjects.Vmbox.Get, { tenantId: t.id, actor: t.admin, id: b.doc.id });
    expect(r.limits.max_message_length).toBe(90);
  });

  it('is NotFound for another tenant, for a user who neither owns nor belongs to the box, and after deletion', async () => {
    const t = await tenant();
    const other = await tenant();
    const owner = await user(t);
    const member = await user(t);
    const stranger = await user(t);
    const personal = await box(t, { owner_id: owner.userId });
    const group = await box(t, { type: 'group', members: [member.userId] });
    const get = (actor: Actor, tenantId: string, id: string) =>
      run<VmboxReply>(Subjects.Vmbox.Get, { tenantId, actor, id });

    expect((await get(owner, t.id, personal.doc.id)).doc.id).toBe(personal.doc.id);
    expect((await get(member, t.id, group.doc.id)).doc.id).toBe(group.doc.id);
    expect((await get(operator, t.id, group.doc.id)).doc.id).toBe(group.doc.id);
    for (const [actor, tenantId, id] of [
      [other.admin, t.id, personal.doc.id],
      [other.admin, other.id, personal.doc.id],
      [stranger, t.id, personal.doc.id],
      [stranger, t.id, group.doc.id],
      [member, t.id, personal.doc.id],
      [owner, t.id, group.doc.id],
    ] as const) {
      expect((await failure(get(actor, tenantId, id))).code).toBe(ErrorCode.NotFound);
    }
    await run(Subjects.Vmbox.Delete, { tenantId: t.id, actor: t.admin, id: personal.doc.id });
    expect((await failure(get(t.admin, t.id, personal.doc.id))).code).toBe(ErrorCode.NotFound);
    // a deleted account's boxes are gone for everyone
    await run(Subjects.Account.Delete, { tenantId: t.id, actor: operator, id: t.id });
    expect((await failure(get(operator, t.id, group.doc.id))).code).toBe(ErrorCode.NotFound);
  });

  it('refuses a malformed command with a coded validation error, not an internal one', async () => {
    const t = await tenant();
    const e = await failure(run(Subjects.Vmbox.Get, { tenantId: t.id, actor: t.admin, id: 'not-an-id' }));
    expect(e.code).toBe(ErrorCode.ValidationFailed);
    expect(e.details).toHaveProperty('id');
  });
});

describe('PIN lockout kept in PostgreSQL', () => {
  const verify = (t: { id: string; admin: Actor }, id: string, pin: string) =>
    run<PinVerifyReply>(Subjects.Vmbox.VerifyPin, { tenantId: t.id, actor: t.admin, id, pin });

  it('locks for PIN_LOCK_SECONDS, and the right PIN works again once the lock has passed', async () => {
    const t = await tenant();
    const b = await box(t, { pin: '4321' });
    for (let i = 0; i < 5; i++) expect(await verify(t, b.doc.id, '0000')).toEqual({ valid: false });
    const locked = await failure(verify(t, b.doc.id, '4321'));
    expect(locked.code).toBe(ErrorCode.Locked);
    const { rows } = await db.query(
      `SELECT pin_failures, extract(epoch FROM locked_until - now())::int AS left_s FROM mailbox.vmboxes WHERE id = $1`,
      [b.doc.id],
    );
    expect(rows[0].left_s).toBeGreaterThan(3000); // 3600 s configured, not the default 300
    expect(locked.details?.retry_after_s).toBeGreaterThan(3000);

    // the lock ends (moved into the past rather than waited for)
    await db.query(`UPDATE mailbox.vmboxes SET locked_until = now() - interval '1 second' WHERE id = $1`, [
      b.doc.id,
    ]);
    expect(await verify(t, b.doc.id, '4321')).toEqual({ valid: true });
    const after = await db.query('SELECT pin_failures, locked_until FROM mailbox.vmboxes WHERE id = $1', [
      b.doc.id,
    ]);
    expect(after.rows[0]).toEqual({ pin_failures: 0, locked_until: null });
  });

  it('concurrent wrong attempts are counted one by one: 5 are checked, the rest refused', async () => {
    const t = await tenant();
    const b = await box(t, { pin: '2468' });
    const outcomes = await Promise.allSettled(Array.from({ length: 9 }, () => verify(t, b.doc.id, '1357')));
    const checked = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter(
      (o) => o.status === 'rejected' && (o.reason as DomainError).code === ErrorCode.Locked,
    );
    expect(checked.map((o) => (o as PromiseFulfilledResult<PinVerifyReply>).value)).toEqual(
      Array(5).fill({ valid: false }),
    );
    expect(refused).toHaveLength(4);
  });

  it('verifying does not change the revision of the box', async () => {
    const t = await tenant();
    const b = await box(t, { pin: '9999' });
    await verify(t, b.doc.id, '9999');
    await verify(t, b.doc.id, '0000');
    const r = await run<VmboxReply>(Subjects.Vmbox.Get, { tenantId: t.id, actor: t.admin, id: b.doc.id });
    expect(r.revision).toBe(b.revision);
  });
});

describe('the mwi.updated projection', () => {
  it('ignores the counts of a box deleted while they are applied (no foreign-key violation)', async () => {
    const t = await tenant();
    const b = await box(t);
    const repo = mailbox.service.app.get(VmboxesRepository);
    const ds = mailbox.service.app.get(DataSource);
    const deleting = new Client({ connectionString: testEnv().DATABASE_URL });
    await deleting.connect();
    try {
      await deleting.query('BEGIN');
      await deleting.query('DELETE FROM mailbox.vmboxes WHERE id = $1', [b.doc.id]);
      // the projection reads the box while its deletion is not yet committed
      const applying = ds.transaction((m) =>
        repo.applyMessageCounts(m, t.id, { vmboxId: b.doc.id, new: 1, saved: 0 }, new Date(), 'e-deleted'),
      );
      await new Promise((r) => setTimeout(r, 200));
      await deleting.query('COMMIT');
      await expect(applying).resolves.toBe(false);
    } finally {
      await deleting.end();
    }
    const { rows } = await db.query('SELECT 1 FROM mailbox.vmbox_message_counts WHERE vmbox_id = $1', [
      b.doc.id,
    ]);
    expect(rows).toEqual([]);
  });
});

describe('the mailbox schema', () => {
  it('has no auth_tokens table: tokens are signed, nothing is stored per token', async () => {
    const { rows } = await db.query(`SELECT to_regclass('mailbox.auth_tokens') AS t`);
    expect(rows[0].t).toBeNull();
  });
});
