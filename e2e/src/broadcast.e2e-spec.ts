// Voice broadcast: the Onbuka sendGroup face, the native broadcast routes and the dialer behind them,
// against the whole stack (real PostgreSQL, NATS), with the simulated carrier. The dialer's clock stands
// at the Onbuka document's own Timestamp so its example Sign is accepted.
import { Tenant } from '@voxmail/testing';
import {
  DIALER_APPS,
  dialerWith,
  md5,
  onbukaWorld,
  postSendGroup,
  uploadPrompt,
  waitFor,
} from './broadcast.helpers';
import { useDb, useEvents, useOperator, useStack, useWebhookReceiver } from './fixture';

jest.setTimeout(60000);

const DOC_TS = 1630468800;
const NOW_MS = (DOC_TS + 30) * 1000;
const DOC_ID_TIME = Date.UTC(2022, 2, 3, 11, 34, 1);

const dialer = (replicaId: string) =>
  dialerWith({
    clock: () => NOW_MS,
    idClock: () => DOC_ID_TIME,
    tickMs: 20,
    leaseMs: 1000,
    replicaId,
    // the test's webhook receiver listens on loopback
    webhooks: {
      allowPrivateTargets: 'loopback',
      timeoutMs: 2000,
      attempts: 5,
      retryBaseMs: 100,
      pollMs: 50,
    },
  });

const events = useEvents();
const receiver = useWebhookReceiver();
const stack = useStack(DIALER_APPS, { starters: { dialer: dialer('replica-a') } });
const db = useDb(stack);
const op = useOperator(stack);

let tsCounter = 0;

/** A fresh tenant with an imported Onbuka key pair, an app and a prompt named `prompt.mp3`. */
const world = (app: Record<string, unknown> = {}, key?: string) => onbukaWorld(stack, op, app, key);

async function sendGroup(
  w: { key: string; secret: string },
  body: unknown,
  o: { ts?: number; sign?: string } = {},
): Promise<{ status: number; text: string; body: any }> {
  // each request its own timestamp near the clock, so none is a replay of another
  const ts = String(o.ts ?? DOC_TS + 30 - (++tsCounter % 200));
  const res = await postSendGroup(stack, w, ts, body, o.sign);
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) };
}

const base = { fileId: 'prompt.mp3', appId: 'app1' };

