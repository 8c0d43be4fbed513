// Message operations over HTTP: move and copy across boxes, delete and the deleted folder, bulk calls
// with good and bad ids, retention, a deleted box, other tenants and user-level access.
import { createHash, randomBytes } from 'node:crypto';
import { createBox, objectKeys, rawRequest, Tenant, useMessagesStack, wavFile } from './messages.helpers';
import { useEvents, useTenant } from './fixture';

const events = useEvents();
const stack = useMessagesStack();
const a = useTenant(stack);
const b = useTenant(stack);

const messagesOf = (box: string, t: Tenant = a) => `/v2/accounts/${t.accountId}/vmboxes/${box}/messages`;
const sha = (x: Buffer) => createHash('sha256').update(x).digest('hex');
const UNKNOWN = '201605-49be0985ea3a33046f8073083517d27b';

async function deposit(box: string, data: Record<string, unknown> = {}, audio?: Buffer, t: Tenant = a) {
  const r = await stack.request('PUT', messagesOf(box, t), { token: t.token, body: { data } });
  expect(r.status).toBe(201);
  const m = r.body.data;
  if (audio) {
    const up = await rawRequest(
      stack.baseUrl,
      'PUT',
      `${messagesOf(box, t)}/${m.media_id}/raw`,
      { 'X-Auth-Token': t.token, 'Content-Type': 'audio/wav' },
      audio,
    );
    expect(up.status).toBe(200);
    return JSON.parse(up.body.toString()).data as Record<string, any>;
  }
  return m as Record<string, any>;
}

const list = async (box: string, q = '', t: Tenant = a) =>
  (await stack.request('GET', `${messagesOf(box, t)}${q}`, { token: t.token })).body.data as any[];
const audioOf = (box: string, id: string, t: Tenant = a) =>
  rawRequest(stack.baseUrl, 'GET', `${messagesOf(box, t)}/${id}/raw`, { 'X-Auth-Token': t.token });

