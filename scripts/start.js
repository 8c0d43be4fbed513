#!/usr/bin/env node
// `npm start`: installs and builds when needed, finds or starts PostgreSQL, NATS and an S3 store, then
// runs every app of the service registry until Ctrl-C.
const fs = require('node:fs');
const path = require('node:path');
const {
  ROOT,
  DATA_DIR,
  say,
  ensureInstalled,
  ensureBuilt,
  loadSecrets,
  testingLib,
} = require('./lib/workspace');

const READY_TIMEOUT_MS = Number(process.env.VOXMAIL_READY_TIMEOUT_MS || 60000);
const STOP_GRACE_MS = 15000;

let infra;
let apps = [];
let shuttingDown;

/** Stops the apps (SIGTERM, SIGKILL after the grace time), then what ensureInfrastructure started. */
function shutdown(code, why) {
  if (shuttingDown) return shuttingDown;
  if (why) say(why);
  shuttingDown = (async () => {
    await Promise.all(apps.map((a) => a.stop(STOP_GRACE_MS)));
    if (apps.length) say('apps stopped');
    if (infra) await infra.stop();
    process.exit(code);
  })();
  return shuttingDown;
}

process.on('SIGINT', () => void shutdown(0, '\nstopping Voxmail (Ctrl-C)...'));
process.on('SIGTERM', () => void shutdown(0, 'stopping Voxmail (SIGTERM)...'));
// last resort if this process ends some other way: the apps run in their own process groups
process.on('exit', () => apps.forEach((s) => s.app && !s.app.exited && s.app.kill('SIGKILL')));

async function main() {
  const started = Date.now();
  ensureInstalled();
  ensureBuilt();
  // the web app the gateway serves at /app/ (rebuilt only when apps/web changed)
  if (!require('./lib/web-build').buildWeb(say)) throw new Error('the web app did not build (above)');
  // loaded after install and build: they need node_modules and dist/
  const { appDefinitions, AppProcess, portInUse } = require('./lib/apps');
  const { ensureInfrastructure } = testingLib();

  const logDir = path.join(DATA_DIR, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const secrets = loadSecrets();

  infra = await ensureInfrastructure({
    dataDir: DATA_DIR,
    needS3: true,
    needFfmpeg: true,
    needPocketsphinx: true,
    log: (line) => say(`[infra] ${line}`),
  });
  if (shuttingDown) return;

  const defs = appDefinitions({ infra, secrets });
  const busy = [];
  for (const d of defs) if (await portInUse(d.port)) busy.push(`${d.name} (port ${d.port})`);
  if (busy.length) {
    return shutdown(1, `cannot start: ports in use for ${busy.join(', ')}. Is Voxmail already running?`);
  }

  say(`starting ${defs.map((d) => d.name).join(', ')}; logs in ${path.relative(ROOT, logDir)}/<app>.log`);
  // each app runs under a supervisor: one that dies is shown loudly and restarted with backoff
  // (0.5 s doubling to 30 s, back to 0.5 s once it stayed up a minute); Ctrl-C stops them all
  const { Supervisor } = require('./lib/supervisor');
  apps = defs.map(
    (d) =>
      new Supervisor(
        d.name,
        (onUnexpectedExit) =>
          new AppProcess(d, {
            logDir,
            echoAll: process.env.VOXMAIL_LOG_ECHO === 'all',
            onUnexpectedExit,
          }),
        { say },
      ),
  );

  const deadline = Date.now() + READY_TIMEOUT_MS;
  const results = await Promise.allSettled(apps.map((a) => a.waitReady(deadline)));
  if (shuttingDown) return;
  const failed = apps.filter((_, i) => results[i].status === 'rejected');
  if (failed.length) {
    for (const a of failed) {
      const reason = results[apps.indexOf(a)].reason.message;
      say(`${a.name} is not ready after ${READY_TIMEOUT_MS / 1000} s: ${reason}`);
      const lines = a.app.lastLines(20);
      say(`  last lines of ${path.relative(ROOT, a.app.logFile)}:${lines.length ? '' : ' (none yet)'}`);
      for (const l of lines) say(`    ${l}`);
    }
    return shutdown(1, 'stopping everything');
  }

  const gateway = defs.find((d) => d.name === 'api-gateway');
  const baseUrl = (process.env.PUBLIC_BASE_URL || `http://127.0.0.1:${gateway.port}`).replace(/\/$/, '');
  const key = secrets.VOXMAIL_OPERATOR_API_KEY;
  say('');
  say(`Voxmail is running at ${baseUrl}   (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  say(`  operator API key: ${key}   (from ${secrets.source})`);
  say(
    `  log in:  curl -s -X PUT ${baseUrl}/v2/api_auth -H 'content-type: application/json' -d '{"data":{"api_key":"${key}"}}'`,
  );
  say(`  logs:    ${path.relative(ROOT, logDir)}/<app>.log (warnings and errors also show here)`);
  say('  an app that dies is restarted (with backoff) and its crash shown here; Ctrl-C stops everything.');
}

main().catch((e) => {
  process.stderr.write(`npm start failed: ${e.stack ?? e.message}\n`);
  void shutdown(typeof e.exitCode === 'number' && e.exitCode > 0 ? e.exitCode : 1);
});
