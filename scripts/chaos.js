#!/usr/bin/env node
// `npm run test:chaos [-- scenario ...]`: fault scenarios under a deposit load, on loopback only (a private
// PostgreSQL, a 3-node NATS cluster, an embedded S3, every app as its own process; libs/testing/src/chaos.ts).
// Prints a table per scenario and then the results as JSON; exits 1 when any scenario lost a write, made a
// duplicate effect, let a request wait past its bound, or saw an app crash.
// CHAOS_RATE (deposits/s, default 4) and CHAOS_DURATION_S (default 24) tune the load; bounded either way.
const path = require('node:path');
const os = require('node:os');
const { ROOT, say, ensureInstalled, build } = require('./lib/workspace');

async function main() {
  ensureInstalled();
  if (!build()) say('WARNING: tsc reported errors; running what it emitted');
  const testing = require(path.join(ROOT, 'dist', 'libs', 'testing', 'src', 'index.js'));
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((w) => !testing.SCENARIOS.includes(w));
  if (unknown.length) {
    say(`unknown scenario(s): ${unknown.join(', ')}; known: ${testing.SCENARIOS.join(', ')}`);
    return 2;
  }
  const scenarios = wanted.length ? wanted : testing.SCENARIOS;
  const rate = Math.min(20, Math.max(1, Number(process.env.CHAOS_RATE || 4)));
  const durationS = Math.min(120, Math.max(15, Number(process.env.CHAOS_DURATION_S || 24)));
  const env = await testing.startChaosEnvironment({
    root: ROOT,
    workDir: os.tmpdir(),
    log: (l) => process.stderr.write(`[chaos] ${l}\n`),
  });
  const results = [];
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await env.stop();
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    for (const s of scenarios) {
      process.stderr.write(
        `[chaos] scenario ${s}: ${testing.describeScenario(s)}; ${rate} deposits/s for ${durationS} s\n`,
      );
      const r = await env.run(s, { depositsPerSecond: rate, durationS });
      results.push(r);
      process.stderr.write(`[chaos] ${s}: ${r.passed ? 'PASS' : `FAIL (${r.failures.join('; ')})`}\n`);
    }
  } finally {
    await stop();
  }
  say(testing.chaosTable(results));
  say(JSON.stringify(results, null, 2));
  return results.every((r) => r.passed) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`test:chaos failed: ${e.stack ?? e.message}\n`);
    process.exit(1);
  },
);
