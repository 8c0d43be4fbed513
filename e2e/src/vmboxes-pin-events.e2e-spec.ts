// vmboxes beyond Kazoo, over HTTP: PIN verification with lockout, the mailbox events a plain NATS
// subscriber sees, and the `messages` count projected from message-service's mwi.updated events.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { connect, NatsConnection } from 'nats';
import { Client } from 'pg';
import { EventRecorder, KazooResponse, Stack, startStack, Tenant } from '@voxmail/testing';
import { startGateway } from '../../apps/api-gateway/src/bootstrap';
import { startMailboxService } from '../../apps/mailbox-service/src/bootstrap';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

let stack: Stack;
let events: EventRecorder;
let db: Client;
let nc: NatsConnection;
let a: Tenant;
let b: Tenant;
let alice: { id: string; token: string };
let bob: { id: string; token: string };
let mailboxSeq = 5000;

async function createUser(t: Tenant, username: string): Promise<{ id: string; token: string }> {
  const password = `pw-${randomBytes(6).toString('hex')}`;
  const u = await stack.request('PUT', `/v2/accounts/${t.accountId}/users`, {
    token: t.token,
    body: { data: { username, password, first_name: username, last_name: 'Test' } },
  });
  const auth = await stack.request('PUT', '/v2/user_auth', {
    body: { data: { credentials: md5(`${username}:${password}`), account_name: t.name } },
  });
  expect([u.status, auth.status]).toEqual([201, 201]);
  return { id: u.body.data.id, token: auth.body.auth_token };
}

const boxes = (t: Tenant) => `/v2/accounts/${t.accountId}/vmboxes`;

async function createBox(
  data: Record<string, unknown>,
  t: Tenant = a,
): Promise<{ data: any; revision: string }> {
  const r = await stack.request('PUT', boxes(t), {
    token: t.token,
    body: { data: { name: 'Box', mailbox: String(mailboxSeq++), ...data } },
  });
  expect(r.status).toBe(201);
  return r.body;
}

function verify(boxId: string, pin: unknown, token = a.token, t: Tenant = a): Promise<KazooResponse> {
  return stack.request('POST', `${boxes(t)}/${boxId}/pin/verify`, { token, body: { data: { pin } } });
}

beforeAll(async () => {
  stack = await startStack({ gateway: startGateway, mailbox: startMailboxService }, ['mailbox', 'gateway']);
  events = await EventRecorder.start('voxmail.evt.>', stack.env.NATS_URL);
  db = new Client({ connectionString: stack.env.DATABASE_URL });
  await db.connect();
  nc = await connect({ servers: stack.env.NATS_URL });
  a = await stack.createTenant();
  b = await stack.createTenant();
  alice = await createUser(a, `alice-${randomBytes(3).toString('hex')}`);
  bob = await createUser(a, `bob-${randomBytes(3).toString('hex')}`);
});

afterAll(async () => {
  await nc?.close();
  await events?.stop();
  await db?.end();
  await stack?.stop();
});

