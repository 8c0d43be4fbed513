// Message calls take one hop: message-service answers box existence, visibility and limits from its own
// projection of mailbox-service's events. A box is usable the moment it is created, a deleted box lists
// as [] for its own tenant (as Kazoo), and nothing about another tenant's boxes leaks.
import { connect } from 'nats';
import { Client } from 'pg';
import { Subjects } from '@voxmail/contracts';
import { Stack, Tenant } from '@voxmail/testing';
import { createBox, startMessagesStack } from './messages.helpers';

let stack: Stack;
let db: Client;
let a: Tenant;
let b: Tenant;

const messagesOf = (t: Tenant, box: string) => `/v2/accounts/${t.accountId}/vmboxes/${box}/messages`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the projection has applied the box's events (not just a fill from mailbox-service). */
async function projected(boxId: string, deleted = false): Promise<void> {
  const end = Date.now() + 5000;
  for (;;) {
    const { rows } = await db.query(
      `SELECT 1 FROM message.box_projection WHERE id = $1 AND deleted = $2 AND changed_at > to_timestamp(0)`,
      [boxId, deleted],
    );
    if (rows.length) return;
    if (Date.now() > end) throw new Error(`box ${boxId} never projected`);
    await sleep(20);
  }
}

beforeAll(async () => {
  stack = await startMessagesStack();
  db = new Client({ connectionString: stack.env.DATABASE_URL });
  await db.connect();
  a = await stack.createTenant();
  b = await stack.createTenant();
}, 60000);

afterAll(async () => {
  await db?.end();
  await stack?.stop();
}, 30000);

describe('the box projection of message-service', () => {
  it('a box created a moment ago takes a message at once (read-your-writes)', async () => {
    for (let i = 0; i < 3; i++) {
      const box = await createBox(stack, a);
      const r = await stack.request('PUT', messagesOf(a, box), { token: a.token, body: { data: {} } });
      expect(r.status).toBe(201);
    }
  });

  it('answers message calls without asking mailbox-service once the box is projected', async () => {
    const box = await createBox(stack, a, { max_message_count: 1 });
    await projected(box);
    // a plain subscriber sees every request on the subject, whichever replica answers it
    const nc = await connect({ servers: stack.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
    const asked: string[] = [];
    const sub = nc.subscribe(Subjects.Vmbox.Get, {
      callback: (_e, m) => {
        if (m.string().includes(box)) asked.push(m.string());
      },
    });
    await nc.flush();
    try {
      const list = await stack.request('GET', messagesOf(a, box), { token: a.token });
      expect(list.status).toBe(200);
      expect(list.body.data).toEqual([]);
      const first = await stack.request('PUT', messagesOf(a, box), { token: a.token, body: { data: {} } });
      expect(first.status).toBe(201);
      // the box's limit comes from the projection too
      const second = await stack.request('PUT', messagesOf(a, box), { token: a.token, body: { data: {} } });
      expect(second.status).toBe(409);
      const one = await stack.request('GET', `${messagesOf(a, box)}/${first.body.data.media_id}`, {
        token: a.token,
      });
      expect(one.status).toBe(200);
      await nc.flush();
      expect(asked).toEqual([]);
    } finally {
      sub.unsubscribe();
      await nc.close();
    }
  });

  it("follows a box's changed limits and an account's default limits", async () => {
    const box = await createBox(stack, a);
    await projected(box);
    const patched = await stack.request('PATCH', `/v2/accounts/${a.accountId}/vmboxes/${box}`, {
      token: a.token,
      body: { data: { max_message_count: 1 } },
    });
    expect(patched.status).toBe(200);
    const end = Date.now() + 5000;
    while (Date.now() < end) {
      const { rows } = await db.query(
        `SELECT doc->'max_message_count' AS max FROM message.box_projection WHERE id = $1`,
        [box],
      );
      if (rows[0]?.max === 1) break;
      await sleep(20);
    }
    expect(
      (await stack.request('PUT', messagesOf(a, box), { token: a.token, body: { data: {} } })).status,
    ).toBe(201);
    const full = await stack.request('PUT', messagesOf(a, box), { token: a.token, body: { data: {} } });
    expect(full.status).toBeGreaterThanOrEqual(400);
    expect(full.status).toBeLessThan(500);
  });

  it('lists the messages of a deleted box as [] (Kazoo), and every other call on it is 404', async () => {
    const box = await createBox(stack, a);
    const m = await stack.request('PUT', messagesOf(a, box), { token: a.token, body: { data: {} } });
    expect(m.status).toBe(201);
    const del = await stack.request('DELETE', `/v2/accounts/${a.accountId}/vmboxes/${box}`, {
      token: a.token,
    });
    expect(del.status).toBe(200);
    await projected(box, true);
    const list = await stack.request('GET', messagesOf(a, box), { token: a.token });
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([]);
    expect(list.body.status).toBe('success');
    expect(
      (await stack.request('GET', `${messagesOf(a, box)}/${m.body.data.media_id}`, { token: a.token }))
        .status,
    ).toBe(404);
    expect(
      (await stack.request('PUT', messagesOf(a, box), { token: a.token, body: { data: {} } })).status,
    ).toBe(404);
  });

  it("leaks nothing: another tenant's box, deleted or not, and an id never used are 404", async () => {
    const live = await createBox(stack, a);
    const gone = await createBox(stack, a);
    expect(
      (await stack.request('DELETE', `/v2/accounts/${a.accountId}/vmboxes/${gone}`, { token: a.token }))
        .status,
    ).toBe(200);
    await projected(live);
    await projected(gone, true);
    const never = 'f'.repeat(32);
    for (const box of [live, gone, never]) {
      const asB = await stack.request('GET', messagesOf(b, box), { token: b.token });
      expect(asB.status).toBe(404);
      // the other tenant's id in the other tenant's own URL: refused before any box is looked at
      const cross = await stack.request('GET', messagesOf(a, box), { token: b.token });
      expect(cross.status).toBe(404);
    }
    expect((await stack.request('GET', messagesOf(a, never), { token: a.token })).status).toBe(404);
  });
});
