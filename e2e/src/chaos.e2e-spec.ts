// The short form of `npm run test:chaos` (issue 25): every app as its own process on a private PostgreSQL,
// a 3-node NATS cluster and an embedded S3 (loopback), under a small deposit load, through a PostgreSQL
// restart and the death of the NATS node leading the event stream. No deposit answered 2xx is lost, none
// is stored twice or stored though refused, none is announced twice or never, no app crashes, and no
// request waits past the bound. A node's death may take a reply with it after the create committed: the
// gateway then resolves the create under its idempotency key (libs/messaging rpc.ts), answering what was
// stored, or 503 with the key abandoned so nothing of it is ever stored (lost-reply.medium-spec.ts makes
// that loss on purpose). Which apps' connections the killed node held is in the table's last column.
// Pausing and killing services mid-deposit are in deadlines.e2e-spec.ts.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChaosEnvironment, chaosTable, ScenarioResult, startChaosEnvironment } from '@voxmail/testing';

jest.setTimeout(600_000);

let env: ChaosEnvironment;
const results: ScenarioResult[] = [];
const LOAD = { depositsPerSecond: 3, durationS: 15, faultAfterS: 3, maxWaitBoundMs: 15_000 };

beforeAll(async () => {
  env = await startChaosEnvironment({ root: join(__dirname, '..', '..'), workDir: tmpdir() });
}, 300_000);

afterAll(async () => {
  if (results.length) process.stdout.write(`${chaosTable(results)}\n`);
  await env?.stop();
});

const expectClean = (r: ScenarioResult) => {
  expect({
    lost: r.lost,
    duplicates: r.duplicateDetails,
    unannounced: r.unannounced,
    crashed: r.crashed,
  }).toEqual({ lost: 0, duplicates: [], unannounced: 0, crashed: [] });
  expect(r.maxWaitMs).toBeLessThanOrEqual(LOAD.maxWaitBoundMs);
  expect(r.recoveryS).not.toBeNull();
  expect(r.answered).toBeGreaterThan(0);
  expect(r.passed).toBe(true);
};

it('a PostgreSQL restart: services stay up, answer 503 meanwhile, recover by themselves; nothing lost or doubled', async () => {
  const r = await env.run('pg-restart', LOAD);
  results.push(r);
  expectClean(r);
  // the outage was seen: some deposits were refused (503), none hung
  expect(r.refused['503'] ?? 0).toBeGreaterThan(0);
});

it('the NATS node leading the event stream killed: nothing lost, nothing stored though refused, writes go on', async () => {
  const r = await env.run('nats-node-kill', LOAD);
  results.push(r);
  expectClean(r);
});
