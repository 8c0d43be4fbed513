// Finds or starts what Voxmail runs on (PostgreSQL, NATS with JetStream, an S3 store) for `npm start`,
// `npm test` and CI: the servers named by the environment when they answer, local ones otherwise.
import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join } from 'node:path';
import { connect as natsConnect } from 'nats';
import { Client as PgClient } from 'pg';
import { startEmbeddedS3 } from './embedded-s3';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

export interface S3Settings {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region: string;
}

export interface InfrastructureOptions {
  /** Where local servers keep their data and logs (e.g. `.voxmail-data`). */
  dataDir: string;
  needS3: boolean;
  log: (line: string) => void;
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Overrides S3_BUCKET. */
  bucket?: string;
  /**
   * Start a private nats-server with an empty JetStream store instead of using NATS_URL, so what runs
   * here shares no queue group, stream or durable consumer with anything else on the machine. Falls
   * back to NATS_URL when nats-server cannot be had.
   */
  privateNats?: boolean;
  /**
   * Make sure `ffmpeg` (audio transcoding) is on PATH, installing Debian's package when missing and
   * running as root. Without it only transcoding is unavailable, so a failed install is a warning.
   */
  needFfmpeg?: boolean;
  /**
   * Make sure `sipp` (SIPp, the SIP trunk the dialer's sip carrier tests call) is on PATH, installing
   * Debian's package sip-tester when missing and running as root. Without it those tests are skipped
   * (they say so), so a failed install is a warning.
   */
  needSipp?: boolean;
  /**
   * Make sure CMU PocketSphinx (`pocketsphinx_continuous` and its US English model, transcription-service's
   * embedded engine) is installed, installing Debian's pocketsphinx and pocketsphinx-en-us when missing and
   * running as root. Without it transcriptions fail (and say so), so a failed install is a warning.
   */
  needPocketsphinx?: boolean;
  /**
   * Make sure Debian's `chromium` (the browser the web app's tests drive with playwright-core) is on PATH
   * or at CHROMIUM_PATH, installing the package when missing and running as root. Without it the browser
   * tests are skipped (they say so), so a failed install is a warning.
   */
  needChromium?: boolean;
}

export interface Infrastructure {
  databaseUrl: string;
  natsUrl: string;
  s3?: S3Settings;
  /** What this call started itself (and `stop()` stops), e.g. ['nats-server', 'embedded S3']. */
  started: string[];
  stop(): Promise<void>;
}

type Stopper = { name: string; stop: () => Promise<void> };

