// Issue 23, "Real-time events for browsers and integrators": GET /v2/accounts/{id}/events/stream, the
// account's domain events as Server-Sent Events, authorized as the REST API (a user sees its boxes'
// events only), resumable from the JetStream sequence with Last-Event-ID, bounded per account, and
// leaving no JetStream consumer behind when a client goes.
import { createParser, EventSourceMessage } from 'eventsource-parser';
import { connect } from 'nats';
import { STREAM_NAME } from '@voxmail/contracts';
import { Tenant, wavFile } from '@voxmail/testing';
import { createBox, depositMessage } from './messages.helpers';
import { useStack, useTenant } from './fixture';

const CAP = 3;
const stack = useStack(['mailbox', 'message', 'media', 'gateway'], {
  env: { EVENT_STREAMS_PER_ACCOUNT: String(CAP), EVENT_STREAM_KEEPALIVE_MS: '500' },
});
const a = useTenant(stack);
const b = useTenant(stack);

const audio = wavFile(1);

/** An open event stream as a client reads it: the events so far, comments, the `retry` hint. */
interface EventStream {
  status: number;
  headers: Headers;
  /** The error body when the stream was refused. */
  body?: any;
  events: EventSourceMessage[];
  comments: string[];
  retry?: number;
  ended: boolean;
  close(): void;
  waitFor(pred: (e: EventSourceMessage) => boolean, timeoutMs?: number): Promise<EventSourceMessage>;
}

const opened: EventStream[] = [];
afterEach(() => opened.splice(0).forEach((s) => s.close()));

