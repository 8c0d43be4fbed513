// The Voxmail apps of the service registry as child processes: their environment, logs, readiness and shutdown.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { ROOT } = require('./workspace');
const { APPS } = require('./registry');

const PINO_LEVELS = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/**
 * Each app gets only what it needs: the object-store credentials go to media-storage-service alone,
 * the operator key to mailbox-service alone, the signing secret to the two apps that sign or verify.
 */
function appDefinitions({ infra, secrets, env = process.env }) {
  const gatewayPort = Number(env.PORT || 8000);
  const base = { ...env };
  for (const k of [
    'PORT',
    'HEALTH_PORT',
    'S3_ENDPOINT',
    'S3_ACCESS_KEY',
    'S3_SECRET_KEY',
    'S3_BUCKET',
    'S3_REGION',
    'VOXMAIL_SECRET',
    'VOXMAIL_OPERATOR_API_KEY',
    ...APPS.flatMap((a) => a.secrets),
  ]) {
    delete base[k];
  }
  Object.assign(base, { DATABASE_URL: infra.databaseUrl, NATS_URL: infra.natsUrl });
  const s3 = infra.s3;
  return APPS.map((app) => {
    // a secret npm start does not make (TRANSCRIPTION_OPENAI_API_KEY) comes from the environment, to its app alone
    const own = Object.fromEntries(
      app.secrets.map((k) => [k, secrets[k] ?? env[k]]).filter(([, v]) => v !== undefined),
    );
    if (app.objectStore) {
      Object.assign(own, {
        S3_ENDPOINT: s3.endpoint,
        S3_ACCESS_KEY: s3.accessKey,
        S3_SECRET_KEY: s3.secretKey,
        S3_BUCKET: s3.bucket,
        S3_REGION: s3.region,
      });
    }
    if (app.kind === 'gateway') {
      return { name: app.name, port: gatewayPort, env: { ...base, PORT: String(gatewayPort), ...own } };
    }
    return { name: app.name, port: app.port, env: { ...base, HEALTH_PORT: String(app.port), ...own } };
  });
}

/** Resolves true when something already listens on 127.0.0.1:port. */
function portInUse(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * One running app. Its whole output goes to <logDir>/<name>.log; warnings, errors and anything that is
 * not a pino JSON line (a crash, a configuration error) are echoed to the console with the app's name.
 */
class AppProcess {
  constructor(def, { logDir, echoAll = false, onUnexpectedExit, out = process.stdout }) {
    this.out = out;
    this.def = def;
    this.name = def.name;
    this.logFile = path.join(logDir, `${def.name}.log`);
    this.tail = [];
    this.stopping = false;
    this.exited = false;
    fs.mkdirSync(logDir, { recursive: true });
    const log = fs.createWriteStream(this.logFile, { flags: 'a' });
    log.write(`\n--- ${new Date().toISOString()} starting ${def.name}\n`);
    // own process group: a Ctrl-C in the terminal reaches the supervisor only, which stops the apps in order
    // def.argv: what node runs (the built main.js of def.app, or of def.name, unless a test gives a script)
    const argv = def.argv ?? [path.join(ROOT, 'dist', 'apps', def.app ?? def.name, 'src', 'main.js')];
    this.child = spawn(process.execPath, argv, {
      cwd: ROOT,
      env: def.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.exitPromise = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        this.exitCode = code;
        this.exitSignal = signal;
        log.end();
        if (!this.stopping) onUnexpectedExit?.(this, code, signal);
        resolve();
      });
    });
    this.child.once('error', (e) => {
      this.tail.push(`could not start: ${e.message}`);
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let pending = '';
      stream.on('data', (chunk) => {
        log.write(chunk);
        pending += chunk.toString('utf8');
        const lines = pending.split('\n');
        pending = lines.pop();
        for (const line of lines) this.onLine(line, echoAll);
      });
      stream.on('end', () => {
        if (pending) this.onLine(pending, echoAll);
      });
    }
  }

  onLine(line, echoAll) {
    if (!line.trim()) return;
    const text = formatLine(line);
    this.tail.push(text.text);
    if (this.tail.length > 40) this.tail.shift();
    if (echoAll || text.important) this.out.write(`[${this.name}] ${text.text}\n`);
  }

  lastLines(n = 20) {
    return this.tail.slice(-n);
  }

  async waitReady(deadline) {
    const url = `http://127.0.0.1:${this.def.port}/health/ready`;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`it exited (${this.exitCode ?? this.exitSignal}) before it was ready`);
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) return;
        last = `HTTP ${res.status} ${(await res.text()).slice(0, 300)}`;
      } catch (e) {
        last = e.cause?.code ?? e.message;
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(`${url} answered ${last}`);
  }

  /** SIGTERM (the apps drain), then SIGKILL after graceMs. */
  async stop(graceMs = 15000) {
    this.stopping = true;
    if (this.exited) return;
    const timer = setTimeout(() => {
      if (!this.exited) {
        this.out.write(`${this.name} did not stop within ${graceMs / 1000} s: killing it\n`);
        this.kill('SIGKILL');
      }
    }, graceMs);
    this.kill('SIGTERM');
    await this.exitPromise;
    clearTimeout(timer);
  }

  kill(signal) {
    try {
      process.kill(-this.child.pid, signal); // the app's whole process group
    } catch {
      try {
        this.child.kill(signal);
      } catch {
        /* already gone */
      }
    }
  }
}

function formatLine(line) {
  if (line.startsWith('{')) {
    try {
      const o = JSON.parse(line);
      if (typeof o.level === 'number') {
        const level = PINO_LEVELS[o.level] ?? String(o.level);
        const err = o.err?.stack ?? o.err?.message ?? '';
        return { text: `${level} ${o.msg ?? ''}${err ? ` ${err}` : ''}`.trim(), important: o.level >= 40 };
      }
    } catch {
      /* not JSON after all */
    }
  }
  return { text: line, important: true };
}

module.exports = { appDefinitions, AppProcess, portInUse };