describe('PIN verification for the PBX', () => {
  it('answers valid true for the right PIN and false for a wrong one', async () => {
    const box = await createBox({ pin: '2580', owner_id: alice.id });
    const ok = await verify(box.data.id, '2580');
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual(
      expect.objectContaining({ data: { valid: true }, status: 'success', request_id: expect.any(String) }),
    );
    const bad = await verify(box.data.id, '0852');
    expect(bad.status).toBe(200);
    expect(bad.body.data).toEqual({ valid: false });
  });

  it('locks the box after 5 wrong PINs in a row (423), a right PIN resetting the count before that', async () => {
    const box = await createBox({ pin: '135790' });
    const id = box.data.id;
    for (let i = 0; i < 4; i++) expect((await verify(id, '000000')).body.data).toEqual({ valid: false });
    expect((await verify(id, '135790')).body.data).toEqual({ valid: true }); // resets the count
    for (let i = 0; i < 4; i++) expect((await verify(id, '000000')).body.data).toEqual({ valid: false });
    expect((await verify(id, '135790')).body.data).toEqual({ valid: true }); // 8 wrong in all, never 5 in a row

    for (let i = 0; i < 5; i++) expect((await verify(id, '999999')).body.data).toEqual({ valid: false });
    const locked = await verify(id, '135790'); // even the right PIN while locked
    expect(locked.status).toBe(423);
    expect(locked.body).toEqual(
      expect.objectContaining({
        error: '423',
        status: 'error',
        request_id: expect.any(String),
        message: expect.stringMatching(/locked/),
      }),
    );
    expect(locked.body.data.pin.locked).toEqual(
      expect.objectContaining({ locked_until: expect.any(String) }),
    );
    expect(new Date(locked.body.data.pin.locked.locked_until).getTime()).toBeGreaterThan(Date.now());
    expect((await verify(id, '999999')).status).toBe(423);

    // each outcome is an event
    const mine = () => events.events.filter((e) => e.aggregateId === id);
    await events.waitFor((e) => e.aggregateId === id && e.type === 'mailbox.locked');
    await events.waitFor(
      (e) => e.aggregateId === id && e.type === 'mailbox.pin_failed' && (e.data as any).reason === 'locked',
    );
    const types = mine().map((e) => e.type);
    expect(types.filter((t) => t === 'mailbox.pin_verified')).toHaveLength(2);
    expect(types.filter((t) => t === 'mailbox.locked')).toHaveLength(1);
    const wrong = mine().filter(
      (e) => e.type === 'mailbox.pin_failed' && (e.data as any).reason === 'wrong_pin',
    );
    expect(wrong).toHaveLength(13);
    expect(wrong.slice(-5).map((e) => (e.data as any).failures)).toEqual([1, 2, 3, 4, 5]);
    const lockEvent = mine().find((e) => e.type === 'mailbox.locked')!;
    expect(lockEvent.data).toEqual({
      id,
      mailbox: box.data.mailbox,
      failures: 5,
      locked_until: locked.body.data.pin.locked.locked_until,
    });
    for (const e of mine()) expect(JSON.stringify(e.data)).not.toMatch(/"pin"/);
  });

  it('an admin setting a new PIN unlocks the box', async () => {
    const box = await createBox({ pin: '1111' });
    for (let i = 0; i < 5; i++) await verify(box.data.id, '2222');
    expect((await verify(box.data.id, '1111')).status).toBe(423);
    const p = await stack.request('PATCH', `${boxes(a)}/${box.data.id}`, {
      token: a.token,
      body: { data: { pin: '3333' } },
    });
    expect(p.status).toBe(200);
    expect((await verify(box.data.id, '3333')).body.data).toEqual({ valid: true });
    expect((await verify(box.data.id, '1111')).body.data).toEqual({ valid: false });
  });

  it('a box without a PIN never verifies', async () => {
    const box = await createBox({});
    const r = await verify(box.data.id, '0000');
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ valid: false });
    await events.waitFor(
      (e) =>
        e.aggregateId === box.data.id &&
        e.type === 'mailbox.pin_failed' &&
        (e.data as any).reason === 'no_pin',
    );
  });

  it('a malformed attempt is 400 naming pin, and does not count', async () => {
    const box = await createBox({ pin: '4444' });
    for (const pin of ['12', '1234567', 'abcd', 1234]) {
      const r = await verify(box.data.id, pin);
      expect({ pin, status: r.status, field: Object.keys(r.body.data) }).toEqual({
        pin,
        status: 400,
        field: ['pin'],
      });
    }
    expect((await verify(box.data.id, '12')).body.data.pin.minLength.message).toBe(
      'PIN must be 4 to 6 digits (0-9)',
    );
    const missing = await stack.request('POST', `${boxes(a)}/${box.data.id}/pin/verify`, {
      token: a.token,
      body: { data: {} },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.data.pin.required).toBeDefined();
    for (let i = 0; i < 4; i++) await verify(box.data.id, '0000');
    expect((await verify(box.data.id, '4444')).body.data).toEqual({ valid: true }); // the malformed ones did not count
  });

  it('the owner may verify; another user or another tenant gets 404', async () => {
    const box = await createBox({ pin: '5555', owner_id: alice.id });
    expect((await verify(box.data.id, '5555', alice.token)).body.data).toEqual({ valid: true });
    expect((await verify(box.data.id, '5555', bob.token)).status).toBe(404);
    expect((await verify(box.data.id, '5555', b.token)).status).toBe(404);
    expect((await verify(box.data.id, '5555', b.token, b)).status).toBe(404);
  });

  it('the PIN is stored only as an argon2id hash, and is in no response, document or event', async () => {
    const box = await createBox({ pin: '860531' });
    const got = await stack.request('GET', `${boxes(a)}/${box.data.id}`, { token: a.token });
    expect(got.text).not.toContain('860531');
    expect(got.body.data.pin_set).toBe(true);
    const { rows } = await db.query('SELECT pin_hash, doc FROM mailbox.vmboxes WHERE id = $1', [box.data.id]);
    expect(rows[0].pin_hash).toMatch(/^\$argon2id\$/);
    expect(rows[0].pin_hash).not.toContain('860531');
    expect(rows[0].doc).not.toHaveProperty('pin');
    const outbox = await db.query(
      `SELECT envelope::text AS e FROM mailbox.outbox WHERE envelope->>'aggregateId' = $1`,
      [box.data.id],
    );
    expect(outbox.rows.length).toBeGreaterThan(0);
    for (const r of outbox.rows) expect(r.e).not.toContain('860531');
  });
});

