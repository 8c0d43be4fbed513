#!/usr/bin/env node
// `npm test`: install and build when needed, bring up PostgreSQL (fresh database voxmail_test), NATS and
// S3, then the type check of the tests, ESLint, Prettier and every Jest project. Ends with one line:
// `N passed, N failed[, N skipped]`. Arguments after `npm test --` go to Jest (e.g.
// `npm test -- --selectProjects mailbox-service`), except `--tier=small|medium|e2e` (what
// `npm run test:small`, `test:medium` and `test:e2e` pass): only the tests of that tier (jest.preset.js).
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, DATA_DIR, say, ensureInstalled, build, testingLib } = require('./lib/workspace');
const { buildWeb } = require('./lib/web-build');

const TEST_DB = process.env.VOXMAIL_TEST_DATABASE || 'voxmail_test';
const TIERS = ['small', 'medium', 'e2e'];
const tierArg = process.argv.slice(2).find((a) => a.startsWith('--tier='));
const TIER = tierArg?.slice('--tier='.length);
const JEST_ARGS = process.argv.slice(2).filter((a) => a !== tierArg);
const TEST_BUCKET = 'voxmail-test';
const RESULTS = path.join(ROOT, 'tmp', 'jest-results.json');
// the same values libs/testing/src/stack.ts falls back to
const TEST_SECRET = 'test-secret-0123456789abcdef0123456789';
const TEST_OPERATOR_KEY = 'test-operator-key-0123456789abcdef';
/** The JS entry of a package's command (from its package.json "bin"), run with this Node. */
function bin(pkg, name = pkg) {
  const dir = path.join(ROOT, 'node_modules', pkg);
  const b = require(path.join(dir, 'package.json')).bin;
  return path.join(dir, typeof b === 'string' ? b : b[name]);
}

const checks = []; // { name, ok }
const totals = { passed: 0, failed: 0, skipped: 0 };

function record(name, ok) {
  checks.push({ name, ok });
  if (ok) totals.passed++;
  else totals.failed++;
  say(`${ok ? 'PASS' : 'FAIL'} ${name}`);
}

function heading(text) {
  say(`\n=== ${text}`);
}

/** Runs a node tool with the terminal's output; resolves to its exit code. */
function runNode(args, env = process.env) {
  return (
    spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], env }).status ?? 1
  );
}

function lint() {
  heading('ESLint');
  // One ESLint over the workspace (about twice as fast as one per project through Nx). The module
  // boundary rule reads Nx's project graph, which `nx show projects` computes and caches first.
  const graph = spawnSync(process.execPath, [bin('nx'), 'show', 'projects'], {
    cwd: ROOT,
    env: { ...process.env, NX_DAEMON: 'false' },
    encoding: 'utf8',
  });
  if (graph.status !== 0) {
    process.stdout.write(graph.stdout + graph.stderr);
    return record('lint (nx project graph)', false);
  }
  record('lint', runNode([bin('eslint'), '--max-warnings=0', '.']) === 0);
}

/** The tests themselves are TypeScript too: @swc/jest only transpiles them, so their types are checked here. */
function typecheckTests() {
  heading('TypeScript (tests: tsc -p tsconfig.spec.json)');
  record('typecheck of the tests', runNode([bin('typescript', 'tsc'), '-p', 'tsconfig.spec.json']) === 0);
}

function format() {
  heading('Prettier');
  record('format (prettier --check)', runNode([bin('prettier'), '--check', '--log-level=warn', '.']) === 0);
}

/** Runs Jest and adds its counts; a suite that cannot run at all counts as one failure. */
async function jest(env) {
  heading('Jest');
  fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
  fs.rmSync(RESULTS, { force: true });
  const args = [
    bin('jest'),
    '--ci',
    '--runInBand',
    '--passWithNoTests',
    '--json',
    `--outputFile=${RESULTS}`,
    ...JEST_ARGS,
  ];
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
  // Jest writes the results, then waits for open handles; do not let a leaked handle hang CI forever.
  const watchdog = setInterval(() => {
    if (!fs.existsSync(RESULTS) || watchdog.killAt) return;
    watchdog.killAt = Date.now() + 30000;
    setTimeout(() => {
      if (child.exitCode === null) {
        say(
          'Jest has not exited 30 s after its results: something in the tests keeps a handle open. Stopping it.',
        );
        child.kill('SIGKILL');
      }
    }, 30000).unref();
  }, 1000);
  const code = await new Promise((resolve) => child.once('exit', (c, s) => resolve(c ?? s)));
  clearInterval(watchdog);

  let r;
  try {
    r = JSON.parse(fs.readFileSync(RESULTS, 'utf8'));
  } catch {
    say(`Jest ended (${code}) without results in ${path.relative(ROOT, RESULTS)}`);
    return record('jest', false);
  }
  totals.passed += r.numPassedTests;
  totals.failed += r.numFailedTests;
  totals.skipped += r.numPendingTests + r.numTodoTests;
  // suites that failed outside any test (an import that throws, a syntax error, an afterAll timeout)
  const broken = r.testResults.filter(
    (s) => s.status === 'failed' && !s.assertionResults.some((a) => a.status === 'failed'),
  );
  for (const s of broken) record(`jest suite ${path.relative(ROOT, s.name)} failed outside its tests`, false);
  if (code !== 0 && r.numFailedTests === 0 && broken.length === 0) record(`jest (exit code ${code})`, false);
  say(
    `Jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped in ${r.numTotalTestSuites} suites`,
  );
}