async function eventually(check: () => Promise<boolean>, what: string, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const mwiOf = (box: string) =>
  events.events
    .filter((e) => e.type === 'mwi.updated' && (e.data as any).vmbox_id === box)
    .map((e) => e.data as any);

describe('moving a message to another box (source_id a box id)', () => {
  it('moves it with its id and audio; both boxes’ MWI counts follow', async () => {
    const from = await createBox(stack, a);
    const to = await createBox(stack, a);
    const wav = wavFile(1);
    const m = await deposit(from, { caller_id_number: '1' }, wav);
    const r = await stack.request('POST', `${messagesOf(from)}/${m.media_id}`, {
      token: a.token,
      body: { data: { source_id: to } },
    });
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual(m);
    expect(await list(from)).toEqual([]);
    expect(await list(to)).toEqual([m]);
    expect(sha((await audioOf(to, m.media_id)).body)).toBe(sha(wav));
    expect((await stack.request('GET', `${messagesOf(from)}/${m.media_id}`, { token: a.token })).status).toBe(
      404,
    );
    await events.waitFor(
      (e) =>
        e.type === 'message.moved' && e.aggregateId === m.media_id && (e.data as any).from_vmbox_id === from,
    );
    await eventually(
      async () => mwiOf(to).some((d) => d.new === 1) && mwiOf(from).some((d) => d.new === 0),
      'mwi of both boxes',
    );
  });

  it('does not move to a box of another account (404), nor to an unknown box', async () => {
    const from = await createBox(stack, a);
    const foreign = await createBox(stack, b);
    const m = await deposit(from);
    const r = await stack.request('POST', `${messagesOf(from)}/${m.media_id}`, {
      token: a.token,
      body: { data: { source_id: foreign } },
    });
    expect(r.status).toBe(404);
    expect(await list(from)).toHaveLength(1);
    expect(await list(foreign, '', b)).toEqual([]);
  });
});

describe('copying a message (source_id a list of boxes)', () => {
  it('gives each copy a new id and its own audio, which outlives the original', async () => {
    const from = await createBox(stack, a);
    const c1 = await createBox(stack, a);
    const c2 = await createBox(stack, a);
    const foreign = await createBox(stack, b);
    const wav = wavFile(2);
    const m = await deposit(from, { caller_id_number: '5', folder: 'saved' }, wav);
    const r = await stack.request('POST', `${messagesOf(from)}/${m.media_id}`, {
      token: a.token,
      body: { data: { source_id: [c1, c2, foreign] } },
    });
    expect(r.status).toBe(200);
    expect(r.body.data.succeeded).toHaveLength(2);
    expect(r.body.data.failed).toEqual([{ [foreign]: 'not_found' }]);
    const [copy1] = await list(c1);
    const [copy2] = await list(c2);
    expect(r.body.data.succeeded.sort()).toEqual([copy1.media_id, copy2.media_id].sort());
    expect(copy1).toMatchObject({
      caller_id_number: '5',
      folder: 'new',
      length: 2000,
      timestamp: m.timestamp,
    });
    expect(copy1.media_id).not.toBe(m.media_id);
    expect(await list(from)).toEqual([m]);
    await events.waitFor(
      (e) =>
        e.type === 'message.copied' &&
        e.aggregateId === copy1.media_id &&
        (e.data as any).source_message_id === m.media_id,
    );

    // delete the original for good (twice: into the deleted folder, then purged); the copies keep playing
    await stack.request('DELETE', `${messagesOf(from)}/${m.media_id}`, { token: a.token });
    await stack.request('DELETE', `${messagesOf(from)}/${m.media_id}`, { token: a.token });
    await events.waitFor((e) => e.type === 'media.deleted' && (e.data as any).owner_id === m.media_id);
    expect(sha((await audioOf(c1, copy1.media_id)).body)).toBe(sha(wav));
    expect(sha((await audioOf(c2, copy2.media_id)).body)).toBe(sha(wav));
  });
});

describe('deleting messages', () => {
  it('DELETE answers the message; it waits in the deleted folder, and a second DELETE purges it with its audio', async () => {
    const t = await stack.createTenant();
    const box = await createBox(stack, t);
    const m = await deposit(box, { caller_id_number: '9' }, wavFile(1), t);
    const del = await stack.request('DELETE', `${messagesOf(box, t)}/${m.media_id}`, { token: t.token });
    expect(del.status).toBe(200);
    expect(del.body.data).toEqual(m);
    expect(await list(box, '', t)).toEqual([]);
    expect(await list(box, '?folder=deleted', t)).toEqual([{ ...m, folder: 'deleted' }]);
    // undelete by a folder change
    expect(
      (await stack.request('POST', `${messagesOf(box, t)}/${m.media_id}?folder=saved`, { token: t.token }))
        .body.data.folder,
    ).toBe('saved');
    await stack.request('DELETE', `${messagesOf(box, t)}/${m.media_id}`, { token: t.token });
    const purge = await stack.request('DELETE', `${messagesOf(box, t)}/${m.media_id}`, { token: t.token });
    expect(purge.status).toBe(200);
    expect(
      (await stack.request('GET', `${messagesOf(box, t)}/${m.media_id}`, { token: t.token })).status,
    ).toBe(404);
    await eventually(
      async () => (await objectKeys(stack, `${t.accountId}/message/`)).length === 0,
      'audio removed',
    );
    expect(
      (await stack.request('DELETE', `${messagesOf(box, t)}/${m.media_id}`, { token: t.token })).status,
    ).toBe(404);
  });

  it('undeleting by a folder change respects the box’s max_message_count (409), as a deposit does', async () => {
    const t = await stack.createTenant();
    const box = await createBox(stack, t, { max_message_count: 1 });
    const m1 = await deposit(box, {}, undefined, t);
    await stack.request('DELETE', `${messagesOf(box, t)}/${m1.media_id}`, { token: t.token });
    const m2 = await deposit(box, {}, undefined, t);
    const undelete = await stack.request('POST', `${messagesOf(box, t)}/${m1.media_id}?folder=new`, {
      token: t.token,
    });
    expect(undelete.status).toBe(409);
    const bulk = await stack.request('POST', messagesOf(box, t), {
      token: t.token,
      body: { data: { folder: 'saved', messages: [m1.media_id, m2.media_id] } },
    });
    expect(bulk.body.data).toEqual({ succeeded: [m2.media_id], failed: [{ [m1.media_id]: 'conflict' }] });
    expect((await list(box, '', t)).map((m) => m.media_id)).toEqual([m2.media_id]);
  });

  it('purges deleted messages when the box’s retention is over (the sweeper)', async () => {
    const t = await stack.createTenant();
    const box = await createBox(stack, t, { deleted_retention_days: 0 });
    const m = await deposit(box, {}, wavFile(1), t);
    await stack.request('DELETE', `${messagesOf(box, t)}/${m.media_id}`, { token: t.token });
    await eventually(
      async () =>
        (await stack.request('GET', `${messagesOf(box, t)}/${m.media_id}`, { token: t.token })).status ===
        404,
      'swept',
    );
    await eventually(
      async () => (await objectKeys(stack, `${t.accountId}/message/`)).length === 0,
      'audio removed',
    );
    await events.waitFor(
      (e) => e.type === 'message.deleted' && e.aggregateId === m.media_id && (e.data as any).purged === true,
    );
  });

  it('purges every message of a deleted box, with their audio', async () => {
    const t = await stack.createTenant();
    const box = await createBox(stack, t);
    await deposit(box, {}, wavFile(1), t);
    await deposit(box, {}, wavFile(1), t);
    expect(await objectKeys(stack, `${t.accountId}/message/`)).toHaveLength(2);
    expect(
      (await stack.request('DELETE', `/v2/accounts/${t.accountId}/vmboxes/${box}`, { token: t.token }))
        .status,
    ).toBe(200);
    await eventually(
      async () => (await objectKeys(stack, `${t.accountId}/message/`)).length === 0,
      'audio of the box removed',
    );
    await eventually(async () => mwiOf(box).some((d) => d.new === 0 && d.saved === 0), 'mwi zero');
  });
});

describe('bulk calls answer {succeeded, failed}; one bad id never fails the others', () => {
  let box: string;
  let ids: string[];
  beforeEach(async () => {
    box = await createBox(stack, a);
    ids = [];
    for (let i = 0; i < 3; i++) ids.push((await deposit(box, { caller_id_number: String(i) })).media_id);
  });

  it('POST .../messages changes the folder of the listed messages', async () => {
    const r = await stack.request('POST', messagesOf(box), {
      token: a.token,
      body: { data: { folder: 'saved', messages: [ids[0], UNKNOWN, ids[2], 'garbage'] } },
    });
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({
      succeeded: [ids[0], ids[2]],
      failed: [{ [UNKNOWN]: 'not_found' }, { garbage: 'not_found' }],
    });
    expect((await list(box, '?folder=saved')).map((m) => m.media_id).sort()).toEqual([ids[0], ids[2]].sort());
    const q = await stack.request('POST', `${messagesOf(box)}?folder=new`, {
      token: a.token,
      body: { data: { messages: [ids[0]] } },
    });
    expect(q.body.data).toEqual({ succeeded: [ids[0]], failed: [] });
  });

  it('POST .../messages moves and copies lists of messages', async () => {
    const other = await createBox(stack, a);
    const moved = await stack.request('POST', messagesOf(box), {
      token: a.token,
      body: { data: { source_id: other, messages: [ids[0], UNKNOWN] } },
    });
    expect(moved.body.data).toEqual({ succeeded: [ids[0]], failed: [{ [UNKNOWN]: 'not_found' }] });
    const copied = await stack.request('POST', messagesOf(box), {
      token: a.token,
      body: { data: { source_id: [other], messages: [ids[1], ids[2]] } },
    });
    expect(copied.body.data.succeeded).toHaveLength(2);
    expect(copied.body.data.failed).toEqual([]);
    expect(await list(other)).toHaveLength(3);
    expect(await list(box)).toHaveLength(2);
  });

  it('DELETE .../messages with an empty list deletes nothing (as Kazoo does), not the whole box', async () => {
    const r = await stack.request('DELETE', messagesOf(box), {
      token: a.token,
      body: { data: { messages: [] } },
    });
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ succeeded: [], failed: [] });
    expect((await list(box)).map((m) => m.media_id).sort()).toEqual([...ids].sort());
  });

  it('DELETE .../messages with a list, with ?folder=, and with nothing (all)', async () => {
    const r = await stack.request('DELETE', messagesOf(box), {
      token: a.token,
      body: { data: { messages: [ids[0], UNKNOWN] } },
    });
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ succeeded: [ids[0]], failed: [{ [UNKNOWN]: 'not_found' }] });
    await stack.request('POST', `${messagesOf(box)}/${ids[1]}?folder=saved`, { token: a.token });
    const saved = await stack.request('DELETE', `${messagesOf(box)}?folder=saved`, { token: a.token });
    expect(saved.body.data).toEqual({ succeeded: [ids[1]], failed: [] });
    const all = await stack.request('DELETE', messagesOf(box), { token: a.token });
    expect(all.body.data).toEqual({ succeeded: [ids[2]], failed: [] });
    expect(await list(box)).toEqual([]);
    expect(await list(box, '?folder=deleted')).toHaveLength(3);
    await eventually(async () => mwiOf(box).some((d) => d.new === 0 && d.saved === 0), 'mwi zero');
  });
});