describe('Onbuka sendGroup', () => {
  it("answers the document's request with the document's response, byte for byte", async () => {
    const t = await stack.createTenant();
    expect(
      (
        await stack.request('PUT', `/v2/accounts/${t.accountId}/onbuka_keys`, {
          token: op.token,
          body: { data: { api_key: 'bDqJFiq9', api_secret: '7bz1lzh9' } },
        })
      ).status,
    ).toBe(201);
    await stack.request('PUT', `/v2/accounts/${t.accountId}/broadcast_apps`, {
      token: t.token,
      body: { data: { id: '4luaKsL2', carrier: 'simulated', settings: { ring_ms: 5, talk_ms: 5 } } },
    });
    // the prompt a migrating customer uploaded, named by its Onbuka fileId
    await uploadPrompt(stack, t, '12022022570cc2484c59d4f8b9745d34226285b1e.mp3');
    const body = `{
"callee": "932111111111,932111111112",
"displayNum": "1008122211",
"fileId": "12022022570cc2484c59d4f8b9745d34226285b1e.mp3",
"appId": "4luaKsL2",
"maxDuration": 50,
"maxRingingTime": 60,
"loopCount": 2,
"calledInfo": "calledInfo",
}`;
    const send = () =>
      fetch(`${stack.baseUrl}/v3/voice/sendGroup`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json;charset=UTF-8',
          Sign: '05d7a50893e22a5c4bb3216ae3396c7c',
          Timestamp: '1630468800',
          'Api-Key': 'bDqJFiq9',
        },
        body,
      });
    const res = await send();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const expected = {
      status: '0',
      reason: 'success',
      data: [
        {
          voiceId: '2203031134011000001',
          callee: '932111111111',
          terminationCode: '0',
          terminationReason: 'success',
        },
        {
          voiceId: '2203031134011000002',
          callee: '932111111112',
          terminationCode: '0',
          terminationReason: 'success',
        },
      ],
    };
    expect(await res.text()).toBe(JSON.stringify(expected));
    // the same (Api-Key, Timestamp, Sign) and body again is a replay: the first answer, nothing started
    const again = await send();
    expect(await again.text()).toBe(JSON.stringify(expected));
    // the campaign is durable and keeps the document's fields
    const rows = await db.query(
      `SELECT display_num, max_duration, max_ringing_time, loop_count, called_info, file_id FROM dialer.broadcasts WHERE tenant_id = $1`,
      [t.accountId],
    );
    expect(rows.rows).toEqual([
      {
        display_num: '1008122211',
        max_duration: 50,
        max_ringing_time: 60,
        loop_count: 2,
        called_info: 'calledInfo',
        file_id: '12022022570cc2484c59d4f8b9745d34226285b1e.mp3',
      },
    ]);
  });

  it('refuses a wrong sign (-1), accepts its upper-case hex, and refuses a timestamp more than 5 minutes off (-16)', async () => {
    const w = await world();
    const ok = { ...base, callee: '4915112345678' };
    expect((await sendGroup(w, ok, { sign: 'f'.repeat(32) })).body).toEqual({
      status: '-1',
      reason: 'authentication error',
    });
    const ts = DOC_TS + 1;
    expect((await sendGroup(w, ok, { ts, sign: md5(w.key + w.secret + ts).toUpperCase() })).body.status).toBe(
      '0',
    );
    for (const off of [301, -301, -100000])
      expect((await sendGroup(w, ok, { ts: DOC_TS + 30 + off })).body).toEqual({
        status: '-16',
        reason: 'timestamp expired',
      });
    // 300 s off is still inside the window
    expect((await sendGroup(w, ok, { ts: DOC_TS + 30 - 300 })).body.status).toBe('0');
    // an unknown key and missing headers are the same -1
    expect((await sendGroup({ key: 'nobody', secret: 'x' }, ok)).body.status).toBe('-1');
    const bare = await fetch(`${stack.baseUrl}/v3/voice/sendGroup`, {
      method: 'POST',
      body: '{}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(await bare.json()).toEqual({ status: '-1', reason: 'authentication error' });
  });

  it.each([
    [{ callee: '' }, '-8'],
    [{ callee: null }, '-8'],
    [{ callee: 123 }, '-22'],
    [{ callee: Array(1001).fill('4915112345678').join(',') }, '-22'],
    [{ displayNum: '123456' }, '-22'],
    [{ displayNum: '1234567890123456' }, '-22'],
    [{ displayNum: '1234567' }, '0'],
    [{ displayNum: '123456789012345' }, '0'],
    [{ displayNum: null }, '0'],
    [{ fileId: '' }, '-22'],
    [{ fileId: undefined }, '-22'],
    [{ appId: undefined }, '-22'],
    [{ appId: 'nosuchapp' }, '-24'],
    [{ fileId: 'nosuchfile.mp3' }, '-24'],
    [{ maxDuration: 0 }, '-22'],
    [{ maxDuration: 121 }, '-22'],
    [{ maxDuration: 1 }, '0'],
    [{ maxDuration: 120 }, '0'],
    [{ maxDuration: null }, '0'],
    [{ maxDuration: 1.5 }, '-22'],
    [{ maxRingingTime: 19 }, '-22'],
    [{ maxRingingTime: 121 }, '-22'],
    [{ maxRingingTime: 20 }, '0'],
    [{ maxRingingTime: 120 }, '0'],
    [{ loopCount: 0 }, '-22'],
    [{ loopCount: 4 }, '-22'],
    [{ loopCount: 3 }, '0'],
    [{ loopCount: null }, '0'],
    [{ calledInfo: 'x'.repeat(1000) }, '0'],
    [{ calledInfo: 'x'.repeat(1001) }, '-22'],
    [{ calledInfo: '' }, '0'],
    [{ calledInfo: 5 }, '-22'],
  ])('field rule %j gives status %s', async (patch, status) => {
    const w = await world();
    const r = await sendGroup(w, { ...base, callee: '4915112345678', ...patch });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe(status);
    if (status !== '0') expect(typeof r.body.reason).toBe('string');
  });

  it('applies the defaults: maxRingingTime 60, loopCount 1', async () => {
    const w = await world();
    expect((await sendGroup(w, { ...base, callee: '4915112345678' })).body.status).toBe('0');
    const rows = await db.query(
      `SELECT max_ringing_time, loop_count, max_duration FROM dialer.broadcasts WHERE tenant_id = $1`,
      [w.t.accountId],
    );
    expect(rows.rows).toEqual([{ max_ringing_time: 60, loop_count: 1, max_duration: null }]);
  });

  it('accepts 1000 callees, one entry each in request order; a bad number fails only its own entry (-9)', async () => {
    const w = await world();
    const callees = Array.from({ length: 1000 }, (_, i) => `49151${String(i).padStart(7, '0')}`);
    callees[10] = '123';
    callees[500] = '12345678901234567';
    callees[999] = '49abc5112345';
    const r = await sendGroup(w, { ...base, callee: callees.join(',') });
    expect(r.body.status).toBe('0');
    expect(r.body.data).toHaveLength(1000);
    expect(r.body.data.map((d: any) => d.callee)).toEqual(callees);
    for (const i of [10, 500, 999])
      expect(r.body.data[i]).toEqual({
        voiceId: '',
        callee: callees[i],
        terminationCode: '-9',
        terminationReason: 'number abnormal',
      });
    const ok = r.body.data.filter((d: any) => d.terminationCode === '0');
    expect(ok).toHaveLength(997);
    expect(new Set(ok.map((d: any) => d.voiceId)).size).toBe(997);
    for (const d of r.body.data) for (const v of Object.values(d)) expect(typeof v).toBe('string');
    const n = await db.query(`SELECT count(*)::int AS n FROM dialer.calls WHERE tenant_id = $1`, [
      w.t.accountId,
    ]);
    expect(n.rows[0].n).toBe(997);
  });

  it('answers a malformed body in its own shape', async () => {
    const w = await world();
    const r = await sendGroup(w, '{"callee": ');
    expect(r.body.status).toBe('-22');
    expect(r.body).not.toHaveProperty('data');
  });
});