describe('mailbox events seen by a plain NATS subscriber', () => {
  it('created, updated and deleted carry the box (pin_set, never the PIN) in the standard envelope', async () => {
    const box = await createBox({ pin: '7777', owner_id: alice.id });
    const id = box.data.id;
    const created = await events.waitFor((e) => e.aggregateId === id && e.type === 'mailbox.created');
    expect(created).toEqual(
      expect.objectContaining({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        type: 'mailbox.created',
        version: 1,
        tenantId: a.accountId,
        aggregateId: id,
        occurredAt: expect.any(String),
        data: box.data,
        subject: `voxmail.evt.${a.accountId}.mailbox.created`,
      }),
    );
    expect(created.headers['nats-msg-id']).toBe(created.id);

    const patched = await stack.request('PATCH', `${boxes(a)}/${id}`, {
      token: a.token,
      body: { data: { name: 'Renamed' } },
    });
    const updated = await events.waitFor((e) => e.aggregateId === id && e.type === 'mailbox.updated');
    expect(updated.data).toEqual(patched.body.data);
    expect(updated.subject).toBe(`voxmail.evt.${a.accountId}.mailbox.updated`);

    const del = await stack.request('DELETE', `${boxes(a)}/${id}`, { token: a.token });
    expect(del.status).toBe(200);
    const deleted = await events.waitFor((e) => e.aggregateId === id && e.type === 'mailbox.deleted');
    expect(deleted.data).toEqual(
      expect.objectContaining({ id, name: 'Renamed', mailbox: box.data.mailbox, owner_id: alice.id }),
    );
    for (const e of [created, updated, deleted]) {
      expect(e.data).not.toHaveProperty('pin');
      expect(e.data).toHaveProperty('pin_set', true);
    }
  });

  it('a write refused by validation emits nothing', async () => {
    const box = await createBox({});
    await events.waitFor((e) => e.aggregateId === box.data.id && e.type === 'mailbox.created');
    const r = await stack.request('PATCH', `${boxes(a)}/${box.data.id}`, {
      token: a.token,
      body: { data: { name: '' } },
    });
    expect(r.status).toBe(400);
    // a later write's event proves the relay has caught up past the refused one
    await stack.request('PATCH', `${boxes(a)}/${box.data.id}`, {
      token: a.token,
      body: { data: { name: 'ok' } },
    });
    await events.waitFor((e) => e.aggregateId === box.data.id && e.type === 'mailbox.updated');
    const seen = events.events.filter((e) => e.aggregateId === box.data.id);
    expect(seen.map((e) => e.type)).toEqual(['mailbox.created', 'mailbox.updated']);
    expect(seen[1].data).toEqual(expect.objectContaining({ name: 'ok' }));
  });
});

