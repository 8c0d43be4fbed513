// Background work on a timer (sweepers): one run at a time, a failed run logged and tried again at the
// next tick, and the run in progress awaited on shutdown.
import {
  Inject,
  Injectable,
  InjectionToken,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Type,
} from '@nestjs/common';

export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  /** `work` resolves to how much it did; `name` is what the log says failed. */
  constructor(
    private readonly name: string,
    private readonly work: () => Promise<number>,
    private readonly log: Pick<Logger, 'warn'>,
  ) {}

  /** Runs the work every `intervalMs`; the timer never keeps the process alive. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.run(), intervalMs);
    this.timer.unref();
  }

  /** One run now: how much it did, or 0 when a run is already in progress or this one failed. */
  async run(): Promise<number> {
    if (this.running) return 0;
    const run = this.work();
    this.running = run;
    try {
      return await run;
    } catch (e) {
      this.log.warn(`${this.name} failed: ${(e as Error).message}`);
      return 0;
    } finally {
      this.running = undefined;
    }
  }

  /** Stops the timer and waits for the run in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }
}

/** Repeats `batch` until it does fewer than `size`: the total it did. */
export async function inBatches(batch: () => Promise<number>, size: number): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await batch();
    total += n;
    if (n < size) return total;
  }
}

/**
 * A Nest provider running a sweeper: `work` every `intervalMs` from bootstrap, the run in progress awaited
 * on shutdown, and `sweep()` for one run now. A subclass says only what one run does; `Sweeper` below
 * makes the subclass of a service's sweep method.
 */
export abstract class SweeperLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task: PeriodicTask;

  protected constructor(
    name: string,
    private readonly intervalMs: number,
  ) {
    this.task = new PeriodicTask(name, () => this.work(), new Logger(new.target.name));
  }

  /** One run: how much it did. */
  protected abstract work(): Promise<number>;

  onApplicationBootstrap(): void {
    this.task.start(this.intervalMs);
  }

  /** One run now: how much it did, or 0 when a run is already in progress or this one failed. */
  sweep(): Promise<number> {
    return this.task.run();
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }
}

/** What `Sweeper` makes a provider of: one run is `work(service)`, every `sweepIntervalMs` of `settings`. */
export interface SweeperOptions<S> {
  /** What the log says failed (`sweep failed: ...`). */
  name: string;
  /** The provider doing the work (injected). */
  of: Type<S>;
  /** The token of the app's settings, whose `sweepIntervalMs` is the interval. */
  settings: InjectionToken;
  work: (service: S) => Promise<number>;
}

/**
 * A sweeper provider class, to extend and list in a module's providers (its name is the log's context):
 * `export class MediaLifecycle extends Sweeper({ name, of: MediaService, settings: MEDIA_SETTINGS, work }) {}`.
 */
export function Sweeper<S>(
  options: SweeperOptions<S>,
): Type<OnApplicationBootstrap & OnApplicationShutdown & Pick<SweeperLifecycle, 'sweep'>> {
  @Injectable()
  class ServiceSweeper extends SweeperLifecycle {
    constructor(
      @Inject(options.of) private readonly service: S,
      @Inject(options.settings) settings: { sweepIntervalMs: number },
    ) {
      super(options.name, settings.sweepIntervalMs);
    }

    protected work(): Promise<number> {
      return options.work(this.service);
    }
  }
  return ServiceSweeper;
}

/**
 * A polling loop that can be woken: `round` every `pollMs`, one round at a time, a wake during a round
 * runs another right after it, a failed round reported to `failed` and tried again at the next poll, and
 * the round in progress awaited on stop. A round checks `stopped` to end early.
 */
export class PollLoop {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopping = false;

  constructor(
    private readonly round: () => Promise<void>,
    private readonly pollMs: number,
    private readonly failed: (e: Error) => void,
  ) {}

  get stopped(): boolean {
    return this.stopping;
  }

  start(): void {
    this.stopping = false;
    this.schedule(0);
  }

  /** Runs a round now rather than at the next poll (again right after the one in progress). */
  wake(): void {
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopping) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.round()
        .catch((e: Error) => this.failed(e))
        .finally(() => {
          this.running = undefined;
          const more = this.again;
          this.again = false;
          this.schedule(more ? 0 : this.pollMs);
        });
    }, ms);
  }
}
