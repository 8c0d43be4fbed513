// Fault scenarios under a deposit load (issue 25): the apps as real processes (dist/apps/*) on a private
// PostgreSQL, a 3-node NATS cluster and an embedded S3, all on loopback; each scenario injects one fault
// (a paused or killed app, a PostgreSQL restart, a NATS node killed) while deposits, folder changes and
// reads run, then counts what the clients were told against what was stored and announced.
// Used by `npm run test:chaos` (scripts/chaos.js) and, in a short form, by e2e/src/chaos.e2e-spec.ts.
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { join } from 'node:path';
import { connect as natsConnect, NatsConnection } from 'nats';
import { Client as PgClient } from 'pg';
import { APPS, EventEnvelope, STREAM_NAME } from '@voxmail/contracts';
import { wavFile } from './audio';
import { startEmbeddedS3 } from './embedded-s3';
import {
  createTestDatabase,
  freePort,
  NatsCluster,
  PrivatePostgres,
  startNatsCluster,
  startPrivatePostgres,
} from './infra';
import { TEST_OPERATOR_KEY, TEST_SECRET } from './stack';

export type ScenarioName =
  'pause-message' | 'kill-media-upload' | 'kill-message-upload' | 'pg-restart' | 'nats-node-kill';

export const SCENARIOS: ScenarioName[] = [
  'pause-message',
  'kill-media-upload',
  'kill-message-upload',
  'pg-restart',
  'nats-node-kill',
];

export interface LoadOptions {
  /** Deposits started per second (each also brings a read and, every other one, a folder change). */
  depositsPerSecond: number;
  /** Seconds of load in all; the fault comes after `faultAfterS`. */
  durationS: number;
  faultAfterS: number;
  /** A wait above this (any request, in ms) fails the scenario. */
  maxWaitBoundMs: number;
  /** A client gives up on a request after this long (then counted as not answered). */
  requestTimeoutMs: number;
}

export const DEFAULT_LOAD: LoadOptions = {
  depositsPerSecond: 4,
  durationS: 24,
  faultAfterS: 4,
  maxWaitBoundMs: 15_000,
  requestTimeoutMs: 75_000,
};

export interface ScenarioResult {
  scenario: ScenarioName;
  /** Deposits sent. */
  tried: number;
  /** Deposits answered 2xx. */
  answered: number;
  /** Deposits answered otherwise: status -> count (`timeout`, `error` when no answer came). */
  refused: Record<string, number>;
  /** Messages of this scenario in the database. */
  stored: number;
  /** Answered 2xx but not stored. */
  lost: number;
  /** Stored twice, stored though not answered 2xx, or announced (message.created) twice. */
  duplicates: number;
  /** Of those: stored though not answered 2xx (a 503, a timeout...). */
  storedThoughRefused: number;
  duplicateDetails: string[];
  /** Stored messages with no message.created on the stream after the settle time. */
  unannounced: number;
  reads: { tried: number; ok: number };
  folderChanges: { tried: number; ok: number };
  /** The longest any request waited for its answer (ms). */
  maxWaitMs: number;
  /** From the end of the fault to the first 2xx deposit sent after it (s); null when none came. */
  recoveryS: number | null;
  /** Apps that exited by themselves during the scenario. */
  crashed: string[];
  /** What the fault hit (nats-node-kill: the node, and the app connections it held). */
  hit?: string;
  passed: boolean;
  failures: string[];
}

interface App {
  name: string;
  key: string;
  port: number;
  env: Record<string, string>;
  child?: ChildProcess;
  expectedExit: boolean;
  crashes: number;
}