describe('who may reach messages', () => {
  it('another tenant gets 404 for the box, its messages and their audio', async () => {
    const box = await createBox(stack, a);
    const m = await deposit(box, {}, wavFile(1));
    const asB = (method: string, path: string) => stack.request(method, path, { token: b.token });
    expect((await asB('GET', messagesOf(box))).status).toBe(404);
    expect((await asB('GET', `${messagesOf(box)}/${m.media_id}`)).status).toBe(404);
    expect((await asB('DELETE', `${messagesOf(box)}/${m.media_id}`)).status).toBe(404);
    expect((await asB('GET', `${messagesOf(box)}/${m.media_id}/raw`)).status).toBe(404);
    // even naming its own account in the path, B cannot reach A's box
    expect((await asB('GET', messagesOf(box, b))).status).toBe(404);
    expect((await stack.request('GET', `${messagesOf(box)}/${m.media_id}`, { token: a.token })).status).toBe(
      200,
    );
  });

  it('a user reaches the messages of the box it owns, not another user’s', async () => {
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    const user = async (name: string) => {
      const password = `pw-${randomBytes(6).toString('hex')}`;
      const u = await stack.request('PUT', `/v2/accounts/${a.accountId}/users`, {
        token: a.token,
        body: { data: { username: name, password, first_name: name, last_name: 'T' } },
      });
      const auth = await stack.request('PUT', '/v2/user_auth', {
        body: { data: { credentials: md5(`${name}:${password}`), account_name: a.name } },
      });
      return { id: u.body.data.id as string, token: auth.body.auth_token as string };
    };
    const alice = await user(`alice${randomBytes(3).toString('hex')}`);
    const bob = await user(`bob${randomBytes(3).toString('hex')}`);
    const aliceBox = await createBox(stack, a, { owner_id: alice.id });
    const bobBox = await createBox(stack, a, { owner_id: bob.id });
    const m = await deposit(aliceBox, {}, wavFile(1));
    await deposit(bobBox);
    const asAlice = (method: string, path: string, body?: unknown) =>
      stack.request(method, path, { token: alice.token, body });
    expect((await asAlice('GET', messagesOf(aliceBox))).body.data).toEqual([m]);
    expect((await asAlice('POST', `${messagesOf(aliceBox)}/${m.media_id}?folder=saved`)).status).toBe(200);
    expect(
      (
        await rawRequest(stack.baseUrl, 'GET', `${messagesOf(aliceBox)}/${m.media_id}/raw`, {
          'X-Auth-Token': alice.token,
        })
      ).status,
    ).toBe(200);
    expect((await asAlice('GET', messagesOf(bobBox))).status).toBe(404);
    expect((await asAlice('PUT', messagesOf(bobBox), { data: {} })).status).toBe(404);
    // a user cannot move a message into a box it cannot see
    expect(
      (await asAlice('POST', `${messagesOf(aliceBox)}/${m.media_id}`, { data: { source_id: bobBox } }))
        .status,
    ).toBe(404);
    expect((await stack.request('GET', messagesOf(aliceBox))).status).toBe(401);
  });
});
