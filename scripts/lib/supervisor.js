// Keeps one app running under `npm start`: an app that dies is shown loudly and started again after
// an exponential backoff, instead of the whole platform stopping (in Kubernetes the probes do this).

const DEFAULTS = {
  /** First wait before a restart, doubled after each crash that follows quickly... */
  initialDelayMs: 500,
  /** ...up to this. */
  maxDelayMs: 30000,
  /** An app that stayed up this long is healthy again: its next crash restarts after initialDelayMs. */
  stableMs: 60000,
  /** Lines of the app's own output shown with a crash. */
  crashLines: 20,
};

/** The wait before restart number `n` (1-based) of a crash loop. */
function backoffDelay(n, { initialDelayMs, maxDelayMs } = DEFAULTS) {
  return Math.min(maxDelayMs, initialDelayMs * 2 ** Math.max(0, n - 1));
}

/**
 * Runs `start(onUnexpectedExit)` (which returns an AppProcess-like object: name, lastLines(n),
 * stop(graceMs), exited) and starts it again whenever it exits on its own.
 */
class Supervisor {
  constructor(name, start, { say = (l) => process.stdout.write(`${l}\n`), now = Date.now, ...opts } = {}) {
    this.name = name;
    this.startFn = start;
    this.say = say;
    this.now = now;
    this.opts = { ...DEFAULTS, ...opts };
    this.crashes = 0; // crashes in the current loop (reset once the app stays up stableMs)
    this.restarts = 0; // all restarts, for the record
    this.stopped = false;
    this.timer = undefined;
    this.listeners = [];
    this.launch();
  }

  /** Called with (supervisor, { code, signal, delayMs }) after each crash; for tests and status lines. */
  onCrash(fn) {
    this.listeners.push(fn);
  }

  launch() {
    this.startedAt = this.now();
    this.current = this.startFn((app, code, signal) => this.crashed(app, code, signal));
  }

  crashed(app, code, signal) {
    if (this.stopped) return;
    if (this.now() - this.startedAt >= this.opts.stableMs) this.crashes = 0;
    this.crashes += 1;
    const delayMs = backoffDelay(this.crashes, this.opts);
    const lines = app.lastLines(this.opts.crashLines).map((l) => `  ! ${l}`);
    const bar = '!'.repeat(72);
    this.say(
      [
        bar,
        `!! ${this.name} DIED (${signal ? `signal ${signal}` : `exit code ${code}`}); ` +
          `restarting in ${(delayMs / 1000).toFixed(1)} s (crash ${this.crashes} in a row)`,
        `!! its last lines${lines.length ? ':' : ': (none)'}`,
        ...lines,
        bar,
      ].join('\n'),
    );
    for (const fn of this.listeners) fn(this, { code, signal, delayMs });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.stopped) return;
      this.restarts += 1;
      this.launch();
      this.say(`${this.name} restarted (restart ${this.restarts})`);
    }, delayMs);
  }

  get app() {
    return this.current;
  }

  /**
   * Resolves when the app answers ready; an instance that dies first is waited for again once it has
   * been restarted, until the deadline.
   */
  async waitReady(deadline) {
    for (;;) {
      const app = this.current;
      try {
        return await app.waitReady(deadline);
      } catch (e) {
        if (this.stopped || !app.exited || this.now() >= deadline) throw e;
        while (this.current === app && !this.stopped && this.now() < deadline)
          await new Promise((r) => setTimeout(r, 100));
        if (this.current === app) throw e;
      }
    }
  }

  /** Stops for good: no restart is pending any more and the running app (if any) is stopped. */
  async stop(graceMs) {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.current?.stop(graceMs);
  }
}

module.exports = { Supervisor, backoffDelay, SUPERVISOR_DEFAULTS: DEFAULTS };
