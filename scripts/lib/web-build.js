// Builds the web app (apps/web) into dist/apps/web: its type check (the browser's own tsconfig, with the
// DOM and JSX), then Vite's production build. Skipped when nothing under apps/web (nor the lock file)
// changed since the last build, so `npm start` and `npm test` pay for it only after a change.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const SRC = path.join(ROOT, 'apps', 'web');
const OUT = path.join(ROOT, 'dist', 'apps', 'web');
const STAMP = path.join(ROOT, 'dist', '.web-build');

function newest(dir) {
  let latest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    latest = Math.max(latest, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return latest;
}

function stale() {
  if (!fs.existsSync(path.join(OUT, 'index.html')) || !fs.existsSync(STAMP)) return true;
  const built = fs.statSync(STAMP).mtimeMs;
  return Math.max(newest(SRC), fs.statSync(path.join(ROOT, 'package-lock.json')).mtimeMs) > built;
}

function node(args, say) {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) say(`web app: ${path.basename(args[0])} failed (exit code ${r.status ?? r.signal})`);
  return r.status === 0;
}

/** Type-checks and builds the web app when it changed; answers false when either failed. */
function buildWeb(say = (l) => process.stdout.write(`${l}\n`), force = false) {
  if (!force && !stale()) return true;
  const started = Date.now();
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  fs.rmSync(STAMP, { force: true });
  const typed = node([tsc, '-p', path.join(SRC, 'tsconfig.json')], say);
  const built = node([vite, 'build', '--config', path.join(SRC, 'vite.config.mjs')], say);
  if (!typed || !built) return false;
  fs.writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  say(`built the web app into dist/apps/web in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

module.exports = { buildWeb, WEB_OUT: OUT };

if (require.main === module) process.exit(buildWeb(undefined, process.argv.includes('--force')) ? 0 : 1);