describe('the messages count comes from mwi.updated events', () => {
  const t0 = Date.parse('2030-01-01T00:00:00Z');

  async function publishMwi(
    tenantId: string,
    vmboxId: string,
    counts: { new: number; saved: number },
    atS: number,
    id = randomUUID(),
  ) {
    const envelope = {
      id,
      type: 'mwi.updated',
      version: 1,
      tenantId,
      aggregateId: vmboxId,
      occurredAt: new Date(t0 + atS * 1000).toISOString(),
      data: { vmbox_id: vmboxId, ...counts },
    };
    // a fresh msgID each time, so a re-sent event id reaches the consumer and only its inbox can drop it
    await nc
      .jetstream()
      .publish(`voxmail.evt.${tenantId}.mwi.updated`, JSON.stringify(envelope), { msgID: randomUUID() });
  }

  async function messagesOf(boxId: string, t: Tenant = a, token = t.token): Promise<number | undefined> {
    const r = await stack.request('GET', `${boxes(t)}?paginate=false`, { token });
    return r.body.data.find((x: { id: string }) => x.id === boxId)?.messages;
  }

  async function until(boxId: string, expected: number, t: Tenant = a): Promise<void> {
    const end = Date.now() + 10000;
    let seen: number | undefined;
    while (Date.now() < end) {
      seen = await messagesOf(boxId, t);
      if (seen === expected) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`messages of ${boxId} stayed ${seen}, expected ${expected}`);
  }

  let x: string;
  let marker: string;
  let markerCount = 0;
  /** Events are handled in stream order: once a later marker event shows, every earlier one was handled. */
  async function barrier(): Promise<void> {
    markerCount += 1;
    await publishMwi(a.accountId, marker, { new: markerCount, saved: 0 }, 1000 + markerCount);
    await until(marker, markerCount);
  }

  beforeAll(async () => {
    x = (await createBox({ owner_id: alice.id })).data.id;
    marker = (await createBox({})).data.id;
  });

  it('shows new + saved of the latest event, for admins and for the owner', async () => {
    expect(await messagesOf(x)).toBe(0);
    await publishMwi(a.accountId, x, { new: 2, saved: 1 }, 10);
    await until(x, 3);
    const mine = await stack.request('GET', boxes(a), { token: alice.token });
    expect(mine.body.data.find((e: { id: string }) => e.id === x).messages).toBe(3);
  });

  it('ignores an event older than the one already applied', async () => {
    await publishMwi(a.accountId, x, { new: 9, saved: 9 }, 5);
    await barrier();
    expect(await messagesOf(x)).toBe(3);
  });

  it('applies an event id once, even when it arrives again', async () => {
    const id = randomUUID();
    await publishMwi(a.accountId, x, { new: 4, saved: 0 }, 20, id);
    await until(x, 4);
    await publishMwi(a.accountId, x, { new: 50, saved: 0 }, 30, id);
    await barrier();
    expect(await messagesOf(x)).toBe(4);
  });

  it("ignores counts for the box sent under another tenant's id", async () => {
    await publishMwi(b.accountId, x, { new: 70, saved: 0 }, 40);
    await barrier();
    expect(await messagesOf(x)).toBe(4);
  });

  it('a malformed event does not stop the ones after it', async () => {
    await nc.jetstream().publish(
      `voxmail.evt.${a.accountId}.mwi.updated`,
      JSON.stringify({
        id: randomUUID(),
        type: 'mwi.updated',
        version: 1,
        tenantId: a.accountId,
        aggregateId: x,
        occurredAt: 'x',
        data: {},
      }),
      { msgID: randomUUID() },
    );
    await publishMwi(a.accountId, x, { new: 1, saved: 1 }, 50);
    await until(x, 2);
  });

  it('a deleted box takes its count with it', async () => {
    await stack.request('DELETE', `${boxes(a)}/${x}`, { token: a.token });
    const { rows } = await db.query(
      'SELECT count(*)::int AS n FROM mailbox.vmbox_message_counts WHERE vmbox_id = $1',
      [x],
    );
    expect(rows[0].n).toBe(0);
    await publishMwi(a.accountId, x, { new: 5, saved: 0 }, 60);
    await barrier();
    const again = await db.query(
      'SELECT count(*)::int AS n FROM mailbox.vmbox_message_counts WHERE vmbox_id = $1',
      [x],
    );
    expect(again.rows[0].n).toBe(0);
  });
});
