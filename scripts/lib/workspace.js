// What start, test and migrate share: the repo's paths, installing, building, secrets and small helpers.
const { spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const DATA_DIR = process.env.VOXMAIL_DATA_DIR
  ? path.resolve(process.env.VOXMAIL_DATA_DIR)
  : path.join(ROOT, '.voxmail-data');

function say(line) {
  process.stdout.write(`${line}\n`);
}

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Runs a command in the repo with the terminal's output; throws when it fails. */
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.error) throw new Error(`${cmd} could not start: ${r.error.message}`);
  if (r.status !== 0) {
    const err = new Error(`${cmd} ${args.join(' ')} failed (exit code ${r.status ?? r.signal})`);
    err.exitCode = r.status ?? 1;
    throw err;
  }
}

/**
 * Installs dependencies when node_modules is missing (npm ci: exactly the lock file, which it leaves
 * untouched) or when package-lock.json changed since the last install (npm install).
 */
function ensureInstalled() {
  const lock = path.join(ROOT, 'package-lock.json');
  const marker = path.join(ROOT, 'node_modules', '.package-lock.json');
  const installed = mtime(marker);
  if (installed !== undefined && (mtime(lock) ?? 0) <= installed) return;
  const fresh = !fs.existsSync(path.join(ROOT, 'node_modules'));
  const flags = ['--no-audit', '--no-fund'];
  if (fresh && fs.existsSync(lock)) {
    say('installing dependencies (npm ci)...');
    try {
      run('npm', ['ci', ...flags]);
    } catch {
      say('WARNING: npm ci failed (is package-lock.json out of date with package.json?); trying npm install');
      run('npm', ['install', ...flags]);
    }
  } else {
    say('installing dependencies (npm install)...');
    run('npm', ['install', ...flags]);
  }
  // npm leaves the marker alone when nothing changed; mark this lock file as installed
  const now = new Date();
  if (fs.existsSync(marker) && (mtime(marker) ?? 0) < (mtime(lock) ?? 0)) fs.utimesSync(marker, now, now);
}

/**
 * Compiles apps and libs into dist/ and reports whether TypeScript found errors (it still emits then).
 * tsc -b is incremental: about a second when nothing changed, so it always runs rather than guessing
 * from timestamps.
 */
function build() {
  const started = Date.now();
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.build.json'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const ms = Date.now() - started;
  if (ms > 3000) say(`built dist/ in ${(ms / 1000).toFixed(1)} s`);
  return r.status === 0;
}

/** build(), refusing to go on with TypeScript errors. */
function ensureBuilt() {
  if (!build()) throw new Error('TypeScript errors (above): fix them first');
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Writes a file only its owner can read. */
function writePrivate(file, content) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

/**
 * VOXMAIL_SECRET and VOXMAIL_OPERATOR_API_KEY from the environment, else generated once into
 * .voxmail-data/secrets.json and reused, so tokens and the operator key survive a restart.
 */
function loadSecrets() {
  const file = path.join(DATA_DIR, 'secrets.json');
  const stored = readJson(file) ?? {};
  const secrets = {
    VOXMAIL_SECRET: process.env.VOXMAIL_SECRET || stored.VOXMAIL_SECRET,
    VOXMAIL_OPERATOR_API_KEY: process.env.VOXMAIL_OPERATOR_API_KEY || stored.VOXMAIL_OPERATOR_API_KEY,
  };
  let changed = false;
  if (!secrets.VOXMAIL_SECRET) {
    secrets.VOXMAIL_SECRET = randomBytes(32).toString('base64url');
    changed = true;
  }
  if (!secrets.VOXMAIL_OPERATOR_API_KEY) {
    secrets.VOXMAIL_OPERATOR_API_KEY = `vxop_${randomBytes(24).toString('base64url')}`;
    changed = true;
  }
  if (changed) {
    const toStore = { ...stored };
    if (!process.env.VOXMAIL_SECRET) toStore.VOXMAIL_SECRET = secrets.VOXMAIL_SECRET;
    if (!process.env.VOXMAIL_OPERATOR_API_KEY)
      toStore.VOXMAIL_OPERATOR_API_KEY = secrets.VOXMAIL_OPERATOR_API_KEY;
    writePrivate(file, JSON.stringify(toStore, null, 2) + '\n');
  }
  const fromEnv = process.env.VOXMAIL_SECRET && process.env.VOXMAIL_OPERATOR_API_KEY;
  return { ...secrets, source: fromEnv ? 'the environment' : path.relative(ROOT, file) };
}

/** The compiled @voxmail/testing (infrastructure helpers); needs ensureInstalled() and ensureBuilt() first. */
function testingLib() {
  return require('@voxmail/testing');
}

module.exports = {
  ROOT,
  DATA_DIR,
  say,
  run,
  ensureInstalled,
  build,
  ensureBuilt,
  loadSecrets,
  writePrivate,
  readJson,
  testingLib,
};