export async function ensureInfrastructure(o: InfrastructureOptions): Promise<Infrastructure> {
  const env = o.env ?? process.env;
  const stoppers: Stopper[] = [];
  const stop = async () => {
    // reverse order of start; each one is attempted even when another fails
    for (const s of stoppers.splice(0).reverse()) {
      try {
        await s.stop();
        o.log(`stopped ${s.name}`);
      } catch (e) {
        o.log(`could not stop ${s.name}: ${(e as Error).message}`);
      }
    }
  };
  try {
    mkdirSync(o.dataDir, { recursive: true });

    const natsUrl = o.privateNats
      ? await privateNats(env.NATS_URL || DEFAULT_NATS_URL, o, stoppers)
      : await ensureNats(env.NATS_URL || DEFAULT_NATS_URL, o, stoppers);
    const databaseUrl = await ensurePostgres(env.DATABASE_URL || DEFAULT_DATABASE_URL, o, stoppers);
    const s3 = o.needS3 ? await ensureS3(env, o, stoppers) : undefined;
    if (o.needFfmpeg) ensureFfmpeg(env, o.log);
    if (o.needSipp)
      ensureCommand(
        'sipp',
        'sip-tester',
        'SIPp (the SIP trunk of the sip carrier tests)',
        'the sip carrier tests will be skipped',
        o.log,
      );
    if (o.needChromium && !env.CHROMIUM_PATH)
      ensureCommand(
        'chromium',
        'chromium',
        'Chromium (the browser of the web app tests)',
        'the browser tests will be skipped',
        o.log,
      );
    if (o.needPocketsphinx) ensurePocketsphinx(env, o.log);
    return { databaseUrl, natsUrl, s3, started: stoppers.map((s) => s.name), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------
// probes

function hostPort(url: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(url);
  return {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: u.port ? Number(u.port) : defaultPort,
  };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
}

/** Resolves when a TCP connection opens; rejects with the reason otherwise. */
export function tcpReachable(host: string, port: number, timeoutMs = 1500): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const done = (err?: Error) => {
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    socket.setTimeout(timeoutMs, () =>
      done(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`)),
    );
    socket.once('error', done);
    socket.connect(port, host, () => done());
  });
}

/** A real check: TCP, then `SELECT 1`. */
export async function checkPostgres(url: string): Promise<void> {
  const { host, port } = hostPort(url, 5432);
  await tcpReachable(host, port);
  const client = new PgClient({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined); // a server going away fails the query below instead
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A real check: TCP, then a NATS connect and flush (a PING/PONG round trip). */
export async function checkNats(url: string): Promise<void> {
  // NATS_URL may list a cluster's nodes (comma-separated): any one of them answering will do
  const servers = url
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  const { host, port } = hostPort(servers[0], 4222);
  if (servers.length === 1) await tcpReachable(host, port);
  const nc = await natsConnect({
    servers,
    timeout: 3000,
    reconnect: false,
    name: 'voxmail-infra-probe',
  });
  try {
    await nc.flush();
  } finally {
    await nc.close();
  }
}

/** A port nobody listens on right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(
  what: string,
  probe: () => Promise<void>,
  timeoutMs: number,
  child?: ChildProcess,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last: Error | undefined;
  while (Date.now() < end) {
    if (child && child.exitCode !== null)
      throw new Error(`${what} exited with code ${child.exitCode} while starting`);
    try {
      await probe();
      return;
    } catch (e) {
      last = e as Error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms: ${last?.message ?? 'no answer'}`);
}

// ---------------------------------------------------------------------------------------------------
// processes

export function which(cmd: string, extraDirs: string[] = []): string | undefined {
  const dirs = [
    ...(process.env.PATH ?? '').split(':'),
    '/usr/sbin',
    '/usr/bin',
    '/usr/local/bin',
    '/sbin',
    ...extraDirs,
  ];
  for (const d of dirs) {
    if (d && existsSync(join(d, cmd))) return join(d, cmd);
  }
  return undefined;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function run(cmd: string, args: string[], log: (l: string) => void): SpawnSyncReturns<string> {
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 10 * 60_000,
  });
  if (r.error) throw new Error(`${cmd} could not run: ${r.error.message}`);
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} failed with code ${r.status}:\n${out}`);
  }
  return r;
}

let aptUpdated = false;

/** Installs a Debian package when running as root; otherwise explains what to install. */
function ensureFfmpeg(env: Record<string, string | undefined>, log: (l: string) => void): void {
  if (env.FFMPEG_PATH || which('ffmpeg')) return;
  try {
    aptInstall('ffmpeg', 'ffmpeg (audio transcoding) is not installed', log);
  } catch (e) {
    log(`WARNING: ${(e as Error).message}; audio transcoding will answer 503 until ffmpeg is installed`);
  }
}

/** A command some tests need: Debian's package `pkg` installed when missing; without it, a warning. */
function ensureCommand(
  cmd: string,
  pkg: string,
  what: string,
  without: string,
  log: (l: string) => void,
): void {
  if (which(cmd)) return;
  try {
    aptInstall(pkg, `${what} is not installed`, log);
  } catch (e) {
    log(`WARNING: ${(e as Error).message}; ${without}`);
  }
}

/** Debian's US English acoustic model, which pocketsphinx_continuous loads by default. */
const POCKETSPHINX_MODEL = '/usr/share/pocketsphinx/model/en-us/en-us';

function ensurePocketsphinx(env: Record<string, string | undefined>, log: (l: string) => void): void {
  try {
    if (!env.POCKETSPHINX_PATH && !which('pocketsphinx_continuous'))
      aptInstall('pocketsphinx', 'PocketSphinx (speech to text) is not installed', log);
    if (!existsSync(POCKETSPHINX_MODEL))
      aptInstall('pocketsphinx-en-us', "PocketSphinx's US English model is not installed", log);
  } catch (e) {
    log(`WARNING: ${(e as Error).message}; transcriptions will fail until it is installed`);
  }
}

function aptInstall(pkg: string, why: string, log: (l: string) => void): void {
  if (!isRoot() || !which('apt-get')) {
    throw new Error(
      `${why}: install the Debian package "${pkg}" (apt-get install ${pkg}) or point the URL at a running server`,
    );
  }
  log(`${why}: installing the Debian package ${pkg}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const opts = {
    encoding: 'utf8' as const,
    stdio: ['ignore', 'pipe', 'pipe'] as ('ignore' | 'pipe')[],
    env,
    timeout: 10 * 60_000,
  };
  if (!aptUpdated) {
    log('$ apt-get update');
    spawnSync('apt-get', ['update'], opts);
    aptUpdated = true;
  }
  log(`$ apt-get install -y ${pkg}`);
  const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', pkg], opts);
  if (r.status !== 0)
    throw new Error(
      `apt-get install ${pkg} failed:\n${(r.stderr ?? '').trim().split('\n').slice(-10).join('\n')}`,
    );
}

/** Sends SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export function terminate(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

// ---------------------------------------------------------------------------------------------------
// NATS

async function ensureNats(url: string, o: InfrastructureOptions, stoppers: Stopper[]): Promise<string> {
  try {
    await checkNats(url);
    o.log(`NATS: using ${redact(url)}`);
    return url;
  } catch (e) {
    o.log(`NATS: ${redact(url)} is not reachable (${(e as Error).message}); starting a local nats-server`);
  }
  return startNats(join(o.dataDir, 'nats'), 'nats-server.log', o, stoppers);
}

async function privateNats(
  fallbackUrl: string,
  o: InfrastructureOptions,
  stoppers: Stopper[],
): Promise<string> {
  // stores of earlier runs that were killed before they could clean up (their server too, if left)
  for (const name of readdirSync(o.dataDir)) {
    const owner = /^nats-private-(\d+)$/.exec(name)?.[1];
    if (owner && !existsSync(`/proc/${owner}`)) {
      await stopLeftoverNats(join(o.dataDir, `${name}.pid`), join(o.dataDir, name), o.log);
      rmSync(join(o.dataDir, name), { recursive: true, force: true });
    }
  }
  const storeDir = join(o.dataDir, `nats-private-${process.pid}`);
  rmSync(storeDir, { recursive: true, force: true });
  try {
    const url = await startNats(storeDir, 'nats-server-private.log', o, stoppers);
    const server = stoppers[stoppers.length - 1];
    const stopServer = server.stop;
    server.stop = async () => {
      await stopServer();
      rmSync(storeDir, { recursive: true, force: true });
    };
    return url;
  } catch (e) {
    o.log(`NATS: no private nats-server (${(e as Error).message}); falling back to ${redact(fallbackUrl)}`);
    return ensureNats(fallbackUrl, o, stoppers);
  }
}

async function startNats(
  storeDir: string,
  logName: string,
  o: InfrastructureOptions,
  stoppers: Stopper[],
): Promise<string> {
  let bin = which('nats-server');
  if (!bin) {
    aptInstall('nats-server', 'nats-server is not installed', o.log);
    bin = which('nats-server');
    if (!bin) throw new Error('nats-server is still not on PATH after installing it');
  }
  const port = await freePort();
  const logDir = join(o.dataDir, 'logs');
  mkdirSync(storeDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, logName);
  const out = openSync(logFile, 'a');
  const pidFile = `${storeDir}.pid`;
  await stopLeftoverNats(pidFile, storeDir, o.log);
  const args = ['-js', '-sd', storeDir, '-a', '127.0.0.1', '-p', String(port)];
  o.log(`$ ${bin} ${args.join(' ')}   (log: ${logFile})`);
  // own process group: a Ctrl-C in the terminal reaches the caller, which stops this in order
  const child = spawn(bin, args, { stdio: ['ignore', out, out], detached: true });
  closeSync(out);
  if (child.pid) writeFileSync(pidFile, `${child.pid}\n`);
  const localUrl = `nats://127.0.0.1:${port}`;
  // it runs in its own process group, so it would outlive this process if that ended without stop()
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  stoppers.push({
    name: `nats-server (${localUrl})`,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      await terminate(child);
      rmSync(pidFile, { force: true });
    },
  });
  await waitFor('nats-server', () => checkNats(localUrl), 15_000, child);
  o.log(`NATS: local nats-server with JetStream at ${localUrl}, data in ${storeDir}`);
  return localUrl;
}

/**
 * A nats-server left running on the same store by an earlier run that was killed (SIGKILL leaves no
 * chance to stop it) would share the JetStream files with the new one: stop it first.
 */
async function stopLeftoverNats(pidFile: string, storeDir: string, log: (l: string) => void): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    /* gone, or no /proc */
  }
  if (Number.isInteger(pid) && pid > 0 && cmdline.includes('nats-server') && cmdline.includes(storeDir)) {
    log(`NATS: stopping nats-server ${pid} left running on ${storeDir} by an earlier run`);
    process.kill(pid, 'SIGTERM');
    const end = Date.now() + 10_000;
    while (existsSync(`/proc/${pid}`) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    if (existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
  }
  rmSync(pidFile, { force: true });
}

// ---------------------------------------------------------------------------------------------------
// PostgreSQL (Debian's packages: /usr/lib/postgresql/<major>/bin)

function postgresBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const majors = readdirSync(base)
      .filter((d) => /^\d+$/.test(d) && existsSync(join(base, d, 'bin', 'pg_ctl')))
      .sort((a, b) => Number(b) - Number(a));
    if (majors.length) return join(base, majors[0], 'bin');
  }
  const pgCtl = which('pg_ctl');
  return pgCtl ? pgCtl.replace(/\/pg_ctl$/, '') : undefined;
}