export interface ChaosEnvironment {
  baseUrl: string;
  run(name: ScenarioName, load?: Partial<LoadOptions>): Promise<ScenarioResult>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Brings up the private infrastructure and every app of the registry as a child process
 * (`<root>/dist/apps/<name>/src/main.js`, so build first), ready to run scenarios.
 */
export async function startChaosEnvironment(o: {
  root: string;
  workDir: string;
  log?: (line: string) => void;
}): Promise<ChaosEnvironment> {
  const log = o.log ?? (() => undefined);
  const workDir = join(o.workDir, `chaos-${process.pid}-${randomBytes(3).toString('hex')}`);
  mkdirSync(join(workDir, 'logs'), { recursive: true });
  const stoppers: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const s of stoppers.splice(0).reverse()) await s().catch(() => undefined);
  };
  try {
    log('starting a private PostgreSQL, a 3-node NATS cluster and an embedded S3 (loopback)');
    const [pg, cluster] = await Promise.all([
      startPrivatePostgres(workDir, log),
      startNatsCluster(workDir, 3, log),
    ]);
    stoppers.push(
      () => pg.stop(),
      () => cluster.stop(),
    );
    const s3Creds = {
      accessKey: 'CHAOS' + randomBytes(6).toString('hex').toUpperCase(),
      secretKey: randomBytes(24).toString('base64url'),
    };
    const s3 = await startEmbeddedS3({
      dataDir: join(workDir, 's3'),
      port: 0,
      host: '127.0.0.1',
      ...s3Creds,
    });
    stoppers.push(() => s3.stop());
    const databaseUrl = await createTestDatabase(pg.url, 'voxmail_chaos');

    const base: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      DATABASE_URL: databaseUrl,
      NATS_URL: cluster.url,
      NATS_STREAM_REPLICAS: '3',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
    };
    const secrets: Record<string, string> = {
      VOXMAIL_SECRET: TEST_SECRET,
      VOXMAIL_OPERATOR_API_KEY: TEST_OPERATOR_KEY,
    };
    const apps: App[] = [];
    for (const a of APPS) {
      const port = await freePort();
      const env: Record<string, string> = { ...base };
      for (const k of a.secrets) env[k] = secrets[k];
      if (a.objectStore)
        Object.assign(env, {
          S3_ENDPOINT: s3.endpoint,
          S3_ACCESS_KEY: s3.accessKey,
          S3_SECRET_KEY: s3.secretKey,
          S3_BUCKET: 'voxmail-chaos',
          S3_REGION: 'us-east-1',
        });
      env[a.kind === 'gateway' ? 'PORT' : 'HEALTH_PORT'] = String(port);
      apps.push({ name: a.name, key: a.key, port, env, expectedExit: false, crashes: 0 });
    }
    const startApp = (app: App) => {
      const out = openSync(join(workDir, 'logs', `${app.name}.log`), 'a');
      const child = spawn(process.execPath, [join(o.root, 'dist', 'apps', app.name, 'src', 'main.js')], {
        cwd: o.root,
        env: app.env,
        stdio: ['ignore', out, out],
        detached: true,
      });
      closeSync(out);
      app.child = child;
      app.expectedExit = false;
      child.once('exit', (code, signal) => {
        if (!app.expectedExit) {
          app.crashes++;
          log(`!! ${app.name} exited by itself (${code ?? signal})`);
        }
      });
    };
    const waitReady = async (app: App, timeoutMs = 90_000) => {
      const end = Date.now() + timeoutMs;
      for (;;) {
        if (app.child && app.child.exitCode !== null)
          throw new Error(
            `${app.name} exited while starting; see ${join(workDir, 'logs', `${app.name}.log`)}`,
          );
        try {
          const r = await fetch(`http://127.0.0.1:${app.port}/health/ready`, {
            signal: AbortSignal.timeout(2000),
          });
          if (r.status === 200) return;
        } catch {
          /* not yet */
        }
        if (Date.now() > end) throw new Error(`${app.name} not ready within ${timeoutMs} ms`);
        await sleep(300);
      }
    };
    const killApp = async (app: App, signal: NodeJS.Signals) => {
      const c = app.child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      app.expectedExit = true;
      const gone = new Promise<void>((r) => c.once('exit', () => r()));
      try {
        process.kill(-c.pid!, signal);
      } catch {
        c.kill(signal);
      }
      await gone;
    };
    stoppers.push(async () => {
      await Promise.all(
        apps.map(async (a) => {
          if (!a.child || a.child.exitCode !== null || a.child.signalCode !== null) return;
          a.expectedExit = true;
          try {
            process.kill(-a.child.pid!, 'SIGCONT');
          } catch {
            /* gone */
          }
          const timer = setTimeout(() => killApp(a, 'SIGKILL'), 15_000);
          await killApp(a, 'SIGTERM');
          clearTimeout(timer);
        }),
      );
    });
    // services first (one at a time: migrations), then the gateway
    for (const app of apps.filter((a) => a.key !== 'gateway')) {
      startApp(app);
      await waitReady(app);
    }
    const gateway = apps.find((a) => a.key === 'gateway')!;
    startApp(gateway);
    await waitReady(gateway);
    const baseUrl = `http://127.0.0.1:${gateway.port}`;
    log(`apps ready; gateway at ${baseUrl}; logs in ${join(workDir, 'logs')}`);

    const ctx: Ctx = { baseUrl, pg, cluster, apps, databaseUrl, startApp, waitReady, killApp, log };
    return {
      baseUrl,
      run: (name, load) => runScenario(ctx, name, { ...DEFAULT_LOAD, ...load }),
      stop: async () => {
        await stopAll();
        // CHAOS_KEEP=1 keeps the apps' logs (and the stores) for a look afterwards
        if (process.env.CHAOS_KEEP === '1') log(`kept ${workDir}`);
        else rmSync(workDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

interface Ctx {
  baseUrl: string;
  pg: PrivatePostgres;
  cluster: NatsCluster;
  apps: App[];
  databaseUrl: string;
  startApp(app: App): void;
  waitReady(app: App, timeoutMs?: number): Promise<void>;
  killApp(app: App, signal: NodeJS.Signals): Promise<void>;
  log(line: string): void;
}

// ---------------------------------------------------------------------------------------------------
// HTTP

interface Answer {
  status: number | 'timeout' | 'error';
  body: string;
  ms: number;
}

/** One request; `chunks` are written `gapMs` apart (a slow upload). Never throws. */
function send(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  chunks: Buffer[],
  timeoutMs: number,
  gapMs = 0,
): Promise<Answer> {
  const started = Date.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (status: Answer['status'], body = '') => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ status, body, ms: Date.now() - started });
    };
    const u = new URL(path, base);
    const length = chunks.reduce((n, c) => n + c.length, 0);
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        method,
        path: u.pathname + u.search,
        headers: { ...headers, 'content-length': String(length), connection: 'close' },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => finish(res.statusCode ?? 0, Buffer.concat(parts).toString('utf8')));
        res.on('error', () => finish(res.statusCode ?? 'error'));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish('timeout');
    }, timeoutMs);
    req.on('error', () => finish('error'));
    void (async () => {
      for (const c of chunks) {
        if (done) return;
        req.write(c);
        if (gapMs) await sleep(gapMs);
      }
      req.end();
    })();
  });
}