async function openStream(
  accountId: string,
  o: { token?: string; query?: string; headers?: Record<string, string> } = {},
): Promise<EventStream> {
  const abort = new AbortController();
  const headers: Record<string, string> = { Accept: 'text/event-stream', ...(o.headers ?? {}) };
  if (o.token) headers['X-Auth-Token'] = o.token;
  const res = await fetch(`${stack.baseUrl}/v2/accounts/${accountId}/events/stream${o.query ?? ''}`, {
    headers,
    signal: abort.signal,
  });
  const s: EventStream = {
    status: res.status,
    headers: res.headers,
    events: [],
    comments: [],
    ended: false,
    close: () => abort.abort(),
    async waitFor(pred, timeoutMs = 10000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const hit = s.events.find(pred);
        if (hit) return hit;
        if (Date.now() > end)
          throw new Error(`no such event in ${timeoutMs} ms; saw ${s.events.map((e) => e.event).join(', ')}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
  if (res.status !== 200) {
    s.body = JSON.parse(await res.text());
    return s;
  }
  opened.push(s);
  const parser = createParser({
    onEvent: (e) => s.events.push(e),
    onComment: (c) => s.comments.push(c),
    onRetry: (ms) => (s.retry = ms),
  });
  void (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>)
        parser.feed(decoder.decode(chunk, { stream: true }));
    } catch {
      /* aborted */
    }
    s.ended = true;
  })();
  return s;
}

const envelope = (e: EventSourceMessage) => JSON.parse(e.data);
const createdIn = (box: string) => (e: EventSourceMessage) =>
  e.event === 'message.created' && envelope(e).data.vmbox_id === box;
const deposit = async (t: Tenant, box: string) => {
  const r = await depositMessage(stack, t, box, { caller_id_number: '5551234' }, audio);
  expect(r.status).toBe(201);
  return JSON.parse(r.body.toString('utf8')).data.media_id as string;
};

const userOf = (t: Tenant) => stack.createUser(t);

/** The gateway's consumers on the event stream, as the NATS server lists them. */
async function gatewayConsumers(): Promise<string[]> {
  const nc = await connect({ servers: stack.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  try {
    const jsm = await nc.jetstreamManager();
    const names: string[] = [];
    for await (const c of jsm.consumers.list(STREAM_NAME)) names.push(c.name);
    return names.filter((n) => n.startsWith('gateway_events_'));
  } finally {
    await nc.close();
  }
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('an admin receives message.created for a deposit made through the API, as SSE', async () => {
  const box = await createBox(stack, a);
  const s = await openStream(a.accountId, { token: a.token });
  expect(s.status).toBe(200);
  expect(s.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const id = await deposit(a, box);
  const e = await s.waitFor(createdIn(box));
  expect(e.id).toMatch(/^\d+$/);
  const env = envelope(e);
  expect(env).toMatchObject({ type: 'message.created', tenantId: a.accountId, version: 1 });
  expect(env.data.id).toBe(id);
  expect(s.retry).toBeGreaterThan(0);
  // the message's mwi.updated follows, with a larger sequence
  const mwi = await s.waitFor((x) => x.event === 'mwi.updated' && envelope(x).data.vmbox_id === box);
  expect(Number(mwi.id)).toBeGreaterThan(Number(e.id));
  // keep-alives while it is idle
  await eventually(async () => s.comments.some((c) => c.includes('keep-alive')));
});

test('a user sees only the events of its own boxes (token in ?auth_token=)', async () => {
  const u1 = await userOf(a);
  const u2 = await userOf(a);
  const mine = await createBox(stack, a, { owner_id: u1.id });
  const theirs = await createBox(stack, a, { owner_id: u2.id });
  const s = await openStream(a.accountId, { query: `?auth_token=${encodeURIComponent(u1.token)}` });
  expect(s.status).toBe(200);
  await deposit(a, theirs);
  await deposit(a, mine);
  await s.waitFor(createdIn(mine));
  await s.waitFor((x) => x.event === 'mwi.updated' && envelope(x).data.vmbox_id === mine);
  const seen = s.events.map(envelope);
  expect(seen.some((x) => x.data?.vmbox_id === theirs || x.aggregateId === theirs)).toBe(false);
  // nothing of the account beyond its boxes (no other user's document, no stored objects)
  expect(seen.every((x) => /^(message|mwi|mailbox|greeting|media)\./.test(x.type))).toBe(true);
  expect(seen.some((x) => x.type === 'media.stored')).toBe(false);
  // the other user's stream never sees the first user's box
  const s2 = await openStream(a.accountId, { token: u2.token });
  await deposit(a, mine);
  await deposit(a, theirs);
  await s2.waitFor(createdIn(theirs));
  expect(s2.events.some(createdIn(mine))).toBe(false);
});

test('another tenant gets nothing of it and cannot open this account stream', async () => {
  const box = await createBox(stack, a);
  const sa = await openStream(a.accountId, { token: a.token });
  const sb = await openStream(b.accountId, { token: b.token });
  expect(sb.status).toBe(200);
  await deposit(a, box);
  await sa.waitFor(createdIn(box));
  // b's own event arrives on b's stream, after a's deposit: a's events would have come before it
  const bBox = await createBox(stack, b);
  await sb.waitFor((e) => e.event === 'mailbox.created' && envelope(e).aggregateId === bBox);
  expect(sb.events.every((e) => envelope(e).tenantId === b.accountId)).toBe(true);

  const foreign = await openStream(a.accountId, { token: b.token });
  expect(foreign.status).toBe(404);
  expect(foreign.body).toMatchObject({ status: 'error', error: '404' });
  const userOfB = await userOf(b);
  expect((await openStream(a.accountId, { token: userOfB.token })).status).toBe(404);
  expect((await openStream(a.accountId)).status).toBe(401);
});

test('Last-Event-ID replays the missed events exactly once, in order, then goes live', async () => {
  const box = await createBox(stack, a);
  const first = await openStream(a.accountId, { token: a.token });
  await deposit(a, box);
  const seen = await first.waitFor(createdIn(box));
  first.close();
  const missed = [await deposit(a, box), await deposit(a, box), await deposit(a, box)];

  const resumed = await openStream(a.accountId, { token: a.token, headers: { 'Last-Event-ID': seen.id! } });
  expect(resumed.status).toBe(200);
  for (const id of missed)
    await resumed.waitFor((e) => e.event === 'message.created' && envelope(e).data.id === id);
  const live = await deposit(a, box);
  await resumed.waitFor((e) => e.event === 'message.created' && envelope(e).data.id === live);
  const ids = resumed.events.map((e) => Number(e.id));
  expect(ids.every((id) => id > Number(seen.id))).toBe(true);
  expect(ids).toEqual([...ids].sort((x, y) => x - y));
  expect(new Set(ids).size).toBe(ids.length);
  const created = resumed.events.filter((e) => e.event === 'message.created').map((e) => envelope(e).data.id);
  expect(created).toEqual([...missed, live]);
  // the catch-up consumer was deleted once caught up
  expect((await gatewayConsumers()).filter((n) => n.startsWith('gateway_events_catchup_'))).toEqual([]);

  // the same through ?last_event_id= (a client that cannot set headers)
  const byQuery = await openStream(a.accountId, { token: a.token, query: `?last_event_id=${seen.id}` });
  await byQuery.waitFor((e) => e.event === 'message.created' && envelope(e).data.id === missed[0]);

  // an id the stream never had: `reset`, then live
  const future = await openStream(a.accountId, { token: a.token, headers: { 'Last-Event-ID': '999999999' } });
  const reset = await future.waitFor((e) => e.event === 'reset');
  expect(JSON.parse(reset.data)).toMatchObject({ reason: 'events_expired', last_event_id: 999999999 });
  const after = await deposit(a, box);
  await future.waitFor((e) => e.event === 'message.created' && envelope(e).data.id === after);
  expect((await openStream(a.accountId, { token: a.token, headers: { 'Last-Event-ID': 'x' } })).status).toBe(
    400,
  );
});

test(`an account holds at most ${CAP} streams per replica (429 above); another account is not affected`, async () => {
  const streams = await Promise.all(
    Array.from({ length: CAP }, () => openStream(a.accountId, { token: a.token })),
  );
  expect(streams.map((s) => s.status)).toEqual(Array(CAP).fill(200));
  const over = await openStream(a.accountId, { token: a.token });
  expect(over.status).toBe(429);
  expect(over.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(over.body).toMatchObject({ status: 'error', error: '429' });
  expect((await openStream(b.accountId, { token: b.token })).status).toBe(200);
  streams[0].close();
  await eventually(async () => {
    const again = await openStream(a.accountId, { token: a.token });
    return again.status === 200;
  });
});

test('one live consumer per gateway whatever the streams; a disconnected client leaves none', async () => {
  opened.splice(0).forEach((s) => s.close());
  await eventually(async () => (await gatewayConsumers()).length === 0);
  const s1 = await openStream(a.accountId, { token: a.token });
  const s2 = await openStream(b.accountId, { token: b.token });
  expect([s1.status, s2.status]).toEqual([200, 200]);
  const live = await gatewayConsumers();
  expect(live).toHaveLength(1);
  expect(live[0]).toMatch(/^gateway_events_live_/);
  s1.close();
  s2.close();
  await eventually(async () => (await gatewayConsumers()).length === 0);
});

test('a revoked token ends its stream', async () => {
  const u = await userOf(a);
  const s = await openStream(a.accountId, { token: u.token });
  expect(s.status).toBe(200);
  const del = await stack.request('DELETE', `/v2/accounts/${a.accountId}/users/${u.id}`, { token: a.token });
  expect(del.status).toBe(200);
  const end = await s.waitFor((e) => e.event === 'end');
  expect(JSON.parse(end.data)).toEqual({ reason: 'token_invalid' });
  await eventually(async () => s.ended);
});

test('a token signed out with DELETE /v2/token_auth ends its stream; another token of the user streams on', async () => {
  const u = await userOf(a);
  const again = await stack.request('PUT', '/v2/user_auth', {
    body: { data: { credentials: u.credentials, account_name: a.name } },
  });
  expect(again.status).toBe(201);
  const box = await createBox(stack, a, { owner_id: u.id });
  const s = await openStream(a.accountId, { token: u.token });
  const kept = await openStream(a.accountId, { token: again.body.auth_token });
  expect([s.status, kept.status]).toEqual([200, 200]);
  const out = await stack.request('DELETE', '/v2/token_auth', { token: u.token });
  expect(out.status).toBe(200);
  const end = await s.waitFor((e) => e.event === 'end');
  expect(JSON.parse(end.data)).toEqual({ reason: 'token_invalid' });
  await eventually(async () => s.ended);
  expect((await stack.request('GET', `/v2/accounts/${a.accountId}/vmboxes`, { token: u.token })).status).toBe(
    401,
  );
  await deposit(a, box);
  await kept.waitFor(createdIn(box));
  expect(kept.ended).toBe(false);
});