describe('native broadcasts and the dialer', () => {
  async function campaign(w: Awaited<ReturnType<typeof world>>, callees: string[]) {
    const r = await sendGroup(w, { ...base, callee: callees.join(',') });
    expect(r.body.status).toBe('0');
    const b = await db.query(
      `SELECT id FROM dialer.broadcasts WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 1`,
      [w.t.accountId],
    );
    return { id: b.rows[0].id as string, voiceIds: r.body.data.map((d: any) => d.voiceId) as string[] };
  }
  const getB = (t: Tenant, id: string) =>
    stack.request('GET', `/v2/accounts/${t.accountId}/broadcasts/${id}`, { token: t.token });

  it('dials every call to completed, with counts by state, calls by state and every event', async () => {
    const w = await world({
      settings: {
        ring_ms: 5,
        talk_ms: 5,
        rules: [
          { pattern: '^4930', outcome: 'busy' },
          { pattern: '^4940', outcome: 'no_answer' },
        ],
      },
    });
    const c = await campaign(w, ['4915100000001', '4915100000002', '4930100000003', '4940100000004']);
    const done = await waitFor(
      () => getB(w.t, c.id),
      (r) => r.body.data.state === 'completed',
    );
    expect(done.status).toBe(200);
    expect(done.body.data).toMatchObject({
      id: c.id,
      app_id: 'app1',
      total: 4,
      counts: { completed: 2, busy: 1, no_answer: 1 },
    });
    const busy = await stack.request(
      'GET',
      `/v2/accounts/${w.t.accountId}/broadcasts/${c.id}/calls?state=busy`,
      { token: w.t.token },
    );
    expect(busy.body.data.map((x: any) => x.callee)).toEqual(['4930100000003']);
    const page = await stack.request(
      'GET',
      `/v2/accounts/${w.t.accountId}/broadcasts/${c.id}/calls?page_size=3`,
      { token: w.t.token },
    );
    expect(page.body.data).toHaveLength(3);
    const next = await stack.request(
      'GET',
      `/v2/accounts/${w.t.accountId}/broadcasts/${c.id}/calls?page_size=3&start_key=${page.body.next_start_key}`,
      { token: w.t.token },
    );
    expect(next.body.data.map((x: any) => x.id)).toEqual([c.voiceIds[3]]);
    const list = await stack.request('GET', `/v2/accounts/${w.t.accountId}/broadcasts`, { token: w.t.token });
    expect(list.body.data.map((b: any) => b.id)).toEqual([c.id]);
    for (const type of ['broadcast.created', 'broadcast.started', 'broadcast.completed'])
      await events.waitFor((e) => e.type === type && e.aggregateId === c.id);
    const first = c.voiceIds[0];
    await events.waitFor(
      (e) =>
        e.type === 'broadcast.call.updated' &&
        e.aggregateId === first &&
        e.tenantId === w.t.accountId &&
        (e.data as any).state === 'completed',
    );
    const states = events.events
      .filter(
        (e) => e.type === 'broadcast.call.updated' && e.aggregateId === first && e.tenantId === w.t.accountId,
      )
      .map((e) => (e.data as any).state);
    expect(states).toEqual(['dialing', 'ringing', 'answered', 'completed']);
    // another tenant learns nothing of it
    const other = await stack.createTenant();
    expect((await getB(other, c.id)).status).toBe(404);
    expect(
      (await stack.request('GET', `/v2/accounts/${w.t.accountId}/broadcasts/${c.id}`, { token: other.token }))
        .status,
    ).toBe(404);
  });

  it('checks the do-not-call list before every dial', async () => {
    const w = await world();
    const put = await stack.request('PUT', `/v2/accounts/${w.t.accountId}/dnc_numbers`, {
      token: w.t.token,
      body: { data: { numbers: ['4915100000009'] } },
    });
    expect(put.body.data).toEqual({ numbers: ['4915100000009'] });
    const c = await campaign(w, ['4915100000009', '4915100000010']);
    const done = await waitFor(
      () => getB(w.t, c.id),
      (r) => r.body.data.state === 'completed',
    );
    expect(done.body.data.counts).toEqual({ rejected_dnc: 1, completed: 1 });
    const log = await db.query(`SELECT call_id FROM dialer.dial_log WHERE tenant_id = $1`, [w.t.accountId]);
    expect(log.rows.map((r) => r.call_id)).toEqual([c.voiceIds[1]]);
    const bad = await stack.request('PUT', `/v2/accounts/${w.t.accountId}/dnc_numbers`, {
      token: w.t.token,
      body: { data: { numbers: ['12'] } },
    });
    expect(bad.status).toBe(400);
  });

  it('retries per the app policy', async () => {
    const w = await world({
      settings: { ring_ms: 5, talk_ms: 5, rules: [{ pattern: '^4930', outcome: 'busy' }] },
      retry: { attempts: 3, interval_s: 0, on: ['busy'] },
    });
    const c = await campaign(w, ['4930100000001']);
    const done = await waitFor(
      () => getB(w.t, c.id),
      (r) => r.body.data.state === 'completed',
    );
    expect(done.body.data.counts).toEqual({ busy: 1 });
    const log = await db.query(`SELECT attempt FROM dialer.dial_log WHERE tenant_id = $1 ORDER BY attempt`, [
      w.t.accountId,
    ]);
    expect(log.rows.map((r) => r.attempt)).toEqual([1, 2, 3]);
  });

  it('dials nothing outside the calling window', async () => {
    // the dialer's clock stands at 04:00:30 UTC
    const w = await world({ calling_window: { timezone: 'UTC', start: '10:00', end: '11:00' } });
    const c = await campaign(w, ['4915100000001']);
    await new Promise((r) => setTimeout(r, 500));
    expect((await getB(w.t, c.id)).body.data).toMatchObject({ state: 'queued', counts: { queued: 1 } });
    const open = await world({ calling_window: { timezone: 'Asia/Tokyo', start: '12:00', end: '14:00' } });
    const c2 = await campaign(open, ['4915100000001']);
    expect(
      (
        await waitFor(
          () => getB(open.t, c2.id),
          (r) => r.body.data.state === 'completed',
        )
      ).body.data.state,
    ).toBe('completed');
  });

  it('cancels: queued calls are cancelled, calls in progress finish', async () => {
    const w = await world({ max_concurrent_calls: 1, settings: { ring_ms: 300, talk_ms: 5 } });
    const c = await campaign(w, ['4915100000001', '4915100000002', '4915100000003']);
    await waitFor(
      () => getB(w.t, c.id),
      (r) => r.body.data.state === 'running',
    );
    const cancelled = await stack.request('POST', `/v2/accounts/${w.t.accountId}/broadcasts/${c.id}/cancel`, {
      token: w.t.token,
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data.state).toBe('cancelled');
    const after = await waitFor(
      () => getB(w.t, c.id),
      (r) => !r.body.data.counts.dialing && !r.body.data.counts.ringing && !r.body.data.counts.answered,
    );
    expect(after.body.data).toMatchObject({ state: 'cancelled', counts: { completed: 1, cancelled: 2 } });
    await events.waitFor((e) => e.type === 'broadcast.cancelled' && e.aggregateId === c.id);
  });

  it('fails or retries a call whose replica lost its lease, never dialing that attempt again', async () => {
    const w = await world({
      calling_window: { timezone: 'UTC', start: '10:00', end: '11:00' },
      retry: { attempts: 2, interval_s: 3600, on: ['failed'] },
    });
    const c = await campaign(w, ['4915100000001', '4915100000002']);
    // a replica that died mid-call: its lease lapsed
    await db.query(
      `UPDATE dialer.calls SET state = 'answered', attempts = attempts + 1, lease_owner = 'ghost', lease_until = now() - interval '1 second'
        WHERE tenant_id = $1`,
      [w.t.accountId],
    );
    await db.query(`UPDATE dialer.calls SET attempts = 2 WHERE tenant_id = $1 AND id = $2`, [
      w.t.accountId,
      c.voiceIds[1],
    ]);
    const swept = await waitFor(
      () =>
        db.query(`SELECT id, state, reason, attempts FROM dialer.calls WHERE tenant_id = $1 ORDER BY seq`, [
          w.t.accountId,
        ]),
      (r) => r.rows.every((x) => x.state !== 'answered'),
    );
    expect(swept.rows).toEqual([
      { id: c.voiceIds[0], state: 'queued', reason: 'lease_expired', attempts: 1 },
      { id: c.voiceIds[1], state: 'failed', reason: 'lease_expired', attempts: 2 },
    ]);
  });

  it('validates app documents and keeps trunk passwords out of replies', async () => {
    const t = await stack.createTenant();
    const bad = await stack.request('PUT', `/v2/accounts/${t.accountId}/broadcast_apps`, {
      token: t.token,
      body: {
        data: {
          id: 'x',
          carrier: 'fax',
          calls_per_second: -1,
          retry: { attempts: 9 },
          calling_window: { timezone: 'Mars/Base', start: '25:00', end: '10:00' },
        },
      },
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.data).sort()).toEqual(
      [
        'calling_window.start',
        'calling_window.timezone',
        'calls_per_second',
        'carrier',
        'retry.attempts',
      ].sort(),
    );
    const sip = await stack.request('PUT', `/v2/accounts/${t.accountId}/broadcast_apps`, {
      token: t.token,
      body: {
        data: {
          id: 'trunk',
          carrier: 'sip',
          settings: { trunk_uri: 'sip:203.0.114.10:5070', username: 'u', password: 'hunter22' },
        },
      },
    });
    expect(sip.status).toBe(201);
    expect(sip.text).not.toContain('hunter22');
    expect(sip.body.data).toMatchObject({
      id: 'trunk',
      password_set: true,
      settings: { trunk_uri: 'sip:203.0.114.10:5070', username: 'u' },
    });
    const stored = await db.query(
      `SELECT doc::text AS doc, credentials_enc FROM dialer.apps WHERE tenant_id = $1`,
      [t.accountId],
    );
    expect(stored.rows[0].doc).not.toContain('hunter22');
    expect(stored.rows[0].credentials_enc).not.toContain('hunter22');
    const other = await stack.createTenant();
    expect(
      (await stack.request('GET', `/v2/accounts/${t.accountId}/broadcast_apps/trunk`, { token: other.token }))
        .status,
    ).toBe(404);
    // only the operator imports Onbuka keys
    const imp = await stack.request('PUT', `/v2/accounts/${t.accountId}/onbuka_keys`, {
      token: t.token,
      body: { data: { api_key: 'abcdefgh', api_secret: 'secret12' } },
    });
    expect(imp.status).toBe(403);
    const secrets = await db.query(`SELECT secret_enc FROM dialer.onbuka_keys`);
    for (const r of secrets.rows) expect(r.secret_enc).not.toContain('7bz1lzh9');
  });

  it('PUT broadcast_apps without an id creates one with a generated id; a client-chosen id stays accepted', async () => {
    const t = await stack.createTenant();
    const apps = `/v2/accounts/${t.accountId}/broadcast_apps`;
    const put = (data: Record<string, unknown>) =>
      stack.request('PUT', apps, { token: t.token, body: { data } });
    const first = await put({ carrier: 'simulated', settings: { ring_ms: 5, talk_ms: 5 } });
    expect(first.status).toBe(201);
    expect(first.body.data.id).toMatch(/^[0-9a-f]{32}$/);
    const second = await put({ carrier: 'simulated' });
    expect(second.status).toBe(201);
    expect(second.body.data.id).not.toBe(first.body.data.id);
    const got = await stack.request('GET', `${apps}/${first.body.data.id}`, { token: t.token });
    expect(got.status).toBe(200);
    expect(got.body.data).toMatchObject({ id: first.body.data.id, carrier: 'simulated' });
    const chosen = await put({ id: 'onbuka-app_1', carrier: 'simulated' });
    expect(chosen.status).toBe(201);
    expect(chosen.body.data.id).toBe('onbuka-app_1');
    const listed = await stack.request('GET', apps, { token: t.token });
    expect(listed.body.data.map((a: any) => a.id).sort()).toEqual(
      [first.body.data.id, second.body.data.id, 'onbuka-app_1'].sort(),
    );
    expect((await put({ id: 'not an id', carrier: 'simulated' })).status).toBe(400);
    expect((await put({ id: 7, carrier: 'simulated' })).status).toBe(400);
  });

  it('a PUT broadcast_apps without an id, retried with its Idempotency-Key, is one app with the first answer', async () => {
    const t = await stack.createTenant();
    const apps = `/v2/accounts/${t.accountId}/broadcast_apps`;
    const put = (key: string) =>
      stack.request('PUT', apps, {
        token: t.token,
        headers: { 'Idempotency-Key': key },
        body: { data: { carrier: 'simulated', settings: { ring_ms: 5, talk_ms: 5 } } },
      });
    const first = await put('app-create-1');
    expect(first.status).toBe(201);
    const retried = await put('app-create-1');
    expect(retried.status).toBe(201);
    expect(retried.body.data.id).toBe(first.body.data.id);
    const other = await put('app-create-2');
    expect(other.body.data.id).not.toBe(first.body.data.id);
    const listed = await stack.request('GET', apps, { token: t.token });
    expect(listed.body.data.map((a: any) => a.id).sort()).toEqual(
      [first.body.data.id, other.body.data.id].sort(),
    );
  });
});

describe('prompts, API-client keys and tenants', () => {
  it('takes a fileId that is a prompt of the account, by media id or name; anything else is -24 for the batch', async () => {
    const w = await world();
    const byId = await sendGroup(w, { ...base, fileId: w.promptId, callee: '4915112345678' });
    expect(byId.body.status).toBe('0');
    const stored = await db.query(`SELECT prompt_id, prompt_ms FROM dialer.broadcasts WHERE tenant_id = $1`, [
      w.t.accountId,
    ]);
    expect(stored.rows).toEqual([{ prompt_id: w.promptId, prompt_ms: 1000 }]);
    // a document without audio is no prompt to play; nor is a missing name or id
    const empty = await stack.request('PUT', `/v2/accounts/${w.t.accountId}/media`, {
      token: w.t.token,
      body: { data: { name: 'empty.mp3', kind: 'prompt' } },
    });
    for (const fileId of ['empty.mp3', empty.body.data.id, 'f'.repeat(32), 'nosuch.mp3'])
      expect((await sendGroup(w, { ...base, fileId, callee: '4915112345678,4915112345679' })).body).toEqual({
        status: '-24',
        reason: 'the file does not exist',
      });
    const n = await db.query(`SELECT count(*)::int AS n FROM dialer.calls WHERE tenant_id = $1`, [
      w.t.accountId,
    ]);
    expect(n.rows[0].n).toBe(1);
  });

  it("refuses another tenant's fileId and appId, with an imported key and with an API client key", async () => {
    const a = await world();
    const b = await world();
    const client = await stack.request('PUT', `/v2/accounts/${a.t.accountId}/api_clients`, {
      token: a.t.token,
      body: { data: { name: 'onbuka scripts', priv_level: 'admin', onbuka: true } },
    });
    const clientKey = { key: client.body.data.client_id, secret: client.body.data.client_secret };
    for (const k of [a, clientKey]) {
      expect((await sendGroup(k, { ...base, callee: '4915112345678' })).body.status).toBe('0');
      expect((await sendGroup(k, { ...base, fileId: b.promptId, callee: '4915112345678' })).body).toEqual({
        status: '-24',
        reason: 'the file does not exist',
      });
      // app1 exists in both tenants: b's own app id is what a's key must not reach
      await stack.request('PUT', `/v2/accounts/${b.t.accountId}/broadcast_apps`, {
        token: b.t.token,
        body: { data: { id: 'onlyInB', carrier: 'simulated' } },
      });
      expect((await sendGroup(k, { ...base, appId: 'onlyInB', callee: '4915112345678' })).body.status).toBe(
        '-24',
      );
    }
    const inB = await db.query(`SELECT count(*)::int AS n FROM dialer.broadcasts WHERE tenant_id = $1`, [
      b.t.accountId,
    ]);
    expect(inB.rows[0].n).toBe(0);
  });

  it('accepts an API client created for Onbuka as Api-Key/secret; others and deleted ones are -1, a replay answers again', async () => {
    const w = await world();
    const mk = async (data: Record<string, unknown>) =>
      (
        await stack.request('PUT', `/v2/accounts/${w.t.accountId}/api_clients`, {
          token: w.t.token,
          body: { data: { name: 'c', priv_level: 'admin', ...data } },
        })
      ).body.data;
    const onbuka = await mk({ onbuka: true });
    expect(onbuka.onbuka).toBe(true);
    const k = { key: onbuka.client_id as string, secret: onbuka.client_secret as string };
    const ts = DOC_TS + 7;
    // the client's pair signs as that client, not as the tenant's imported key
    const r = await sendGroup(
      w,
      { ...base, callee: '4915112345678' },
      { ts, sign: md5(k.key + k.secret + ts) },
    );
    expect(r.body.status).toBe('-1');
    const ok = await sendGroup(k, { ...base, callee: '4915112345678' }, { ts });
    expect(ok.body.status).toBe('0');
    const rows = await db.query(`SELECT count(*)::int AS n FROM dialer.broadcasts WHERE tenant_id = $1`, [
      w.t.accountId,
    ]);
    expect(rows.rows[0].n).toBe(1);
    // an exact replay answers the first answer and starts nothing
    expect((await sendGroup(k, { ...base, callee: '4915112345678' }, { ts })).body).toEqual(ok.body);
    const after = await db.query(`SELECT count(*)::int AS n FROM dialer.broadcasts WHERE tenant_id = $1`, [
      w.t.accountId,
    ]);
    expect(after.rows[0].n).toBe(1);
    expect(
      (await sendGroup({ key: k.key, secret: 'wrong' }, { ...base, callee: '4915112345678' })).body,
    ).toEqual({ status: '-1', reason: 'authentication error' });
    // a client not made for Onbuka signs nothing: its secret is only hashed
    const plain = await mk({});
    expect(plain.onbuka).toBeUndefined();
    expect(
      (
        await sendGroup(
          { key: plain.client_id, secret: plain.client_secret },
          { ...base, callee: '4915112345678' },
        )
      ).body.status,
    ).toBe('-1');
    // a user-level client may not start broadcasts
    const user = await mk({ onbuka: true, priv_level: 'user' });
    expect(
      (
        await sendGroup(
          { key: user.client_id, secret: user.client_secret },
          { ...base, callee: '4915112345678' },
        )
      ).body.status,
    ).toBe('-1');
    // the secret is kept sealed, never in clear
    const sealed = await db.query(`SELECT onbuka_secret_sealed FROM mailbox.api_clients WHERE id = $1`, [
      k.key,
    ]);
    expect(sealed.rows[0].onbuka_secret_sealed).toBeTruthy();
    expect(sealed.rows[0].onbuka_secret_sealed).not.toContain(k.secret);
    // a deleted client stops at once
    await stack.request('DELETE', `/v2/accounts/${w.t.accountId}/api_clients/${k.key}`, { token: w.t.token });
    expect((await sendGroup(k, { ...base, callee: '4915112345678' })).body.status).toBe('-1');
    // an imported key may not take the shape of an API client id
    const imp = await stack.request('PUT', `/v2/accounts/${w.t.accountId}/onbuka_keys`, {
      token: op.token,
      body: { data: { api_key: 'a'.repeat(32), api_secret: 'secret12' } },
    });
    expect(imp.status).toBe(400);
  });
});

describe('Onbuka scripts: headers built once, several requests in one second', () => {
  it('serves five sendGroups and a recordGroup lookup on one header triple; an exact replay answers the same voiceIds and dials nothing', async () => {
    const w = await world();
    // as Onbuka's public samples do: the headers are made once, at module level, then reused in a loop
    const ts = String(DOC_TS + 30);
    const headers = {
      'Content-Type': 'application/json;charset=UTF-8',
      'Api-Key': w.key,
      Timestamp: ts,
      Sign: md5(w.key + w.secret + ts),
    };
    const post = async (callee: string) => {
      const res = await fetch(`${stack.baseUrl}/v3/voice/sendGroup`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ ...base, callee }),
      });
      return JSON.parse(await res.text()) as { status: string; data: { voiceId: string; callee: string }[] };
    };
    const callees = ['4915100000011', '4915100000012', '4915100000013', '4915100000014', '4915100000015'];
    const answers = [];
    for (const c of callees) answers.push(await post(c));
    expect(answers.map((a) => a.status)).toEqual(['0', '0', '0', '0', '0']);
    const voiceIds = answers.map((a) => a.data[0].voiceId);
    expect(new Set(voiceIds).size).toBe(5);
    // a lookup with the same triple in the same second is no replay either
    const look = await fetch(`${stack.baseUrl}/v3/voice/recordGroup/${voiceIds[0]}`, { headers });
    expect(JSON.parse(await look.text())).toMatchObject({ status: '0', data: { voiceId: voiceIds[0] } });
    const again = await fetch(`${stack.baseUrl}/v3/voice/recordGroup/${voiceIds[0]}`, { headers });
    expect(JSON.parse(await again.text()).status).toBe('0');
    // the first send again, byte for byte: the same voiceIds, and no call more than the five
    const replay = await post(callees[0]);
    expect(replay).toEqual(answers[0]);
    const calls = await db.query(`SELECT count(*)::int AS n FROM dialer.calls WHERE tenant_id = $1`, [
      w.t.accountId,
    ]);
    expect(calls.rows[0].n).toBe(5);
    const batches = await db.query(`SELECT count(*)::int AS n FROM dialer.broadcasts WHERE tenant_id = $1`, [
      w.t.accountId,
    ]);
    expect(batches.rows[0].n).toBe(5);
  });
});