async function json(base: string, method: string, path: string, token: string | undefined, body?: unknown) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers['x-auth-token'] = token;
  const a = await send(
    base,
    method,
    path,
    headers,
    body === undefined ? [] : [Buffer.from(JSON.stringify(body))],
    30_000,
  );
  let parsed: any;
  try {
    parsed = JSON.parse(a.body);
  } catch {
    parsed = undefined;
  }
  return { ...a, json: parsed };
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await fn().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`${what} not within ${timeoutMs} ms`);
    await sleep(500);
  }
}

/** A tenant and a box of its own for one scenario (retried: the system may still be healing). */
async function tenantAndBox(base: string): Promise<{ accountId: string; token: string; box: string }> {
  let out: { accountId: string; token: string; box: string } | undefined;
  await until(
    'a tenant and a box',
    async () => {
      const op = await json(base, 'PUT', '/v2/api_auth', undefined, { data: { api_key: TEST_OPERATOR_KEY } });
      if (op.status !== 201) return false;
      const created = await json(base, 'PUT', `/v2/accounts/${op.json.data.account_id}`, op.json.auth_token, {
        data: { name: `chaos-${randomBytes(4).toString('hex')}` },
      });
      if (created.status !== 201) return false;
      const accountId: string = created.json.data.id;
      const key = await json(base, 'GET', `/v2/accounts/${accountId}/api_key`, op.json.auth_token);
      const auth = await json(base, 'PUT', '/v2/api_auth', undefined, {
        data: { api_key: key.json.data.api_key },
      });
      if (auth.status !== 201) return false;
      const token: string = auth.json.auth_token;
      const box = await json(base, 'PUT', `/v2/accounts/${accountId}/vmboxes`, token, {
        data: { name: 'chaos box', mailbox: String(100000 + Math.floor(Math.random() * 800000)) },
      });
      if (box.status !== 201) return false;
      out = { accountId, token, box: box.json.data.id };
      return true;
    },
    120_000,
  );
  return out!;
}

