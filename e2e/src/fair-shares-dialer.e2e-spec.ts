// Fair shares of the dialer (issue 24, abuse rows 1 and 2), against the whole stack: one account's long
// calls cannot hold every dialer slot (another account's single call starts at once), one key cannot queue
// without bound (a batch over the account's max_queued_calls is refused whole with Onbuka's over-limit
// status), and the account limits behind both are set only by the operator or a reseller above.
import { Tenant } from '@voxmail/testing';
import { onbukaWorld, postSendGroup, useDialerStack, waitFor } from './broadcast.helpers';
import { useDb, useEvents, useOperator } from './fixture';

jest.setTimeout(180000);

/** The dialer's slots in this suite (DIALER_MAX_IN_FLIGHT), and those kept for accounts holding few. */
const SLOTS = 20;
const RESERVED = 4;
/** How long A's calls talk: far longer than B may wait. */
const TALK_MS = 10000;

const events = useEvents();
// A's long calls end quickly once their broadcasts are gone from the queue; the stop waits for them
const stack = useDialerStack({
  tickMs: 20,
  maxInFlight: SLOTS,
  replicaId: 'fair-a',
  accounts: {
    maxConcurrentCalls: 10000,
    callsPerSecond: 10000,
    maxQueuedCalls: 100000,
    reservedSlots: RESERVED,
  },
});
const db = useDb(stack);
const op = useOperator(stack);

/** Each request its own Timestamp: going back from the suite's start, within the 5-minute skew. */
const TS_BASE = Math.floor(Date.now() / 1000);
let tsBack = 0;

/** A tenant with an imported Onbuka key, an app and a prompt. */
const world = (app: Record<string, unknown> = {}) =>
  onbukaWorld(stack, op, { max_concurrent_calls: 10000, ...app });

async function sendGroup(w: { key: string; secret: string }, callees: string[]) {
  // each request its own timestamp within the skew window, so none is a replay of another
  const ts = String(TS_BASE - ++tsBack);
  const res = await postSendGroup(stack, w, ts, {
    callee: callees.join(','),
    fileId: 'prompt.mp3',
    appId: 'app1',
  });
  return { status: res.status, body: (await res.json()) as any };
}

