// The short form of `npm run test:chaos` (issue 25): every app as its own process on a private PostgreSQL,
// a 3-node NATS cluster and an embedded S3 (loopback), under a small deposit load, through a PostgreSQL
// restart. No deposit answered 2xx is lost, none is stored twice or stored though refused, none is
// announced twice or never, no app crashes, and no request waits past the bound. The death of a NATS node
// runs in `npm run test:chaos` and in libs/messaging's nats-cluster medium test (the stream leader killed
// under events). Its hang is mended (every settle wait has a deadline), but in the integrated tree it
// found one deposit of about seventy stored though answered 503 (the reply lost with the killed node,
// after the commit): it stays out of `npm test` until that is mended. Pausing and killing services
// mid-deposit are in deadlines.e2e-spec.ts.
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