// ---------------------------------------------------------------------------------------------------
// scenarios

interface Deposit {
  marker: string;
  startedAt: number;
  answer?: Answer;
}

const FAULTS: Record<ScenarioName, { multipart: boolean; describe: string }> = {
  'pause-message': { multipart: false, describe: 'SIGSTOP message-service for 10 s, then SIGCONT' },
  'kill-media-upload': {
    multipart: true,
    describe: 'SIGKILL media-storage-service during multipart uploads, restarted 1 s later',
  },
  'kill-message-upload': {
    multipart: true,
    describe: 'SIGKILL message-service during multipart uploads, restarted 1 s later',
  },
  'pg-restart': {
    multipart: false,
    describe: 'PostgreSQL stopped (sessions terminated) for 5 s, then started',
  },
  'nats-node-kill': {
    multipart: false,
    describe: 'SIGKILL the NATS node leading VOXMAIL_EVENTS (left down until the end)',
  },
};

export function describeScenario(name: ScenarioName): string {
  return FAULTS[name].describe;
}

async function runScenario(ctx: Ctx, name: ScenarioName, load: LoadOptions): Promise<ScenarioResult> {
  const app = (key: string) => ctx.apps.find((a) => a.key === key)!;
  const crashesBefore = new Map(ctx.apps.map((a) => [a.name, a.crashes]));
  const t = await tenantAndBox(ctx.baseUrl);
  const tag = `chaos-${name}-${randomBytes(3).toString('hex')}`;
  const messagesPath = `/v2/accounts/${t.accountId}/vmboxes/${t.box}/messages`;
  const audio = wavFile(1);
  const deposits: Deposit[] = [];
  const reads = { tried: 0, ok: 0 };
  const folderChanges = { tried: 0, ok: 0 };
  const waits: number[] = [];
  const storedIds: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  const deposit = (n: number) => {
    const marker = `${tag}-${n}`;
    const d: Deposit = { marker, startedAt: Date.now() };
    deposits.push(d);
    const data = { caller_id_name: marker, caller_id_number: '+15550100000' };
    let p: Promise<Answer>;
    if (FAULTS[name].multipart) {
      const boundary = `chaos${randomBytes(8).toString('hex')}`;
      const head = Buffer.from(
        `--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify({ data })}\r\n--${boundary}\r\nContent-Type: audio/wav\r\n\r\n`,
      );
      const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
      // the audio in 8 pieces 120 ms apart: each upload is in flight for about a second
      const pieces = Array.from({ length: 8 }, (_, i) =>
        audio.subarray((i * audio.length) / 8, ((i + 1) * audio.length) / 8),
      );
      p = send(
        ctx.baseUrl,
        'PUT',
        messagesPath,
        { 'x-auth-token': t.token, 'content-type': `multipart/mixed; boundary=${boundary}` },
        [head, ...pieces, tail],
        load.requestTimeoutMs,
        120,
      );
    } else {
      p = send(
        ctx.baseUrl,
        'PUT',
        messagesPath,
        { 'x-auth-token': t.token, 'content-type': 'application/json' },
        [Buffer.from(JSON.stringify({ data }))],
        load.requestTimeoutMs,
      );
    }
    track(
      p.then((a) => {
        d.answer = a;
        waits.push(a.ms);
        if (typeof a.status === 'number' && a.status >= 200 && a.status < 300) {
          try {
            const doc = JSON.parse(a.body).data;
            storedIds.push(doc.media_id ?? doc.id);
          } catch {
            /* no id in the body */
          }
        }
      }),
    );
  };
  const read = () => {
    reads.tried++;
    track(
      send(
        ctx.baseUrl,
        'GET',
        `${messagesPath}?page_size=20`,
        { 'x-auth-token': t.token },
        [],
        load.requestTimeoutMs,
      ).then((a) => {
        waits.push(a.ms);
        if (a.status === 200) reads.ok++;
      }),
    );
  };
  const changeFolder = () => {
    const id = storedIds[Math.floor(Math.random() * storedIds.length)];
    if (!id) return;
    folderChanges.tried++;
    track(
      send(
        ctx.baseUrl,
        'POST',
        `${messagesPath}/${id}`,
        { 'x-auth-token': t.token, 'content-type': 'application/json' },
        [Buffer.from(JSON.stringify({ data: { folder: Math.random() < 0.5 ? 'saved' : 'new' } }))],
        load.requestTimeoutMs,
      ).then((a) => {
        waits.push(a.ms);
        if (a.status === 200) folderChanges.ok++;
      }),
    );
  };

  // the fault, on its own timeline
  let faultEndedAt = 0;
  let hit: string | undefined;
  const fault = (async () => {
    await sleep(load.faultAfterS * 1000);
    ctx.log(`[${name}] fault: ${FAULTS[name].describe}`);
    switch (name) {
      case 'pause-message': {
        const m = app('message');
        process.kill(-m.child!.pid!, 'SIGSTOP');
        await sleep(10_000);
        process.kill(-m.child!.pid!, 'SIGCONT');
        faultEndedAt = Date.now();
        break;
      }
      case 'kill-media-upload':
      case 'kill-message-upload': {
        const a = app(name === 'kill-media-upload' ? 'media' : 'message');
        await ctx.killApp(a, 'SIGKILL');
        await sleep(1000);
        ctx.startApp(a);
        faultEndedAt = Date.now();
        await ctx.waitReady(a).catch((e: Error) => ctx.log(`[${name}] ${e.message}`));
        break;
      }
      case 'pg-restart': {
        await ctx.pg.stopServer('fast');
        await sleep(5000);
        await ctx.pg.startServer();
        faultEndedAt = Date.now();
        break;
      }
      case 'nats-node-kill': {
        const leader = await streamLeader(ctx.cluster);
        const i = Math.max(0, ctx.cluster.names.indexOf(leader ?? ''));
        // whose connections die with it: a reply on its way through it is lost
        const held = await ctx.cluster.clientsOf(i).catch(() => [] as string[]);
        const apps = [...new Set(held.filter((n) => n && !n.startsWith('chaos')))].sort();
        hit = `${ctx.cluster.names[i]}: ${apps.join(' ') || 'no app connection'}`;
        ctx.log(
          `[${name}] killing ${ctx.cluster.names[i]} (stream leader: ${leader ?? 'unknown'}; holds ${apps.join(', ') || 'no app connection'})`,
        );
        await ctx.cluster.kill(i);
        faultEndedAt = Date.now();
        break;
      }
    }
  })();

  // the load: deposits at the given rate, a read with each, a folder change with every other one
  const started = Date.now();
  const interval = 1000 / load.depositsPerSecond;
  for (let n = 0; Date.now() - started < load.durationS * 1000; n++) {
    deposit(n);
    read();
    if (n % 2 === 1) changeFolder();
    const next = started + (n + 1) * interval;
    await sleep(Math.max(0, next - Date.now()));
  }
  await fault;
  while (inFlight.size) await Promise.race(inFlight);

  // heal what is still broken, so the counts below read a whole system
  for (const a of ctx.apps) {
    if (a.child && (a.child.exitCode !== null || a.child.signalCode !== null)) {
      ctx.log(`[${name}] restarting ${a.name}`);
      ctx.startApp(a);
    }
  }
  for (const a of ctx.apps) await ctx.waitReady(a).catch((e: Error) => ctx.log(`[${name}] ${e.message}`));

  // what was stored and announced (waiting for the outbox to drain and the stream to have it all)
  const db = new PgClient({
    connectionString: ctx.databaseUrl,
    connectionTimeoutMillis: 5000,
    query_timeout: 15_000,
  });
  db.on('error', () => undefined); // a lost connection fails its query; it must not end the process
  await until('the database', async () => await db.connect().then(() => true), 30_000);
  let stored = new Map<string, string[]>();
  let announced = new Map<string, number>();
  let streamRead = false;
  const nc = await natsConnect({
    servers: ctx.cluster.urls.filter((_, i) => ctx.cluster.isUp(i)),
    timeout: 10_000,
  });
  try {
    const settleEnd = Date.now() + 45_000;
    // a stream that could not be read at all is given longer (a read waits up to ANNOUNCED_READ_MS)
    const readEnd = Date.now() + 100_000;
    for (;;) {
      stored = await storedByMarker(db, t.accountId, tag);
      const ids = [...stored.values()].flat();
      const [{ n }] = (
        await db.query(`SELECT count(*)::int AS n FROM message.outbox WHERE published_at IS NULL`)
      ).rows;
      // right after a node died the cluster may not answer at once: a failed read is tried again
      announced = await announcedCreations(nc, t.accountId).then(
        (a) => ((streamRead = true), a),
        (e: Error) => {
          ctx.log(`[${name}] reading the stream: ${e.message}; trying again`);
          return announced;
        },
      );
      if (n === 0 && ids.every((id) => announced.has(id))) break;
      if (Date.now() > (streamRead ? settleEnd : readEnd)) break;
      await sleep(1000);
    }
  } finally {
    await withDeadline('closing the database client', db.end(), 5000).catch(() => undefined);
    await withDeadline('closing the connection', nc.close(), 5000).catch(() => undefined);
  }
  if (name === 'nats-node-kill') {
    const down = ctx.cluster.names.findIndex((_, i) => !ctx.cluster.isUp(i));
    if (down >= 0) await ctx.cluster.start(down);
  }

  // the counts
  const is2xx = (d: Deposit) =>
    typeof d.answer?.status === 'number' && d.answer.status >= 200 && d.answer.status < 300;
  const refused: Record<string, number> = {};
  const duplicateDetails: string[] = [];
  let lost = 0;
  let storedThoughRefused = 0;
  for (const d of deposits) {
    const copies = stored.get(d.marker) ?? [];
    if (!is2xx(d))
      refused[String(d.answer?.status ?? 'none')] = (refused[String(d.answer?.status ?? 'none')] ?? 0) + 1;
    if (is2xx(d) && copies.length === 0) lost++;
    if (copies.length > 1) duplicateDetails.push(`${d.marker} stored ${copies.length} times`);
    else if (copies.length === 1 && !is2xx(d)) {
      storedThoughRefused++;
      duplicateDetails.push(`${d.marker} stored though answered ${d.answer?.status ?? 'nothing'}`);
    }
  }
  const allIds = [...stored.values()].flat();
  for (const id of allIds) {
    const times = announced.get(id) ?? 0;
    if (times > 1) duplicateDetails.push(`${id} announced ${times} times`);
  }
  const unannounced = allIds.filter((id) => !announced.has(id)).length;
  const firstOkAfter = deposits
    .filter((d) => faultEndedAt && d.startedAt >= faultEndedAt && is2xx(d))
    .map((d) => d.startedAt + d.answer!.ms)
    .sort((a, b) => a - b)[0];
  const crashed = ctx.apps.filter((a) => a.crashes > (crashesBefore.get(a.name) ?? 0)).map((a) => a.name);
  const result: ScenarioResult = {
    scenario: name,
    tried: deposits.length,
    answered: deposits.filter(is2xx).length,
    refused,
    stored: allIds.length,
    lost,
    duplicates: duplicateDetails.length,
    storedThoughRefused,
    duplicateDetails: duplicateDetails.slice(0, 20),
    unannounced,
    reads,
    folderChanges,
    maxWaitMs: waits.length ? Math.max(...waits) : 0,
    recoveryS: firstOkAfter ? Math.round((firstOkAfter - faultEndedAt) / 100) / 10 : null,
    crashed,
    ...(hit ? { hit } : {}),
    passed: true,
    failures: [],
  };
  if (result.lost > 0) result.failures.push(`${result.lost} answered 2xx but not stored`);
  if (result.duplicates > 0) result.failures.push(`${result.duplicates} duplicate effects`);
  if (!streamRead) result.failures.push('the event stream could not be read (announcements not checked)');
  else if (result.unannounced > 0) result.failures.push(`${result.unannounced} stored but never announced`);
  if (result.maxWaitMs > load.maxWaitBoundMs)
    result.failures.push(`a request waited ${result.maxWaitMs} ms (bound ${load.maxWaitBoundMs} ms)`);
  if (result.crashed.length) result.failures.push(`crashed: ${result.crashed.join(', ')}`);
  if (result.recoveryS === null) result.failures.push('no deposit succeeded after the fault ended');
  result.passed = result.failures.length === 0;
  return result;
}

