// The dialer against what a hostile tenant and a crash test found (issue 25): trunks and RTP into the
// carrier's own network, a tenant's regular expression that backtracks, a cancel answered 503 while the
// dialer is busy, and calls ending together recorded as failed. Whole stack (real PostgreSQL, NATS), the
// simulated carrier; no trunk network is allowed in this stack (DIALER_ALLOWED_TRUNK_NETWORKS empty).
import { createSocket } from 'node:dgram';
import { Tenant } from '@voxmail/testing';
import { onbukaWorld, postSendGroup, useDialerStack, waitFor } from './broadcast.helpers';
import { useDb, useOperator } from './fixture';

jest.setTimeout(120000);

const stack = useDialerStack(
  { tickMs: 20, leaseMs: 250, replicaId: 'hostile-a' },
  { prepare: () => delete process.env.DIALER_ALLOWED_TRUNK_NETWORKS },
);
const db = useDb(stack);
const op = useOperator(stack);

interface World {
  t: Tenant;
  key: string;
  secret: string;
}

/** A fresh tenant with an imported Onbuka key pair, an app `app1` and a prompt named `prompt.mp3`. */
const world = (app: Record<string, unknown> = {}): Promise<World> => onbukaWorld(stack, op, app);

let tsBack = 0;
/** A sendGroup of `callees`; each request its own timestamp near now (the replay guard). */
async function sendGroup(
  w: World,
  callees: string[],
  appId = 'app1',
): Promise<{ status: string; broadcastId: string }> {
  const ts = String(Math.floor(Date.now() / 1000) - (++tsBack % 200));
  const res = await postSendGroup(stack, w, ts, { fileId: 'prompt.mp3', appId, callee: callees.join(',') });
  const body = (await res.json()) as { status: string };
  const b = await db.query(
    `SELECT id FROM dialer.broadcasts WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 1`,
    [w.t.accountId],
  );
  return { status: body.status, broadcastId: b.rows[0]?.id as string };
}

const getB = (t: Tenant, id: string) =>
  stack.request('GET', `/v2/accounts/${t.accountId}/broadcasts/${id}`, { token: t.token });