function finish() {
  const failedChecks = checks.filter((c) => !c.ok).map((c) => c.name);
  if (failedChecks.length) say(`\nfailed checks: ${failedChecks.join('; ')}`);
  const line = `${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`;
  say(line);
  return totals.failed > 0 ? 1 : 0;
}

async function main() {
  const started = Date.now();
  if (TIER !== undefined && !TIERS.includes(TIER)) {
    say(`unknown tier ${TIER}: one of ${TIERS.join(', ')}`);
    record('arguments', false);
    return finish();
  }
  try {
    ensureInstalled();
  } catch (e) {
    say(e.message);
    record('install', false);
    return finish();
  }
  heading('TypeScript (tsc -b)');
  // a type error fails the run, but tsc still emits, so the other checks go on and report too
  record('typecheck (tsc -b)', build());
  heading('web app (tsc -p apps/web, vite build)');
  record('web app build', buildWeb(say));
  if (!fs.existsSync(path.join(ROOT, 'dist', 'libs', 'testing', 'src', 'index.js'))) return finish();

  const { ensureInfrastructure, createTestDatabase } = testingLib();
  heading('infrastructure');
  const explicitNats = Boolean(process.env.NATS_URL);
  // its own data folder, apart from `npm start`'s; the object store starts empty on every run
  const dataDir = path.join(DATA_DIR, 'test');
  fs.rmSync(path.join(dataDir, 's3'), { recursive: true, force: true });
  let infra;
  try {
    infra = await ensureInfrastructure({
      dataDir,
      needS3: true,
      needFfmpeg: true,
      needSipp: true,
      needPocketsphinx: true,
      needChromium: true,
      bucket: TEST_BUCKET,
      // A private NATS unless NATS_URL says otherwise: services started by tests join the same queue
      // groups and durable consumers as a running `npm start`, and would answer each other's commands.
      privateNats: !explicitNats,
      log: (line) => say(`[infra] ${line}`),
    });
  } catch (e) {
    say(`infrastructure could not start: ${e.message}`);
    record('infrastructure', false);
    return finish();
  }

  let stopping = false;
  const stopInfra = async () => {
    if (stopping) return;
    stopping = true;
    await infra.stop();
  };
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      say(`\n${sig}: stopping`);
      void stopInfra().then(() => process.exit(130));
    });
  }

  try {
    const databaseUrl = await createTestDatabase(infra.databaseUrl, TEST_DB);
    say(`[infra] PostgreSQL: fresh database ${TEST_DB}`);
    typecheckTests();
    lint();
    format();
    await jest({
      ...process.env,
      DATABASE_URL: databaseUrl,
      NATS_URL: infra.natsUrl,
      S3_ENDPOINT: infra.s3.endpoint,
      S3_ACCESS_KEY: infra.s3.accessKey,
      S3_SECRET_KEY: infra.s3.secretKey,
      S3_BUCKET: TEST_BUCKET,
      S3_REGION: infra.s3.region,
      VOXMAIL_SECRET: TEST_SECRET,
      VOXMAIL_OPERATOR_API_KEY: TEST_OPERATOR_KEY,
      LOG_LEVEL: 'warn',
      NX_DAEMON: 'false',
      ...(TIER ? { VOXMAIL_TEST_TIER: TIER } : {}),
    });
  } catch (e) {
    say(`npm test stopped: ${e.stack ?? e.message}`);
    record('test run', false);
  } finally {
    await stopInfra();
  }
  say(`\ntook ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return finish();
}

main().then(
  (code) => process.exit(code),
  (e) => {
    say(`npm test failed: ${e.stack ?? e.message}`);
    say('0 passed, 1 failed');
    process.exit(1);
  },
);