async function storedByMarker(db: PgClient, tenantId: string, tag: string): Promise<Map<string, string[]>> {
  const { rows } = await db.query<{ marker: string; id: string }>(
    `SELECT doc->>'caller_id_name' AS marker, id FROM message.messages
      WHERE tenant_id = $1 AND doc->>'caller_id_name' LIKE $2`,
    [tenantId, `${tag}-%`],
  );
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.marker, [...(out.get(r.marker) ?? []), r.id]);
  return out;
}

/** message.created events of the tenant on the stream: message id -> how many times. */
/** How long one read of the stream's announcements may take in all (a node may have died under it). */
const ANNOUNCED_READ_MS = 20_000;

/** `p`, or an error naming `what` once `ms` passed (the work behind `p` is left to end on its own). */
async function withDeadline<T>(what: string, p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} not within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The tenant's `message.created` announcements in the stream, by message id, read with an ordered
 * consumer. The whole read has a deadline: a fetch served by a node that died meanwhile may never end
 * (no heartbeat reaches it), so the batch is stopped and the read fails (the caller tries again).
 */
async function announcedCreations(nc: NatsConnection, tenantId: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const end = Date.now() + ANNOUNCED_READ_MS;
  const left = () => Math.max(1, end - Date.now());
  const consumer = await withDeadline(
    'the ordered consumer',
    nc.jetstream({ timeout: 15_000 }).consumers.get(STREAM_NAME, {
      filterSubjects: `voxmail.evt.${tenantId}.message.created`,
    }),
    left(),
  );
  try {
    for (;;) {
      const batch = await withDeadline(
        'a fetch',
        consumer.fetch({ max_messages: 500, expires: 1500 }),
        left(),
      );
      const read = (async () => {
        let got = 0;
        for await (const m of batch) {
          got++;
          const e = m.json<EventEnvelope>();
          if (e.legacyOf) continue;
          out.set(e.aggregateId, (out.get(e.aggregateId) ?? 0) + 1);
        }
        return got;
      })();
      let got: number;
      try {
        got = await withDeadline('reading the announcements', read, left());
      } catch (e) {
        batch.stop();
        read.catch(() => undefined);
        throw e;
      }
      if (got === 0) break;
    }
  } finally {
    await withDeadline('deleting the ordered consumer', consumer.delete(), 5000).catch(() => undefined);
  }
  return out;
}