describe('Onbuka call records (recordGroup)', () => {
  const record = async (w: { key: string; secret: string }, voiceId: string) => {
    const ts = String(DOC_TS + 30 - (++tsCounter % 200));
    const res = await fetch(`${stack.baseUrl}/v3/voice/recordGroup/${voiceId}`, {
      headers: { 'Api-Key': w.key, Timestamp: ts, Sign: md5(w.key + w.secret + ts) },
    });
    return { status: res.status, text: await res.text() };
  };

  it("reports each voiceId in Onbuka's fields and order; another account's voiceId is -24", async () => {
    const w = await world({
      settings: { ring_ms: 5, talk_ms: 1200, rules: [{ pattern: '^4930', outcome: 'busy' }] },
    });
    const r = await sendGroup(w, {
      ...base,
      callee: '4915100000001,4930100000002',
      displayNum: '1008122211',
      calledInfo: 'info',
    });
    const [done, busy] = r.body.data.map((d: any) => d.voiceId);
    await waitFor(
      () =>
        db.query(`SELECT state FROM dialer.calls WHERE tenant_id = $1 AND state IN ('completed', 'busy')`, [
          w.t.accountId,
        ]),
      (x) => x.rows.length === 2,
    );
    const got = await record(w, done);
    expect(got.status).toBe(200);
    const body = JSON.parse(got.text);
    expect(Object.keys(body)).toEqual(['status', 'reason', 'data']);
    expect(Object.keys(body.data)).toEqual([
      'voiceId',
      'callee',
      'displayNum',
      'code',
      'submitTime',
      'callTime',
      'ringingTime',
      'answerTime',
      'hangupTime',
      'callDuration',
      'chargedDuration',
      'terminationCode',
      'terminationReason',
      'costEur',
      'billPeriod',
      'rate',
      'baseCost',
      'voiceFileId',
      'feedbackValue',
      'calledInfo',
    ]);
    expect(body.data).toMatchObject({
      voiceId: done,
      callee: '4915100000001',
      displayNum: '1008122211',
      terminationCode: '200',
      terminationReason: 'success',
      voiceFileId: 'prompt.mp3',
      calledInfo: 'info',
      feedbackValue: '-1',
    });
    for (const f of ['submitTime', 'callTime', 'ringingTime', 'answerTime', 'hangupTime'])
      expect(body.data[f]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    expect(body.data.callDuration).toBeGreaterThanOrEqual(1);
    expect(body.data.chargedDuration).toBe(body.data.callDuration);
    const b = JSON.parse((await record(w, busy)).text).data;
    expect(b).toMatchObject({
      terminationCode: '486',
      terminationReason: 'busy',
      answerTime: '',
      callDuration: 0,
    });
    const other = await world();
    expect(JSON.parse((await record(other, done)).text)).toEqual({
      status: '-24',
      reason: 'the voiceId does not exist',
    });
    expect(JSON.parse((await record(w, '12')).text).status).toBe('-24');
    expect(JSON.parse((await record({ key: w.key, secret: 'bad' }, done)).text).status).toBe('-1');
  });

  it("answers recordGroupQuery as Onbuka documents it: the account's records of the window, a page at a time", async () => {
    const w = await world();
    const r = await sendGroup(w, {
      ...base,
      callee: '4915100000011,4915100000012,4915100000013',
      calledInfo: 'batch',
    });
    const ids: string[] = r.body.data.map((d: any) => d.voiceId);
    await waitFor(
      () =>
        db.query(`SELECT state FROM dialer.calls WHERE tenant_id = $1 AND state = 'completed'`, [
          w.t.accountId,
        ]),
      (x) => x.rows.length === 3,
    );
    const submitted = (
      await db.query(`SELECT created_at FROM dialer.broadcasts WHERE tenant_id = $1`, [w.t.accountId])
    ).rows[0].created_at as Date;
    // the document's form: ISO 8601 with a +08:00 offset
    const at8 = (ms: number) => `${new Date(ms + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
    const window = {
      strTime: at8(submitted.getTime() - 3600_000),
      endTime: at8(submitted.getTime() + 3600_000),
    };
    const query = async (who: { key: string; secret: string }, body: unknown) => {
      const ts = String(DOC_TS + 30 - (++tsCounter % 200));
      const res = await fetch(`${stack.baseUrl}/v3/voice/recordGroupQuery`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json;charset=UTF-8',
          'Api-Key': who.key,
          Timestamp: ts,
          Sign: md5(who.key + who.secret + ts),
        },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      return JSON.parse(await res.text());
    };
    const first = await query(w, { current: 1, size: 2, params: window });
    expect(Object.keys(first)).toEqual(['status', 'reason', 'data']);
    expect(first.status).toBe('0');
    expect(Object.keys(first.data)).toEqual(['total', 'size', 'current', 'pages', 'searchCount', 'records']);
    expect(first.data).toMatchObject({ total: 3, size: 2, current: 1, pages: 2, searchCount: true });
    expect(first.data.records.map((x: any) => x.voiceId)).toEqual(ids.slice(0, 2));
    // each record is exactly what recordGroup/{voiceId} answers
    expect(first.data.records[0]).toEqual(JSON.parse((await record(w, ids[0])).text).data);
    expect(first.data.records[1]).toMatchObject({ callee: '4915100000012', calledInfo: 'batch' });
    const second = await query(w, { current: 2, size: 2, params: window });
    expect(second.data.records.map((x: any) => x.voiceId)).toEqual([ids[2]]);
    // current and size left out: 1 and 25
    expect((await query(w, { params: window })).data).toMatchObject({
      total: 3,
      size: 25,
      current: 1,
      pages: 1,
    });
    expect((await query(w, { current: 3, size: 2, params: window })).data.records).toEqual([]);
    // a window before the batch, and another account, see nothing
    const before = {
      strTime: at8(submitted.getTime() - 7200_000),
      endTime: at8(submitted.getTime() - 3600_000),
    };
    expect((await query(w, { params: before })).data).toMatchObject({ total: 0, records: [] });
    const other = await world();
    expect((await query(other, { params: window })).data).toMatchObject({ total: 0, records: [] });
    // refusals in Onbuka's shape
    for (const bad of [
      {},
      { params: { strTime: window.strTime } },
      { params: { strTime: window.endTime, endTime: window.strTime } },
      { params: { strTime: '2022-01-01T00:00:00+08:00', endTime: '2022-02-02T00:00:00+08:00' } },
      { params: { strTime: 'yesterday', endTime: window.endTime } },
      { size: 0, params: window },
      { size: 101, params: window },
      { current: '', params: window },
    ])
      expect([JSON.stringify(bad), (await query(w, bad)).status]).toEqual([JSON.stringify(bad), '-22']);
  });
});

describe("broadcast apps' webhooks", () => {
  it('posts every call state change and the batch events to the app webhook, retrying a failure', async () => {
    const path = `/app-${Math.random().toString(36).slice(2)}`;
    receiver.respond = (p, nth) => (p === path && nth === 1 ? 500 : 200);
    const w = await world({ webhook_url: receiver.url(path) });
    const r = await sendGroup(w, { ...base, callee: '4915100000001,4915100000002' });
    expect(r.body.status).toBe('0');
    const ids = r.body.data.map((d: any) => d.voiceId);
    const ok = () => receiver.on(path).filter((h) => h.status === 200);
    await receiver.waitUntil(
      () => ok().some((h) => h.headers['x-voxmail-event'] === 'broadcast.completed'),
      20000,
    );
    const bodies = ok().map((h) => JSON.parse(h.body.toString()));
    for (const b of bodies) expect(b.tenantId).toBe(w.t.accountId);
    const types = bodies.map((b) => b.type);
    for (const t of ['broadcast.created', 'broadcast.started', 'broadcast.completed'])
      expect(types).toContain(t);
    for (const id of ids)
      expect(
        bodies
          .filter((b) => b.type === 'broadcast.call.updated' && b.data.id === id)
          .map((b) => b.data.state),
      ).toEqual(['dialing', 'ringing', 'answered', 'completed']);
    // the first POST failed and was sent again later: same delivery id
    const first = receiver.on(path)[0];
    expect(first.status).toBe(500);
    expect(
      receiver
        .on(path)
        .filter((h) => h.headers['x-voxmail-delivery'] === first.headers['x-voxmail-delivery'])
        .map((h) => h.status),
    ).toEqual([500, 200]);
    // an app without a webhook posts nothing; another tenant's calls never reach this one
    expect(receiver.on(path).every((h) => JSON.parse(h.body.toString()).tenantId === w.t.accountId)).toBe(
      true,
    );
  });

  it('refuses a webhook_url that names a private or link-local address; loopback only by policy', async () => {
    const t = await stack.createTenant();
    for (const url of [
      'http://10.0.0.1/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[fc00::1]/x',
    ]) {
      const r = await stack.request('PUT', `/v2/accounts/${t.accountId}/broadcast_apps`, {
        token: t.token,
        body: { data: { id: 'hooked', webhook_url: url } },
      });
      expect(r.status).toBe(400);
      expect(Object.keys(r.body.data)).toEqual(['webhook_url']);
    }
    // the loopback receiver is allowed only because this stack's dialer allows `loopback`
    const ok = await stack.request('PUT', `/v2/accounts/${t.accountId}/broadcast_apps`, {
      token: t.token,
      body: { data: { id: 'hooked', webhook_url: receiver.url('/fine') } },
    });
    expect(ok.status).toBe(201);
  });
});

describe('pacing across replicas', () => {
  it('holds the app CPS with 2 replicas together, dialing each call once', async () => {
    // a second replica beside the stack's, on the same database and broker
    const second = await dialer('replica-b')((await import('@voxmail/config')).loadDialerConfig(stack.env), {
      handleSignals: false,
    });
    try {
      const w = await world({ calls_per_second: 10, max_concurrent_calls: 100 });
      const callees = Array.from({ length: 31 }, (_, i) => `49151${String(i).padStart(7, '0')}`);
      const r = await sendGroup(w, { ...base, callee: callees.join(',') });
      expect(r.body.status).toBe('0');
      const log = await waitFor(
        () =>
          db.query(
            `SELECT call_id, attempt, replica, dialed_at FROM dialer.dial_log WHERE tenant_id = $1 ORDER BY dialed_at`,
            [w.t.accountId],
          ),
        (x) => x.rows.length === 31,
      );
      expect(log.rows).toHaveLength(31);
      expect(new Set(log.rows.map((x) => x.call_id)).size).toBe(31);
      expect(new Set(log.rows.map((x) => x.replica))).toEqual(new Set(['replica-a', 'replica-b']));
      // 30 intervals at 10 CPS: 3 s; the first call may use the bucket's burst
      const span = (log.rows[30].dialed_at.getTime() - log.rows[1].dialed_at.getTime()) / 1000;
      const cps = 29 / span;
      expect(cps).toBeGreaterThan(9);
      expect(cps).toBeLessThan(11);
    } finally {
      await second.close();
    }
  });
});
