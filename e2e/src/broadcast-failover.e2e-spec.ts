// A dialer replica killed with SIGKILL mid-campaign (a real child process): its calls' leases lapse, the
// calls are retried per the app's policy by the replica left, none is lost and no attempt is dialed twice.
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { postSendGroup, uploadPrompt, useDialerStack } from './broadcast.helpers';
import { afterSuite, useDb } from './fixture';

jest.setTimeout(90000);

const stack = useDialerStack({ tickMs: 20, leaseMs: 1000, replicaId: 'in-process' });
const db = useDb(stack);
let child: ChildProcess | undefined;
afterSuite(() => child?.kill('SIGKILL'));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 30000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await sleep(50);
  }
}

it('retries the calls of a replica killed mid-call, dialing no attempt twice', async () => {
  const t = await stack.createTenant();
  const op = await stack.operatorLogin();
  const key = 'failoverKey';
  const secret = 'failoverSecret';
  await uploadPrompt(stack, t, 'p.mp3');
  expect(
    (
      await stack.request('PUT', `/v2/accounts/${t.accountId}/onbuka_keys`, {
        token: op.token,
        body: { data: { api_key: key, api_secret: secret } },
      })
    ).status,
  ).toBe(201);
  const app = (talk: number) =>
    stack.request('PUT', `/v2/accounts/${t.accountId}/broadcast_apps`, {
      token: t.token,
      body: {
        data: {
          id: 'app1',
          calls_per_second: 0,
          max_concurrent_calls: 4,
          retry: { attempts: 2, interval_s: 0, on: ['failed'] },
          settings: { ring_ms: 5, talk_ms: talk },
        },
      },
    });
  expect((await app(60000)).status).toBe(201);

  // only the child dials: the in-process replica stops until the child is dead
  await stack.stopApp('dialer');
  child = spawn(process.execPath, [join(__dirname, '../../dist/apps/broadcast-dialer-service/src/main.js')], {
    env: {
      ...stack.env,
      HEALTH_PORT: '0',
      DIALER_REPLICA_ID: 'child',
      DIALER_LEASE_MS: '1000',
      DIALER_TICK_MS: '20',
      MIGRATIONS_RUN: 'false',
    },
    stdio: 'ignore',
  });
  const callees = Array.from({ length: 8 }, (_, i) => `4915100000${String(i).padStart(3, '0')}`);
  let n = 0;
  // the child answers once it is subscribed; each try signs a new timestamp (no replay)
  const accepted = await waitFor(
    async () => {
      const ts = String(Math.floor(Date.now() / 1000) - n++);
      const res = await postSendGroup(stack, { key, secret }, ts, {
        callee: callees.join(','),
        fileId: 'p.mp3',
        appId: 'app1',
      });
      return (await res.json()) as { status: string; data?: { voiceId: string }[] };
    },
    (r) => r.status === '0',
  );
  expect(accepted.status).toBe('0');

  const held = await waitFor(
    () =>
      db.query(
        `SELECT id FROM dialer.calls WHERE tenant_id = $1 AND state = 'answered' AND lease_owner = 'child'`,
        [t.accountId],
      ),
    (r) => r.rows.length === 4,
  );
  expect(held.rows).toHaveLength(4);
  child.kill('SIGKILL');
  await new Promise((r) => child!.once('exit', r));
  child = undefined;

  // the retries should be quick (no dialer runs now to answer the API, so the row is changed directly);
  // then the replica left takes over
  await db.query(
    `UPDATE dialer.apps SET doc = jsonb_set(doc, '{settings,talk_ms}', '5') WHERE tenant_id = $1`,
    [t.accountId],
  );
  await stack.startApp('dialer');
  const done = await waitFor(
    () => db.query(`SELECT state FROM dialer.broadcasts WHERE tenant_id = $1`, [t.accountId]),
    (r) => r.rows[0]?.state === 'completed',
  );
  expect(done.rows[0].state).toBe('completed');
  const calls = await db.query(
    `SELECT id, state, attempts FROM dialer.calls WHERE tenant_id = $1 ORDER BY seq`,
    [t.accountId],
  );
  expect(calls.rows.map((c) => c.state)).toEqual(Array(8).fill('completed'));
  const killed = new Set(held.rows.map((r) => r.id as string));
  for (const c of calls.rows) expect(c.attempts).toBe(killed.has(c.id) ? 2 : 1);
  const log = await db.query(
    `SELECT call_id, attempt, replica FROM dialer.dial_log WHERE tenant_id = $1 ORDER BY call_id, attempt`,
    [t.accountId],
  );
  expect(log.rows).toHaveLength(12);
  for (const r of log.rows) {
    if (killed.has(r.call_id)) expect(r.replica).toBe(r.attempt === 1 ? 'child' : 'in-process');
    else expect(r).toMatchObject({ attempt: 1, replica: 'in-process' });
  }
});
