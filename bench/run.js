#!/usr/bin/env node
// `npm run bench`: builds, brings up a private stack (own NATS, own database `voxmail_bench`, embedded S3
// unless S3_ENDPOINT), runs every bench/*.bench.js and prints one JSON document: each figure beside the
// floor it is compared with, measured in the same run. `npm run bench -- hotpath` runs one file.
// BENCH_CPU_PROFILE=<dir> also writes a V8 CPU profile of the gateway, mailbox-service, media-storage and
// message-service taken while the benchmarks run (bench/profile-summary.js turns them into tables).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {
  DATA_DIR,
  ensureInstalled,
  ensureBuilt,
  loadSecrets,
  testingLib,
} = require('../scripts/lib/workspace');
const { measure, load, figure } = require('./lib');

// the apps log as deployed (one access line per request at info) unless BENCH_LOG_LEVEL says otherwise
const logLevel = process.env.BENCH_LOG_LEVEL || 'info';
const PROFILED = ['api-gateway', 'mailbox-service', 'message-service', 'media-storage-service'];
const profileDir = process.env.BENCH_CPU_PROFILE && path.resolve(process.env.BENCH_CPU_PROFILE);

const log = (line) => process.stderr.write(`[bench] ${line}\n`);

async function main() {
  const loadAtStart = os.loadavg().map((l) => Math.round(l * 100) / 100);
  ensureInstalled();
  ensureBuilt();
  const { appDefinitions, AppProcess } = require('../scripts/lib/apps');
  const { ensureInfrastructure, createTestDatabase, freePort } = testingLib();
  const { Pool } = require('pg');
  const { Client: Minio } = require('minio');

  const only = process.argv.slice(2);
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js'))
    .filter((f) => !only.length || only.some((o) => f.startsWith(o)))
    .sort((a, b) => (a.startsWith('hotpath') ? -1 : b.startsWith('hotpath') ? 1 : a.localeCompare(b)));

  // the object store runs in a process of its own (as MinIO would), not in this one that drives the load
  const s3Server = process.env.S3_ENDPOINT ? null : await startS3Process(path.join(DATA_DIR, 'bench', 's3'));
  const infra = await ensureInfrastructure({
    dataDir: path.join(DATA_DIR, 'bench'),
    needS3: true,
    needFfmpeg: true,
    needPocketsphinx: true,
    privateNats: true,
    bucket: 'voxmail-bench',
    log,
  });
  const apps = [];
  let pg;
  try {
    const databaseUrl = await createTestDatabase(
      infra.databaseUrl,
      process.env.VOXMAIL_BENCH_DATABASE || 'voxmail_bench', // own name when several share a server
    );
    const secrets = loadSecrets();
    const port = await freePort();
    const defs = appDefinitions({
      infra: { ...infra, databaseUrl },
      secrets,
      env: { ...process.env, PORT: String(port), LOG_LEVEL: logLevel },
    });
    for (const def of defs) {
      if (def.name !== 'api-gateway') {
        def.port = await freePort();
        def.env.HEALTH_PORT = String(def.port);
      }
      def.env.LOG_LEVEL = logLevel;
      // the benchmark measures the request path, not the login rate limiter
      def.env.AUTH_FAILURE_LIMIT = '100000';
      // nor the per-account request rate (fairness.bench.js turns it on for its own runs)
      def.env.RATE_LIMIT_ACCOUNT_RPS = '0';
      def.env.RATE_LIMIT_CREDENTIAL_RPS = '0';
      // events.bench.js delivers webhooks to a receiver in this process
      if (def.name === 'notification-service') def.env.WEBHOOK_ALLOW_PRIVATE_TARGETS = 'loopback';
      if (profileDir && PROFILED.includes(def.name)) {
        def.env.BENCH_CPU_PROFILE = profileDir;
        def.env.BENCH_APP_NAME = def.name;
        def.env.NODE_OPTIONS = `${def.env.NODE_OPTIONS ?? ''} --require ${path.join(__dirname, 'cpu-profile.js')}`;
      }
    }
    const logDir = path.join(DATA_DIR, 'bench', 'logs');
    const spawnApp = (def) =>
      new AppProcess(def, {
        logDir,
        out: process.stderr, // stdout carries only the JSON document
        onUnexpectedExit: (a) => log(`${a.name} exited unexpectedly; see ${a.logFile}`),
      });
    for (const def of defs) apps.push(spawnApp(def));
    /** One more replica of each named app, on ports of its own; `stop()` ends it. */
    const startReplicas = async (names) => {
      const started = [];
      for (const name of names) {
        const base = defs.find((d) => d.name === name);
        const def = { ...base, env: { ...base.env }, name: `${name}-2`, app: name };
        def.port = await freePort();
        def.env[name === 'api-gateway' ? 'PORT' : 'HEALTH_PORT'] = String(def.port);
        if (name === 'api-gateway') def.env.PUBLIC_BASE_URL = `http://127.0.0.1:${def.port}`;
        delete def.env.NODE_OPTIONS; // replicas are not profiled
        const app = spawnApp(def);
        started.push(app);
        await app.waitReady(Date.now() + 60000);
      }
      return started.map((app) => ({
        name: app.name,
        baseUrl: app.name.startsWith('api-gateway') ? `http://127.0.0.1:${app.def.port}` : undefined,
        stop: () => app.stop(15000),
      }));
    };
    /** Stops an app and starts it again with `env` added (restored by calling it again with `{}`). */
    const restartApp = async (name, env) => {
      const i = apps.findIndex((a) => a.name === name);
      if (i < 0) throw new Error(`no app ${name}`);
      const profiling = profileDir && PROFILED.includes(name);
      if (profiling) {
        apps[i].child.kill('SIGUSR2'); // the profile so far is written before the stop
        await new Promise((r) => setTimeout(r, 300));
      }
      await apps[i].stop(15000);
      const base = defs.find((d) => d.name === name);
      const app = spawnApp({ ...base, env: { ...base.env, ...env } });
      apps[i] = app;
      await app.waitReady(Date.now() + 60000);
      if (profiling) app.child.kill('SIGUSR2'); // and the new process is profiled from here
    };
    const deadline = Date.now() + 60000;
    await Promise.all(apps.map((a) => a.waitReady(deadline)));
    const baseUrl = `http://127.0.0.1:${port}`;

    const request = async (method, p, o = {}) => {
      const headers = { ...(o.headers || {}) };
      if (o.token) headers['X-Auth-Token'] = o.token;
      let body = o.raw;
      if (o.body !== undefined) {
        headers['Content-Type'] = headers['Content-Type'] || 'application/json';
        body = JSON.stringify(o.body);
      }
      const res = await fetch(baseUrl + p, { method, headers, body, duplex: o.raw ? 'half' : undefined });
      const text = await res.text();
      let parsed = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        /* binary or text */
      }
      return { status: res.status, body: parsed, headers: res.headers };
    };
    const auth = await request('PUT', '/v2/api_auth', {
      body: { data: { api_key: secrets.VOXMAIL_OPERATOR_API_KEY } },
    });
    if (auth.status !== 201) throw new Error(`operator login failed: ${auth.status}`);
    const operator = { token: auth.body.auth_token, accountId: auth.body.data.account_id };
    let n = 0;
    const createTenant = async () => {
      const name = `bench-${process.pid}-${n++}`;
      const c = await request('PUT', `/v2/accounts/${operator.accountId}`, {
        token: operator.token,
        body: { data: { name } },
      });
      const accountId = c.body.data.id;
      const k = await request('GET', `/v2/accounts/${accountId}/api_key`, { token: operator.token });
      const a = await request('PUT', '/v2/api_auth', { body: { data: { api_key: k.body.data.api_key } } });
      return { accountId, name, apiKey: k.body.data.api_key, token: a.body.auth_token };
    };
    // the floors' pool is sized like each service's own (libs/persistence: 10)
    pg = new Pool({ connectionString: databaseUrl, max: 10 });
    const u = new URL(infra.s3.endpoint);
    const s3 = {
      bucket: infra.s3.bucket,
      client: new Minio({
        endPoint: u.hostname,
        port: Number(u.port) || (u.protocol === 'https:' ? 443 : 80),
        useSSL: u.protocol === 'https:',
        accessKey: infra.s3.accessKey,
        secretKey: infra.s3.secretKey,
        region: infra.s3.region,
        pathStyle: true,
      }),
    };
    const gateway = apps.find((a) => a.name === 'api-gateway');
    const ctx = {
      baseUrl,
      request,
      operator,
      createTenant,
      pg,
      s3,
      gatewayPid: gateway.child.pid,
      measure,
      load,
      figure,
      startReplicas,
      restartApp,
      natsUrl: infra.natsUrl,
      log,
      // issue 26's bare chain and its CPU accounting
      databaseUrl,
      s3Settings: infra.s3,
      gatewayEnv: defs.find((d) => d.name === 'api-gateway').env,
      appPids: () => Object.fromEntries(apps.map((a) => [a.name, a.child.pid])),
      natsPid: readPid(path.join(DATA_DIR, 'bench', `nats-private-${process.pid}.pid`)),
      s3Pid: s3Server?.pid,
    };
    // asked each time: restartApp replaces a process (and profiles the new one)
    const profiled = () => apps.filter((a) => profileDir && PROFILED.includes(a.name));
    const signalProfiled = async () => {
      for (const a of profiled()) a.child.kill('SIGUSR2');
      await new Promise((r) => setTimeout(r, 300));
    };
    await signalProfiled(); // start

    const results = [];
    for (const f of files) {
      const bench = require(path.join(__dirname, f));
      log(`running ${bench.name}`);
      const t0 = Date.now();
      try {
        const figures = await bench.run(ctx);
        results.push({ bench: bench.name, seconds: Math.round((Date.now() - t0) / 100) / 10, figures });
      } catch (e) {
        results.push({ bench: bench.name, error: e.message });
        log(`${bench.name} failed: ${e.stack}`);
      }
    }
    if (profiled().length) {
      await signalProfiled(); // stop and write
      await new Promise((r) => setTimeout(r, 2000));
      log(`CPU profiles in ${profileDir}`);
    }
    const out = {
      machine: {
        cpus: os.cpus().length,
        cpu: os.cpus()[0]?.model,
        memory_gib: Math.round(os.totalmem() / 2 ** 30),
        load_average_at_start: loadAtStart,
        node: process.version,
      },
      at: new Date().toISOString(),
      results,
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return results.some((r) => r.error) ? 1 : 0;
  } finally {
    await pg?.end().catch(() => undefined);
    await Promise.all(apps.map((a) => a.stop(15000)));
    await infra.stop();
    s3Server?.stop();
  }
}

/** Starts bench/s3-server.js and points this process's S3_* settings at it. */
async function startS3Process(dataDir) {
  const { spawn } = require('node:child_process');
  const child = spawn(process.execPath, [path.join(__dirname, 's3-server.js'), dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('the bench S3 server did not start in 30 s')), 30000);
    child.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(buf.slice(0, nl));
      }
    });
    child.on('exit', (code) => reject(new Error(`the bench S3 server exited (${code})`)));
  });
  const s3 = JSON.parse(line);
  process.env.S3_ENDPOINT = s3.endpoint;
  process.env.S3_ACCESS_KEY = s3.accessKey;
  process.env.S3_SECRET_KEY = s3.secretKey;
  log(`S3: embedded S3 server in its own process (pid ${child.pid}) at ${s3.endpoint}`);
  return { pid: child.pid, stop: () => child.kill('SIGTERM') };
}

/** The pid in a pid file, or undefined. */
function readPid(file) {
  try {
    return Number(fs.readFileSync(file, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    log(e.stack || String(e));
    process.exit(1);
  },
);