const numbers = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(7, '0')}`);

async function setLimits(t: Tenant, token: string, limits: Record<string, unknown>) {
  return stack.request('POST', `/v2/accounts/${t.accountId}/limits`, { token, body: { data: limits } });
}

/** Sets limits as the operator and waits until the dialer's projection holds them. */
async function limitDialer(t: Tenant, limits: Record<string, unknown>) {
  const r = await setLimits(t, op.token, limits);
  expect(r.status).toBe(200);
  const rows = await waitFor(
    () =>
      db.query(
        'SELECT max_queued_calls, max_concurrent_calls FROM dialer.account_limits WHERE tenant_id = $1',
        [t.accountId],
      ),
    (q) => q.rows.length === 1 && q.rows[0].max_queued_calls === (limits.max_queued_calls ?? null),
  );
  expect(rows.rows).toHaveLength(1);
}

async function states(tenantId: string): Promise<Record<string, number>> {
  const r = await db.query(
    'SELECT state, count(*)::int AS n FROM dialer.calls WHERE tenant_id = $1 GROUP BY state',
    [tenantId],
  );
  return Object.fromEntries(r.rows.map((x) => [x.state, x.n]));
}

describe('account limits (/v2/accounts/{id}/limits)', () => {
  it('are set by the operator or a reseller above, read by the account, never raised by the account itself', async () => {
    const reseller = await stack.createTenant();
    expect(
      (
        await stack.request('POST', `/v2/accounts/${reseller.accountId}`, {
          token: op.token,
          body: { data: { name: reseller.name, is_reseller: true } },
        })
      ).status,
    ).toBe(200);
    const child = await stack.request('PUT', `/v2/accounts/${reseller.accountId}`, {
      token: reseller.token,
      body: { data: { name: `child-${Date.now()}` } },
    });
    expect(child.status).toBe(201);
    const childId: string = child.body.data.id;
    const childKey = await stack.request('GET', `/v2/accounts/${childId}/api_key`, { token: reseller.token });
    const childAuth = await stack.request('PUT', '/v2/api_auth', {
      body: { data: { api_key: childKey.body.data.api_key } },
    });
    const childToken: string = childAuth.body.auth_token;

    // the reseller sets its child's limits; the child reads them
    const set = await stack.request('POST', `/v2/accounts/${childId}/limits`, {
      token: reseller.token,
      body: { data: { max_queued_calls: 100, calls_per_second: 5, dialer_weight: 3 } },
    });
    expect(set.status).toBe(200);
    expect(set.body.data).toMatchObject({
      max_queued_calls: 100,
      calls_per_second: 5,
      dialer_weight: 3,
      max_vmboxes: null,
    });
    const read = await stack.request('GET', `/v2/accounts/${childId}/limits`, { token: childToken });
    expect(read.status).toBe(200);
    expect(read.body.data).toMatchObject({ max_queued_calls: 100, dialer_weight: 3 });

    // the child cannot raise its own, nor can the reseller raise its own
    const own = await stack.request('POST', `/v2/accounts/${childId}/limits`, {
      token: childToken,
      body: { data: { max_queued_calls: 100000 } },
    });
    expect(own.status).toBe(403);
    expect(
      (
        await stack.request('POST', `/v2/accounts/${reseller.accountId}/limits`, {
          token: reseller.token,
          body: { data: { max_queued_calls: 100000 } },
        })
      ).status,
    ).toBe(403);
    // another tenant's limits answer as a missing account
    const other = await stack.createTenant();
    expect(
      (await stack.request('GET', `/v2/accounts/${childId}/limits`, { token: other.token })).status,
    ).toBe(404);
    // a bad value or an unknown limit is a 400 naming it
    const bad = await stack.request('POST', `/v2/accounts/${childId}/limits`, {
      token: op.token,
      body: { data: { max_queued_calls: -1, max_cats: 3 } },
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.data).sort()).toEqual(['max_cats', 'max_queued_calls']);
    // the dialer's copy follows the event
    const projected = await waitFor(
      () =>
        db.query('SELECT max_queued_calls, weight FROM dialer.account_limits WHERE tenant_id = $1', [
          childId,
        ]),
      (q) => q.rows.length === 1,
    );
    expect(projected.rows).toEqual([{ max_queued_calls: 100, weight: 3 }]);
    await events.waitFor((e) => e.type === 'account.limits_updated' && e.tenantId === childId);
  });
});

describe('abuse row 1: one account on a slow carrier holding the dialer slots', () => {
  it("another account's single call starts at once while A's 1000-callee batch fills every slot it may", async () => {
    const a = await world({
      settings: { rules: [{ pattern: '^49', outcome: 'completed', ring_ms: 1, talk_ms: TALK_MS }] },
    });
    const b = await world();
    const ra = await sendGroup(a, numbers('49151', 1000));
    expect(ra.body.status).toBe('0');
    // A takes every slot but the reserve, and no more
    const held = await waitFor(
      () => states(a.t.accountId),
      (s) => (s.dialing ?? 0) + (s.ringing ?? 0) + (s.answered ?? 0) >= SLOTS - RESERVED,
      30000,
    );
    const active = (s: Record<string, number>) => (s.dialing ?? 0) + (s.ringing ?? 0) + (s.answered ?? 0);
    expect(active(held)).toBe(SLOTS - RESERVED);

    const rb = await sendGroup(b, ['4930100000001']);
    expect(rb.body.status).toBe('0');
    const voiceId = rb.body.data[0].voiceId as string;
    const started = Date.now();
    const dialed = await waitFor(
      () =>
        db.query('SELECT state FROM dialer.calls WHERE tenant_id = $1 AND id = $2', [b.t.accountId, voiceId]),
      (q) => q.rows[0]?.state !== 'queued',
      10000,
      20,
    );
    // the feature promises within 1 s; the bound is generous for a loaded machine, far below A's calls' 10 s
    expect(dialed.rows[0].state).not.toBe('queued');
    expect(Date.now() - started).toBeLessThan(5000);

    // nothing A had accepted is lost: every call is still there, queued or in progress
    const after = await states(a.t.accountId);
    expect(Object.values(after).reduce((x, y) => x + y, 0)).toBe(1000);
    expect(active(after)).toBeLessThanOrEqual(SLOTS - RESERVED);
    // let A's queued calls go so the stack stops without waiting on 1000 calls
    const list = await stack.request('GET', `/v2/accounts/${a.t.accountId}/broadcasts`, { token: a.t.token });
    for (const bc of list.body.data)
      await stack.request('POST', `/v2/accounts/${a.t.accountId}/broadcasts/${bc.id}/cancel`, {
        token: a.t.token,
      });
    // and its calls in progress end, so the slots are free for the tests that follow
    const drained = await waitFor(
      () => states(a.t.accountId),
      (s) => active(s) === 0,
      60000,
      200,
    );
    expect(active(drained)).toBe(0);
  });
});

describe('abuse row 2: 20 batches of 1000 callees from one key', () => {
  it('accepts batches up to max_queued_calls, refuses the rest whole with the over-limit status, loses nothing', async () => {
    const a = await world();
    // nothing of A dials in this test (its ceiling 0), so its queue only grows
    await limitDialer(a.t, { max_queued_calls: 3000, max_concurrent_calls: 0 });
    const b = await world();
    const answers: { status: number; body: any }[] = [];
    const bSlowest: number[] = [];
    for (let i = 0; i < 20; i++) {
      answers.push(await sendGroup(a, numbers(`49${String(i).padStart(2, '0')}1`, 1000)));
      const t0 = Date.now();
      const g = await stack.request('GET', `/v2/accounts/${b.t.accountId}/broadcasts`, { token: b.t.token });
      expect(g.status).toBe(200);
      bSlowest.push(Date.now() - t0);
    }
    expect(answers.map((r) => r.body.status)).toEqual([...Array(3).fill('0'), ...Array(17).fill('-7')]);
    for (const r of answers.slice(3)) {
      expect(r.status).toBe(200);
      expect(r.body.reason).toMatch(/max_queued_calls/);
      expect(r.body.data).toBeUndefined();
    }
    // exactly the accepted batches are queued: nothing of a refused one, nothing lost of an accepted one
    expect(await states(a.t.accountId)).toEqual({ queued: 3000 });
    const batches = await db.query('SELECT total FROM dialer.broadcasts WHERE tenant_id = $1', [
      a.t.accountId,
    ]);
    expect(batches.rows.map((r) => r.total)).toEqual([1000, 1000, 1000]);
    await events.waitFor(
      (e) =>
        e.type === 'quota.exceeded' && e.tenantId === a.t.accountId && e.data.quota === 'max_queued_calls',
    );
    // B's dialer routes stay quick (a generous bound for a loaded machine)
    expect(Math.max(...bSlowest)).toBeLessThan(3000);
    // B's own batch is accepted: A's cap is A's alone
    expect((await sendGroup(b, ['4930100000001'])).body.status).toBe('0');
  });

  it('batches racing the cap never take the account over it; cancelling gives the room back', async () => {
    const c = await world();
    await limitDialer(c.t, { max_queued_calls: 2500, max_concurrent_calls: 0 });
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => sendGroup(c, numbers(`49${String(i).padStart(2, '0')}2`, 1000))),
    );
    const ok = answers.filter((r) => r.body.status === '0');
    expect(ok).toHaveLength(2);
    expect(answers.filter((r) => r.body.status === '-7')).toHaveLength(4);
    expect(await states(c.t.accountId)).toEqual({ queued: 2000 });
    // cancelling a batch frees its calls' room
    const list = await stack.request('GET', `/v2/accounts/${c.t.accountId}/broadcasts`, { token: c.t.token });
    expect(list.body.data).toHaveLength(2);
    // the cancel may outlast the gateway's command timeout on a loaded machine: its effect is waited for
    await stack.request('POST', `/v2/accounts/${c.t.accountId}/broadcasts/${list.body.data[0].id}/cancel`, {
      token: c.t.token,
    });
    expect(
      await waitFor(
        () => states(c.t.accountId),
        (s) => s.cancelled === 1000,
        30000,
      ),
    ).toEqual({ queued: 1000, cancelled: 1000 });
    expect((await sendGroup(c, numbers('49993', 1000))).body.status).toBe('0');
  });
});

describe('the native batch create (PUT /v2/accounts/{id}/broadcasts)', () => {
  const put = (t: Tenant, callees: string[], headers: Record<string, string> = {}) =>
    fetch(`${stack.baseUrl}/v2/accounts/${t.accountId}/broadcasts`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', 'X-Auth-Token': t.token, ...headers },
      body: JSON.stringify({ data: { callees, app_id: 'app1', file_id: 'prompt.mp3' } }),
    }).then(async (r) => ({
      status: r.status,
      retryAfter: r.headers.get('retry-after'),
      body: (await r.json()) as any,
    }));

  it('queues a batch, safe to retry; over max_queued_calls it is 429 in the Kazoo envelope with nothing queued', async () => {
    const n = await world();
    await limitDialer(n.t, { max_queued_calls: 1500, max_concurrent_calls: 0 });
    const first = await put(n.t, numbers('49771', 1000), { 'Idempotency-Key': 'native-batch-1' });
    expect(first.status).toBe(201);
    expect(first.body.data.calls).toHaveLength(1000);
    expect(first.body.data.calls[0]).toEqual({ voice_id: expect.any(String), callee: '497710000000' });
    // a retry of the same create is the same batch, nothing queued twice
    const again = await put(n.t, numbers('49771', 1000), { 'Idempotency-Key': 'native-batch-1' });
    expect(again.status).toBe(201);
    expect(again.body.data.id).toBe(first.body.data.id);
    expect(await states(n.t.accountId)).toEqual({ queued: 1000 });

    const over = await put(n.t, numbers('49772', 1000));
    expect(over.status).toBe(429);
    expect(Number(over.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(over.body).toMatchObject({
      status: 'error',
      error: '429',
      message: expect.stringMatching(/max_queued_calls/),
    });
    expect(await states(n.t.accountId)).toEqual({ queued: 1000 });
    // what fits is still taken
    expect((await put(n.t, numbers('49773', 500))).status).toBe(201);
    expect(await states(n.t.accountId)).toEqual({ queued: 1500 });
    // a bad batch names its field
    const bad = await put(n.t, ['12']);
    expect(bad.status).toBe(400);
    expect(bad.body.data).toHaveProperty('callees');
  });
});

describe("the account's ceilings over its apps", () => {
  it('calls_per_second paces all of the account whatever its apps say; usage counts the calls placed and their minutes', async () => {
    const w = await world({ settings: { ring_ms: 1, talk_ms: 5 } });
    await limitDialer(w.t, { calls_per_second: 5, max_queued_calls: 1000 });
    const r = await sendGroup(w, numbers('49155', 31));
    expect(r.body.status).toBe('0');
    const done = await waitFor(
      () => states(w.t.accountId),
      (s) => s.completed === 31,
      60000,
      100,
    );
    expect(done).toEqual({ completed: 31 });
    const log = await db.query(
      `SELECT extract(epoch FROM max(dialed_at) - min(dialed_at))::float8 AS span FROM dialer.dial_log WHERE tenant_id = $1`,
      [w.t.accountId],
    );
    // 31 calls at 5 a second after a burst of 2.5: at least 5.7 s (the app alone would dial them at once)
    expect(log.rows[0].span).toBeGreaterThan(5);
    const usage = await waitFor(
      () => stack.request('GET', `/v2/accounts/${w.t.accountId}/usage`, { token: w.t.token }),
      (u) => u.body.data?.calls_placed === 31 && u.body.data?.call_minutes > 0,
      30000,
    );
    expect(usage.body.data.calls_placed).toBe(31);
    // each call plays the 1 s prompt once
    expect(usage.body.data.call_minutes).toBeGreaterThan(0.3);
    expect(usage.body.data.call_minutes).toBeLessThan(2);
  });

  it("max_concurrent_calls bounds the calls in progress of all the account's apps together", async () => {
    const w = await world({
      settings: { rules: [{ pattern: '^49', outcome: 'completed', ring_ms: 1, talk_ms: 4000 }] },
    });
    const second = await stack.request('PUT', `/v2/accounts/${w.t.accountId}/broadcast_apps`, {
      token: w.t.token,
      body: {
        data: {
          id: 'app2',
          carrier: 'simulated',
          calls_per_second: 0,
          max_concurrent_calls: 10,
          settings: { rules: [{ pattern: '^49', outcome: 'completed', ring_ms: 1, talk_ms: 4000 }] },
        },
      },
    });
    expect(second.status).toBe(201);
    await limitDialer(w.t, { max_concurrent_calls: 3, max_queued_calls: 1000 });
    expect((await sendGroup(w, numbers('49156', 10))).body.status).toBe('0');
    const ts = String(TS_BASE - ++tsBack);
    const other = await postSendGroup(stack, w, ts, {
      callee: numbers('49157', 10).join(','),
      fileId: 'prompt.mp3',
      appId: 'app2',
    });
    expect(((await other.json()) as any).status).toBe('0');
    let most = 0;
    const end = Date.now() + 6000;
    while (Date.now() < end) {
      const s = await states(w.t.accountId);
      most = Math.max(most, (s.dialing ?? 0) + (s.ringing ?? 0) + (s.answered ?? 0));
      await new Promise((r) => setTimeout(r, 50));
    }
    // both apps allow 10 each; the account's ceiling holds them to 3 together
    expect(most).toBe(3);
    const list = await stack.request('GET', `/v2/accounts/${w.t.accountId}/broadcasts`, { token: w.t.token });
    for (const bc of list.body.data)
      await stack.request('POST', `/v2/accounts/${w.t.accountId}/broadcasts/${bc.id}/cancel`, {
        token: w.t.token,
      });
  });
});