async function streamLeader(cluster: NatsCluster): Promise<string | undefined> {
  const nc = await natsConnect({ servers: cluster.urls, timeout: 3000 });
  try {
    return (await (await nc.jetstreamManager({ timeout: 5000 })).streams.info(STREAM_NAME)).cluster?.leader;
  } finally {
    await withDeadline('closing the connection', nc.close(), 5000).catch(() => undefined);
  }
}

/** One line per scenario, aligned: what `npm run test:chaos` prints before the JSON. */
export function chaosTable(results: ScenarioResult[]): string {
  const head = [
    'scenario',
    'tried',
    'answered',
    'refused',
    'stored',
    'lost',
    'dup',
    'stored refused',
    'unannounced',
    'max wait s',
    'recovery s',
    'crashed',
    'result',
    'fault hit',
  ];
  const rows = results.map((r) => [
    r.scenario,
    String(r.tried),
    String(r.answered),
    Object.entries(r.refused)
      .map(([k, n]) => `${n}×${k}`)
      .join(' ') || '0',
    String(r.stored),
    String(r.lost),
    String(r.duplicates),
    String(r.storedThoughRefused),
    String(r.unannounced),
    (r.maxWaitMs / 1000).toFixed(1),
    r.recoveryS === null ? '-' : r.recoveryS.toFixed(1),
    r.crashed.join(',') || '-',
    r.passed ? 'PASS' : `FAIL: ${r.failures.join('; ')}`,
    r.hit ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}