async function ensurePostgres(url: string, o: InfrastructureOptions, stoppers: Stopper[]): Promise<string> {
  try {
    await checkPostgres(url);
    o.log(`PostgreSQL: using ${redact(url)}`);
    return url;
  } catch (e) {
    o.log(
      `PostgreSQL: ${redact(url)} is not reachable (${(e as Error).message}); starting a local PostgreSQL`,
    );
  }
  let bin = postgresBinDir();
  if (!bin) {
    aptInstall('postgresql', 'PostgreSQL is not installed', o.log);
    bin = postgresBinDir();
    if (!bin) throw new Error('pg_ctl is still missing after installing postgresql');
  }
  // PostgreSQL refuses to run as root: as root, its files belong to and it runs as the postgres user
  const asPostgres = isRoot();
  const sh = (cmd: string, args: string[]) =>
    asPostgres ? run('runuser', ['-u', 'postgres', '--', cmd, ...args], o.log) : run(cmd, args, o.log);
  const dataDir = join(o.dataDir, 'pg');
  const logFile = join(o.dataDir, 'logs', 'postgresql.log');
  mkdirSync(join(o.dataDir, 'logs'), { recursive: true });
  if (!existsSync(logFile)) writeFileSync(logFile, '');
  if (asPostgres) run('chown', ['postgres:', logFile], o.log);

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (asPostgres) run('chown', ['postgres:', dataDir], o.log);
    o.log(`PostgreSQL: creating a cluster in ${dataDir}`);
    sh(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C']);
  }
  // a server left running by an earlier run that was killed holds the data folder: stop it first
  if (existsSync(join(dataDir, 'postmaster.pid'))) {
    const pgCtl = join(bin, 'pg_ctl');
    const status = asPostgres
      ? spawnSync('runuser', ['-u', 'postgres', '--', pgCtl, '-D', dataDir, 'status'], { encoding: 'utf8' })
      : spawnSync(pgCtl, ['-D', dataDir, 'status'], { encoding: 'utf8' });
    if (status.status === 0) {
      o.log('PostgreSQL: stopping a server left running by an earlier run');
      sh(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
    }
  }
  const port = await freePort();
  // TCP on loopback only; no Unix socket (its folder would need the right owner and a short path).
  // pg_ctl hands these options to the server through a shell, hence the quotes.
  const serverOpts = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`;
  sh(join(bin, 'pg_ctl'), ['-D', dataDir, '-l', logFile, '-o', serverOpts, '-w', '-t', '60', 'start']);
  const localUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  stoppers.push({
    name: `PostgreSQL (${dataDir}, port ${port})`,
    stop: async () => {
      sh(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop']);
    },
  });
  await waitFor('PostgreSQL', () => checkPostgres(localUrl), 30_000);
  o.log(`PostgreSQL: local server at ${localUrl}, data in ${dataDir} (log: ${logFile})`);
  return localUrl;
}

/** Drops (disconnecting its sessions) and creates `name` on the server of `baseUrl`; returns its URL. */
export async function createTestDatabase(baseUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  // a database cannot be dropped from a session inside it
  const admin = new URL(baseUrl);
  if (admin.pathname === `/${name}`) admin.pathname = '/postgres';
  const client = new PgClient({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined); // a server going away fails the query below instead
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

// ---------------------------------------------------------------------------------------------------
// S3

interface StoredCredentials {
  accessKey: string;
  secretKey: string;
}

/** The embedded store's key pair, generated once per data folder and kept readable by its owner only. */
function embeddedCredentials(dataDir: string): StoredCredentials {
  const file = join(dataDir, 's3-credentials.json');
  if (existsSync(file)) {
    const c = JSON.parse(readFileSync(file, 'utf8')) as Partial<StoredCredentials>;
    if (c.accessKey && c.secretKey) return { accessKey: c.accessKey, secretKey: c.secretKey };
  }
  const creds: StoredCredentials = {
    accessKey: 'VOX' + randomBytes(9).toString('hex').toUpperCase(),
    secretKey: randomBytes(30).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return creds;
}

async function ensureS3(
  env: Record<string, string | undefined>,
  o: InfrastructureOptions,
  stoppers: Stopper[],
): Promise<S3Settings> {
  const bucket = o.bucket || env.S3_BUCKET || 'voxmail';
  const region = env.S3_REGION || 'us-east-1';
  if (env.S3_ENDPOINT) {
    if (!env.S3_ACCESS_KEY || !env.S3_SECRET_KEY) {
      throw new Error('S3_ENDPOINT is set, so S3_ACCESS_KEY and S3_SECRET_KEY must be set too');
    }
    const { host, port } = hostPort(env.S3_ENDPOINT, env.S3_ENDPOINT.startsWith('https:') ? 443 : 80);
    try {
      await tcpReachable(host, port, 3000);
    } catch (e) {
      throw new Error(`S3_ENDPOINT ${env.S3_ENDPOINT} is not reachable: ${(e as Error).message}`);
    }
    o.log(`S3: using ${env.S3_ENDPOINT}, bucket ${bucket}`);
    return {
      endpoint: env.S3_ENDPOINT,
      accessKey: env.S3_ACCESS_KEY,
      secretKey: env.S3_SECRET_KEY,
      bucket,
      region,
    };
  }
  const creds = embeddedCredentials(o.dataDir);
  const port = env.S3_PORT ? Number(env.S3_PORT) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`S3_PORT must be a port number, got "${env.S3_PORT}"`);
  const dataDir = join(o.dataDir, 's3');
  const s3 = await startEmbeddedS3({ dataDir, port, host: '127.0.0.1', ...creds });
  stoppers.push({ name: `embedded S3 (${s3.endpoint})`, stop: () => s3.stop() });
  o.log(`S3: no S3_ENDPOINT, so an embedded S3 server runs at ${s3.endpoint}, data in ${dataDir}`);
  return { endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey, bucket, region };
}

// ---------------------------------------------------------------------------------------------------
// A private PostgreSQL that a test may stop and start (fault tests: never the machine's own server)

export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  port: number;
  /** Stops the server (`fast`: sessions are terminated, as in a restart; `immediate`: as in a crash). */
  stopServer(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same port and data. */
  startServer(): Promise<void>;
  /** Stops it for good and removes its data. */
  stop(): Promise<void>;
}

function runAsync(cmd: string, args: string[], timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `${cmd} ${args.join(' ')} failed (${code}): ${out.trim().split('\n').slice(-5).join(' ')}`,
          ),
        );
    });
  });
}

/**
 * Initialises and starts a PostgreSQL of its own (Debian's binaries) in a fresh folder under `baseDir`,
 * on a free loopback port, that the caller may stop and start at will. Takes a few seconds.
 */
export async function startPrivatePostgres(
  baseDir: string,
  log: (l: string) => void = () => undefined,
): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL binaries (pg_ctl, initdb) are not installed');
  const asPostgres = isRoot();
  const as = (cmd: string, args: string[]): [string, string[]] =>
    asPostgres ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  mkdirSync(baseDir, { recursive: true });
  const dir = join(baseDir, `pg-private-${process.pid}-${randomBytes(3).toString('hex')}`);
  mkdirSync(dir, { mode: 0o700 });
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'postgresql.log');
  writeFileSync(logFile, '');
  if (asPostgres) run('chown', ['-R', 'postgres:', dir], log);
  await runAsync(
    ...as(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C']),
  );
  const port = await freePort();
  const serverOpts = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off`;
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let up = false;
  const startServer = async () => {
    await runAsync(
      ...as(join(bin, 'pg_ctl'), ['-D', dataDir, '-l', logFile, '-o', serverOpts, '-w', '-t', '60', 'start']),
    );
    up = true;
    await waitFor('PostgreSQL', () => checkPostgres(url), 30_000);
  };
  const stopServer = async (mode: 'fast' | 'immediate' = 'fast') => {
    up = false;
    await runAsync(...as(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', mode, '-w', '-t', '30', 'stop']));
  };
  // never left running by a test that ends without stop()
  const killOnExit = () => {
    if (up) spawnSync(...as(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', 'stop']));
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  await startServer();
  log(`PostgreSQL: private server at ${url}, data in ${dataDir}`);
  return {
    url,
    port,
    stopServer,
    startServer,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      if (up) await stopServer('fast').catch(() => stopServer('immediate').catch(() => undefined));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// A 3-node NATS cluster with JetStream on loopback (fault tests: one node may be killed and started again)

export interface NatsCluster {
  /** Every node's client URL. */
  urls: string[];
  /** The comma-separated list (as NATS_URL takes it). */
  url: string;
  /** Node names (`n0`, `n1`, …), as JetStream reports them (e.g. a stream's leader). */
  names: string[];
  /** SIGKILLs node i (no goodbye: as a pod or machine dying). */
  kill(i: number): Promise<void>;
  /** The names of the client connections node i holds (its monitoring endpoint, `/connz`). */
  clientsOf(i: number): Promise<string[]>;
  /** SIGSTOPs node i: its sockets stay open and what is sent to it waits in them (kill it after). */
  freeze(i: number): void;
  /** Starts node i again, with its store, on the same ports. */
  start(i: number): Promise<void>;
  isUp(i: number): boolean;
  /** Stops every node and removes the stores. */
  stop(): Promise<void>;
}

/**
 * Starts `size` nats-server processes (the binary privateNats uses) on free loopback ports, routed to
 * each other (`-cluster`, `-routes`), each with JetStream and its own store folder under `baseDir`.
 */
export async function startNatsCluster(
  baseDir: string,
  size = 3,
  log: (l: string) => void = () => undefined,
): Promise<NatsCluster> {
  const bin = which('nats-server');
  if (!bin) throw new Error('nats-server is not installed');
  const dir = join(baseDir, `nats-cluster-${process.pid}-${randomBytes(3).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  const clusterName = `voxmail-test-${randomBytes(3).toString('hex')}`;
  const clientPorts: number[] = [];
  const routePorts: number[] = [];
  const monitorPorts: number[] = [];
  for (let i = 0; i < size; i++) {
    clientPorts.push(await freePort());
    routePorts.push(await freePort());
    monitorPorts.push(await freePort());
  }
  const names = clientPorts.map((_, i) => `n${i}`);
  const urls = clientPorts.map((p) => `nats://127.0.0.1:${p}`);
  const children: (ChildProcess | undefined)[] = new Array(size).fill(undefined);
  const argsOf = (i: number) => [
    '-js',
    '-sd',
    join(dir, names[i]),
    '-a',
    '127.0.0.1',
    '-p',
    String(clientPorts[i]),
    '-m',
    String(monitorPorts[i]),
    '-n',
    names[i],
    '--cluster_name',
    clusterName,
    '-cluster',
    `nats://127.0.0.1:${routePorts[i]}`,
    '-routes',
    routePorts
      .filter((_, j) => j !== i)
      .map((p) => `nats://127.0.0.1:${p}`)
      .join(','),
  ];
  const startNode = async (i: number) => {
    const out = openSync(join(dir, `${names[i]}.log`), 'a');
    const child = spawn(bin, argsOf(i), { stdio: ['ignore', out, out], detached: true });
    closeSync(out);
    children[i] = child;
    await waitFor(`nats-server ${names[i]}`, () => checkNats(urls[i]), 15_000, child);
  };
  const killAll = () => children.forEach((c) => c?.kill('SIGKILL'));
  process.once('exit', killAll);
  const cluster: NatsCluster = {
    urls,
    url: urls.join(','),
    names,
    clientsOf: async (i) => {
      const r = await fetch(`http://127.0.0.1:${monitorPorts[i]}/connz?limit=4096`, {
        signal: AbortSignal.timeout(3000),
      });
      const body = (await r.json()) as { connections?: { name?: string }[] };
      return (body.connections ?? []).map((c) => c.name ?? '');
    },
    isUp: (i) => {
      const c = children[i];
      return !!c && c.exitCode === null && c.signalCode === null;
    },
    kill: async (i) => {
      const c = children[i];
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      });
    },
    freeze: (i) => {
      children[i]?.kill('SIGSTOP');
    },
    start: (i) => startNode(i),
    stop: async () => {
      process.removeListener('exit', killAll);
      await Promise.all(children.map((c) => (c ? terminate(c, 5000) : undefined)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(names.map((_, i) => startNode(i)));
    await waitFor('JetStream on the cluster', () => jetStreamReady(cluster.url), 30_000);
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  log(`NATS: ${size}-node cluster at ${cluster.url}, stores in ${dir}`);
  return cluster;
}

/** Resolves once the cluster's JetStream answers (a meta leader was elected). */
async function jetStreamReady(url: string): Promise<void> {
  const nc = await natsConnect({ servers: url.split(','), timeout: 3000, reconnect: false });
  try {
    await (await nc.jetstreamManager({ timeout: 3000 })).getAccountInfo();
  } finally {
    await nc.close();
  }
}