const numbers = (n: number, prefix = '49151') =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(15 - prefix.length, '0')}`);

describe("a tenant's regular expression (simulated carrier rules)", () => {
  it('runs in linear time: a backtracking pattern on 15-digit callees neither freezes the dialer nor slows another tenant', async () => {
    // with a backtracking engine each of these callees takes seconds of the event loop (exponential in
    // the digits); RE2 answers at once, and the pattern matches nothing (no `a`): every call completes
    const evil = await world({
      settings: { ring_ms: 5, talk_ms: 5, rules: [{ pattern: '^(((\\d+)+)+)+a$', outcome: 'busy' }] },
    });
    const other = await world();
    const c = await sendGroup(evil, numbers(10, '4'));
    expect(c.status).toBe('0');
    // another tenant's sendGroup is answered and dialed at once (it was -50 after 5 s)
    const o = await sendGroup(other, numbers(1));
    expect(o.status).toBe('0');
    const otherDone = await waitFor(
      () => getB(other.t, o.broadcastId),
      (r) => r.body.data?.state === 'completed',
      15000,
    );
    expect(otherDone.body.data).toMatchObject({ state: 'completed', counts: { completed: 1 } });
    const done = await waitFor(
      () => getB(evil.t, c.broadcastId),
      (r) => r.body.data?.state === 'completed',
      15000,
    );
    expect(done.body.data).toMatchObject({ state: 'completed', counts: { completed: 10 } });
  });

  it('refuses a pattern RE2 does not take when the app is stored, naming the field', async () => {
    const t = await stack.createTenant();
    const r = await stack.request('PUT', `/v2/accounts/${t.accountId}/broadcast_apps`, {
      token: t.token,
      body: {
        data: {
          id: 'x',
          carrier: 'simulated',
          settings: {
            rules: [
              { pattern: '^49', outcome: 'busy' },
              { pattern: '(\\d)\\1', outcome: 'busy' },
              { pattern: '^(?=4)', outcome: 'no_answer' },
            ],
          },
        },
      },
    });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ status: 'error', error: '400' });
    expect(Object.keys(r.body.data).sort()).toEqual([
      'settings.rules[1].pattern',
      'settings.rules[2].pattern',
    ]);
    expect(r.text).not.toMatch(/at \S+\.(js|ts):\d+/);
    // nothing was stored
    const got = await stack.request('GET', `/v2/accounts/${t.accountId}/broadcast_apps/x`, {
      token: t.token,
    });
    expect(got.status).toBe(404);
  });
});

describe('a busy dialer', () => {
  it('answers a cancel 2xx while it dials a campaign of 1000 callees, every time, and the cancel holds', async () => {
    const w = await world({
      max_concurrent_calls: 500,
      settings: { ring_ms: 50, talk_ms: 1500 },
    });
    const c = await sendGroup(w, numbers(1000));
    expect(c.status).toBe('0');
    // the dialer is busy: hundreds of calls in progress, claims, progress and final writes
    await waitFor(
      () => getB(w.t, c.broadcastId),
      (r) => (r.body.data?.counts?.answered ?? 0) + (r.body.data?.counts?.completed ?? 0) >= 100,
      30000,
    );
    const answers: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await stack.request(
        'POST',
        `/v2/accounts/${w.t.accountId}/broadcasts/${c.broadcastId}/cancel`,
        {
          token: w.t.token,
        },
      );
      answers.push(r.status);
      if (r.status === 200) expect(r.body.data.state).toBe('cancelled');
    }
    // answered, not a 503 after the command timeout (the gateway's 5 s), though the cancel took effect
    expect(answers).toEqual([200, 200, 200, 200, 200]);
    const after = await waitFor(
      () => getB(w.t, c.broadcastId),
      (r) => !r.body.data.counts.dialing && !r.body.data.counts.ringing && !r.body.data.counts.answered,
      60000,
    );
    expect(after.body.data.state).toBe('cancelled');
    const counts = after.body.data.counts as Record<string, number>;
    expect(counts.queued ?? 0).toBe(0);
    expect((counts.completed ?? 0) + (counts.cancelled ?? 0)).toBe(1000);
  });

  it('records every call of 500 that end together as completed: no lost outcome, no lease_expired', async () => {
    const w = await world({
      max_concurrent_calls: 1000,
      settings: { ring_ms: 5, talk_ms: 2000 },
    });
    const c = await sendGroup(w, numbers(500, '49152'));
    expect(c.status).toBe('0');
    const done = await waitFor(
      () => getB(w.t, c.broadcastId),
      (r) => r.body.data?.state === 'completed',
      90000,
      200,
    );
    const reasons = await db.query(
      `SELECT state, reason, count(*)::int AS n FROM dialer.calls WHERE tenant_id = $1 GROUP BY state, reason ORDER BY state`,
      [w.t.accountId],
    );
    expect(reasons.rows).toEqual([{ state: 'completed', reason: null, n: 500 }]);
    expect(done.body.data).toMatchObject({ state: 'completed', counts: { completed: 500 } });
    // each call was dialed once
    const log = await db.query(`SELECT count(*)::int AS n FROM dialer.dial_log WHERE tenant_id = $1`, [
      w.t.accountId,
    ]);
    expect(log.rows[0].n).toBe(500);
  });
});

describe('sip trunks only where the operator allows', () => {
  it('refuses a trunk_uri at a loopback, link-local or private address (400 in the Kazoo shape), and a name that does not exist', async () => {
    const t = await stack.createTenant();
    for (const trunk of [
      'sip:127.0.0.2:51248',
      'sip:127.0.0.1:5060',
      'sip:169.254.169.254:53',
      'sip:10.0.0.1',
      'sip:[::1]:5060',
      'sip:user@192.168.1.20;transport=udp',
      'sip:[::ffff:10.0.0.1]:5060',
      'sip:trunk.invalid',
    ]) {
      const r = await stack.request('PUT', `/v2/accounts/${t.accountId}/broadcast_apps`, {
        token: t.token,
        body: { data: { id: 'x', carrier: 'sip', settings: { trunk_uri: trunk } } },
      });
      expect({ trunk, status: r.status }).toEqual({ trunk, status: 400 });
      expect(r.body).toMatchObject({ status: 'error', error: '400' });
      expect(Object.keys(r.body.data)).toEqual(['settings.trunk_uri']);
    }
    const none = await stack.request('GET', `/v2/accounts/${t.accountId}/broadcast_apps`, { token: t.token });
    expect(none.body.data).toEqual([]);
    // a public address is the operator's everyday trunk
    const ok = await stack.request('PUT', `/v2/accounts/${t.accountId}/broadcast_apps`, {
      token: t.token,
      body: { data: { id: 'x', carrier: 'sip', settings: { trunk_uri: 'sip:203.0.114.10:5060' } } },
    });
    expect(ok.status).toBe(201);
  });
});

describe('sip trunks at send time', () => {
  it('sends no INVITE to a trunk stored before the check (127.0.0.2): the call fails, nothing reaches the address', async () => {
    // an internal service on loopback, where the hostile trunk points
    const internal = createSocket('udp4');
    const got: Buffer[] = [];
    internal.on('message', (m: Buffer) => got.push(m));
    await new Promise<void>((r) => internal.bind(0, '127.0.0.2', () => r()));
    try {
      const w = await world();
      const put = await stack.request('PUT', `/v2/accounts/${w.t.accountId}/broadcast_apps`, {
        token: w.t.token,
        body: {
          data: {
            id: 'legacy',
            carrier: 'sip',
            calls_per_second: 0,
            settings: { trunk_uri: 'sip:203.0.114.10' },
          },
        },
      });
      expect(put.status).toBe(201);
      // as it was stored before trunks were checked
      await db.query(
        `UPDATE dialer.apps SET doc = jsonb_set(doc, '{settings,trunk_uri}', to_jsonb($3::text))
          WHERE tenant_id = $1 AND id = $2`,
        [w.t.accountId, 'legacy', `sip:127.0.0.2:${internal.address().port}`],
      );
      const c = await sendGroup(w, numbers(1), 'legacy');
      expect(c.status).toBe('0');
      const call = await waitFor(
        () => db.query(`SELECT state, reason FROM dialer.calls WHERE tenant_id = $1`, [w.t.accountId]),
        (r) => r.rows[0]?.state === 'failed',
        20000,
      );
      expect(call.rows).toEqual([
        { state: 'failed', reason: 'trunk refused: 127.0.0.2 is a loopback address' },
      ]);
      await new Promise((r) => setTimeout(r, 300));
      expect(got).toHaveLength(0);
    } finally {
      await new Promise<void>((r) => internal.close(() => r()));
    }
  });
});
