// Kazoo 4.3 voicemail messages over HTTP: create from JSON, fetch, list (order, folders, filters,
// pagination), folder changes, and the events other services hear, with MWI counts in order per box.
import { createBox, KAZOO_MESSAGE_FIELDS, Tenant, useMessagesStack } from './messages.helpers';
import { useEvents, useTenant } from './fixture';

const MESSAGE_ID = /^\d{6}-[0-9a-f]{32}$/;
const GREGORIAN_NOW = () => Math.floor(Date.now() / 1000) + 62167219200;

const events = useEvents();
const stack = useMessagesStack();
const a = useTenant(stack);

const messagesOf = (t: Tenant, box: string) => `/v2/accounts/${t.accountId}/vmboxes/${box}/messages`;

async function deposit(t: Tenant, box: string, data: Record<string, unknown>) {
  const r = await stack.request('PUT', messagesOf(t, box), { token: t.token, body: { data } });
  expect(r.status).toBe(201);
  return r.body.data as Record<string, any>;
}

describe('creating a message from JSON metadata', () => {
  it('answers 201 with the Kazoo message document, its id being its media_id', async () => {
    const box = await createBox(stack, a);
    const before = GREGORIAN_NOW();
    const r = await stack.request('PUT', messagesOf(a, box), {
      token: a.token,
      body: {
        data: {
          caller_id_name: 'someone',
          caller_id_number: '6001',
          folder: 'new',
          from: 'someone@farfaraway.com',
        },
      },
    });
    expect(r.status).toBe(201);
    expect(r.body.status).toBe('success');
    expect(typeof r.body.revision).toBe('string');
    expect(typeof r.body.request_id).toBe('string');
    const m = r.body.data;
    expect(m).toEqual({
      caller_id_name: 'someone',
      caller_id_number: '6001',
      folder: 'new',
      from: 'someone@farfaraway.com',
      to: 'nouser@norealm',
      call_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      timestamp: expect.any(Number),
      length: 0,
      media_id: expect.stringMatching(MESSAGE_ID),
    });
    expect(m.timestamp).toBeGreaterThanOrEqual(before);
    const d = new Date();
    expect(m.media_id.slice(0, 6)).toBe(
      `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`,
    );

    const got = await stack.request('GET', `${messagesOf(a, box)}/${m.media_id}`, { token: a.token });
    expect(got.status).toBe(200);
    expect(got.body.data).toEqual(m);
  });

  it('keeps a client-given timestamp (an import) and files the id under that month', async () => {
    const box = await createBox(stack, a);
    const m = await deposit(a, box, {
      timestamp: 63630058722,
      caller_id_number: '1001',
      transcription: { result: 'success', text: 'hello' },
    });
    expect(m.timestamp).toBe(63630058722);
    expect(m.media_id.slice(0, 6)).toBe('201605');
    expect(m.transcription).toEqual({ result: 'success', text: 'hello' });
  });

  it('refuses bad metadata with Kazoo validation details, and server keys are not the client’s', async () => {
    const box = await createBox(stack, a);
    const bad = await stack.request('PUT', messagesOf(a, box), {
      token: a.token,
      body: { data: { folder: 'trash', timestamp: 'x' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('invalid data');
    expect(bad.body.data.folder.enum).toBeDefined();
    expect(bad.body.data.timestamp.type).toBeDefined();
    const m = await deposit(a, box, {
      length: 99999,
      media_id: '201001-00000000000000000000000000000000',
      id: 'x',
    });
    expect(m.length).toBe(0);
    expect(m.media_id).not.toBe('201001-00000000000000000000000000000000');
  });

  it('answers 404 for an unknown message, a malformed id and an unknown box', async () => {
    const box = await createBox(stack, a);
    expect(
      (
        await stack.request('GET', `${messagesOf(a, box)}/201605-0123456789abcdef0123456789abcdef`, {
          token: a.token,
        })
      ).status,
    ).toBe(404);
    expect((await stack.request('GET', `${messagesOf(a, box)}/nope`, { token: a.token })).status).toBe(404);
    expect(
      (await stack.request('GET', messagesOf(a, '0123456789abcdef0123456789abcdef'), { token: a.token }))
        .status,
    ).toBe(404);
  });
});

describe('listing messages', () => {
  let box: string;
  const ids: string[] = [];

  beforeAll(async () => {
    box = await createBox(stack, a);
    // timestamps out of creation order: the list must follow the timestamps
    for (const [i, ts] of [63630058413, 63630058722, 63630050000, 63630059999, 63630055555].entries()) {
      const m = await deposit(stack ? a : a, box, {
        timestamp: ts,
        caller_id_number: String(1001 + i),
        folder: i % 2 ? 'saved' : 'new',
        from: `${1001 + i}@example.com`,
      });
      ids.push(m.media_id);
    }
  });

  const list = (q = '') => stack.request('GET', `${messagesOf(a, box)}${q}`, { token: a.token });

  it('lists newest first with the document’s fields, paginated by default', async () => {
    const r = await list();
    expect(r.status).toBe(200);
    expect(r.body.data.map((m: any) => m.timestamp)).toEqual([
      63630059999, 63630058722, 63630058413, 63630055555, 63630050000,
    ]);
    expect(r.body.page_size).toBe(5);
    expect(r.body.next_start_key).toBeUndefined();
    expect(Object.keys(r.body.data[0]).sort()).toEqual(KAZOO_MESSAGE_FIELDS);
  });

  it('keys each message by its box when asked with paginate=true, as the document shows', async () => {
    const r = await list('?paginate=true');
    expect(r.body.data).toHaveLength(5);
    expect(Object.keys(r.body.data[0])).toEqual([box]);
    expect(r.body.data[0][box].timestamp).toBe(63630059999);
  });

  it('pages with page_size, start_key and next_start_key, without gaps or repeats', async () => {
    const seen: number[] = [];
    let q = '?page_size=2';
    for (let i = 0; i < 5; i++) {
      const r = await list(q);
      expect(r.status).toBe(200);
      seen.push(...r.body.data.map((m: any) => m.timestamp));
      if (!r.body.next_start_key) break;
      q = `?page_size=2&start_key=${r.body.next_start_key}`;
    }
    expect(seen).toEqual([63630059999, 63630058722, 63630058413, 63630055555, 63630050000]);
  });

  it('filters by folder (?folder= and filter_folder), filling pages before moving the key', async () => {
    const news = await list('?folder=new');
    expect(news.body.data.map((m: any) => m.folder)).toEqual(['new', 'new', 'new']);
    const saved = await list('?filter_folder=saved&page_size=1');
    expect(saved.body.data).toHaveLength(1);
    expect(saved.body.data[0].folder).toBe('saved');
    const next = await list(`?filter_folder=saved&page_size=1&start_key=${saved.body.next_start_key}`);
    expect(next.body.data).toHaveLength(1);
    expect(next.body.data[0].folder).toBe('saved');
    expect(next.body.next_start_key).toBeUndefined();
    const notNew = await list('?filter_not_folder=new');
    expect(notNew.body.data).toHaveLength(2);
    const one = await list('?filter_caller_id_number=1003');
    expect(one.body.data.map((m: any) => m.caller_id_number)).toEqual(['1003']);
  });

  it('answers everything with paginate=false, and oldest first when asked', async () => {
    const all = await list('?paginate=false');
    expect(all.body.data).toHaveLength(5);
    const asc = await list('?ascending=true');
    expect(asc.body.data[0].timestamp).toBe(63630050000);
  });

  it('follows the box’s oldest_message_first', async () => {
    const oldFirst = await createBox(stack, a, { oldest_message_first: true });
    await deposit(a, oldFirst, { timestamp: 63630058000 });
    await deposit(a, oldFirst, { timestamp: 63630057000 });
    const r = await stack.request('GET', messagesOf(a, oldFirst), { token: a.token });
    expect(r.body.data.map((m: any) => m.timestamp)).toEqual([63630057000, 63630058000]);
  });

  it('refuses a start_key it never issued', async () => {
    const r = await list('?start_key=bogus');
    expect(r.status).toBe(400);
  });
});

describe('changing the folder of a message', () => {
  it('moves a message to saved with ?folder= or {"data":{"folder"}}, and back to new', async () => {
    const box = await createBox(stack, a);
    const m = await deposit(a, box, { caller_id_number: '42' });
    const saved = await stack.request('POST', `${messagesOf(a, box)}/${m.media_id}?folder=saved`, {
      token: a.token,
    });
    expect(saved.status).toBe(200);
    expect(saved.body.data).toEqual({ ...m, folder: 'saved' });
    const back = await stack.request('POST', `${messagesOf(a, box)}/${m.media_id}`, {
      token: a.token,
      body: { data: { folder: 'new' } },
    });
    expect(back.body.data.folder).toBe('new');
    const bad = await stack.request('POST', `${messagesOf(a, box)}/${m.media_id}`, {
      token: a.token,
      body: { data: { folder: 'trash' } },
    });
    expect(bad.status).toBe(400);
  });
});

describe('events', () => {
  it('publishes message.created/updated/deleted and mwi.updated with the box’s counts, in order', async () => {
    const box = await createBox(stack, a);
    const m1 = await deposit(a, box, {});
    const m2 = await deposit(a, box, {});
    await stack.request('POST', `${messagesOf(a, box)}/${m1.media_id}?folder=saved`, { token: a.token });
    await stack.request('DELETE', `${messagesOf(a, box)}/${m2.media_id}`, { token: a.token });
    const ofBox = () =>
      events.events.filter(
        (e) =>
          (e.data as any).vmbox_id === box &&
          e.tenantId === a.accountId &&
          e.subject.startsWith(`voxmail.evt.${a.accountId}.`),
      );
    await events.waitFor(() => ofBox().filter((e) => e.type === 'mwi.updated').length >= 4, 10000);
    const seq = ofBox().map((e) =>
      e.type === 'mwi.updated' ? `mwi:${(e.data as any).new}/${(e.data as any).saved}` : e.type,
    );
    expect(seq).toEqual([
      'message.created',
      'mwi:1/0',
      'message.created',
      'mwi:2/0',
      'message.updated',
      'mwi:1/1',
      'message.deleted',
      'mwi:0/1',
    ]);
    const created = ofBox().find((e) => e.type === 'message.created')!;
    expect(created.aggregateId).toBe(m1.media_id);
    expect(created.subject).toBe(`voxmail.evt.${a.accountId}.message.created`);
    expect((created.data as any).media_id).toBe(m1.media_id);
  });
});
