// `npm start`'s supervisor (scripts/lib/supervisor.js): an app that dies is restarted with exponential
// backoff and its crash shown loudly; stopping cancels any pending restart. Real child processes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface App {
  name: string;
  exited: boolean;
  child: { pid: number };
  lastLines(n?: number): string[];
  stop(graceMs?: number): Promise<void>;
}
interface SupervisorLike {
  app: App;
  crashes: number;
  restarts: number;
  onCrash(
    fn: (s: SupervisorLike, c: { code: number | null; signal: string | null; delayMs: number }) => void,
  ): void;
  stop(graceMs?: number): Promise<void>;
}
// plain Node scripts outside the workspace's projects
/* eslint-disable @typescript-eslint/no-require-imports, @nx/enforce-module-boundaries */
const { Supervisor, backoffDelay, SUPERVISOR_DEFAULTS } = require('../../scripts/lib/supervisor') as {
  Supervisor: new (
    name: string,
    start: (onExit: unknown) => App,
    opts?: Record<string, unknown>,
  ) => SupervisorLike;
  backoffDelay: (n: number, o?: { initialDelayMs: number; maxDelayMs: number }) => number;
  SUPERVISOR_DEFAULTS: { initialDelayMs: number; maxDelayMs: number; stableMs: number };
};
const { AppProcess } = require('../../scripts/lib/apps') as {
  AppProcess: new (def: Record<string, unknown>, o: Record<string, unknown>) => App;
};
/* eslint-enable @typescript-eslint/no-require-imports, @nx/enforce-module-boundaries */

const dir = mkdtempSync(join(tmpdir(), 'voxmail-supervisor-'));
const sink = { write: () => true };

/** A child that prints a line and dies (exit code 3) its first `crashes` runs, then stays up. */
function flakyScript(crashes: number, how = 'process.exit(3)', afterMs = 20): string {
  const counter = join(dir, `count-${Math.random()}`);
  const script = join(dir, `flaky-${Math.random()}.js`);
  writeFileSync(
    script,
    `const fs = require('fs');
     const n = fs.existsSync(${JSON.stringify(counter)}) ? Number(fs.readFileSync(${JSON.stringify(counter)}, 'utf8')) : 0;
     fs.writeFileSync(${JSON.stringify(counter)}, String(n + 1));
     if (n < ${crashes}) { console.log('boom number ' + (n + 1)); setTimeout(() => { ${how}; }, ${afterMs}); }
     else { console.log('up for good'); setInterval(() => {}, 1000); }`,
  );
  return script;
}

function supervise(script: string, lines: string[], opts: Record<string, unknown> = {}): SupervisorLike {
  const def = { name: 'flaky-app', port: 0, env: process.env, argv: [script] };
  return new Supervisor(
    'flaky-app',
    (onUnexpectedExit) => new AppProcess(def, { logDir: dir, onUnexpectedExit, out: sink }),
    { say: (l: string) => lines.push(l), initialDelayMs: 50, maxDelayMs: 200, stableMs: 60000, ...opts },
  );
}

const until = async (cond: () => boolean, ms = 10000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('npm start supervisor', () => {
  it('backs off exponentially from 0.5 s to 30 s', () => {
    expect(SUPERVISOR_DEFAULTS).toMatchObject({ initialDelayMs: 500, maxDelayMs: 30000 });
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => backoffDelay(n))).toEqual([
      500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
  });

  it('restarts an app that exits, doubling the wait, and shows the crash with its last lines', async () => {
    const lines: string[] = [];
    const s = supervise(flakyScript(3), lines);
    const delays: number[] = [];
    s.onCrash((_s, c) => delays.push(c.delayMs));
    try {
      await until(() => s.restarts === 3 && s.app.lastLines().includes('up for good'));
      expect(delays).toEqual([50, 100, 200]);
      const out = lines.join('\n');
      expect(out).toMatch(/flaky-app DIED \(exit code 3\); restarting in 0\.1 s \(crash 1 in a row\)/);
      expect(out).toContain('boom number 3');
      expect(out).toContain('flaky-app restarted (restart 3)');
      expect(s.app.exited).toBe(false);
    } finally {
      await s.stop(2000);
    }
    expect(s.app.exited).toBe(true);
  });

  it('names the signal of an app that was killed', async () => {
    const lines: string[] = [];
    const s = supervise(flakyScript(1, "process.kill(process.pid, 'SIGKILL')"), lines);
    try {
      await until(() => s.restarts === 1);
      expect(lines.join('\n')).toMatch(/flaky-app DIED \(signal SIGKILL\)/);
    } finally {
      await s.stop(2000);
    }
  });

  it('resets the backoff once the app stayed up long enough', async () => {
    let clock = 0;
    const s = supervise(flakyScript(3, 'process.exit(3)', 400), [], { now: () => clock, stableMs: 1000 });
    const delays: number[] = [];
    s.onCrash((_s, c) => delays.push(c.delayMs));
    try {
      await until(() => s.restarts === 1);
      clock += 3600 * 1000; // the second instance stays up an hour before it dies: a new crash loop
      await until(() => delays.length === 3);
      expect(delays).toEqual([50, 50, 100]);
    } finally {
      await s.stop(2000);
    }
  });

  it('stopping cancels a pending restart and stops the running app (Ctrl-C)', async () => {
    const lines: string[] = [];
    const s = supervise(flakyScript(1), lines, { initialDelayMs: 2000 });
    await until(() => s.crashes === 1);
    await s.stop(2000);
    await new Promise((r) => setTimeout(r, 2200));
    expect(s.restarts).toBe(0);

    const s2 = supervise(flakyScript(0), []);
    await until(() => s2.app.lastLines().includes('up for good'));
    const pid = s2.app.child.pid;
    await s2.stop(2000);
    expect(s2.app.exited).toBe(true);
    expect(() => process.kill(pid, 0)).toThrow();
    expect(s2.restarts).toBe(0);
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));
