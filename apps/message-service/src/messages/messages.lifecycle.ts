// Background work of message-service: the retention sweeper (its consumers are in *.consumers.ts).
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MESSAGE_SETTINGS, MessageSettings } from '../settings';
import { DeletionService } from './deletion.service';

@Injectable()
export class MessagesLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(MessagesLifecycle.name);
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<unknown>;

  constructor(
    private readonly deletion: DeletionService,
    @Inject(MESSAGE_SETTINGS) private readonly settings: MessageSettings,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), this.settings.sweepIntervalMs);
    this.timer.unref();
  }

  /** One sweep: purges deleted messages past their retention, batch by batch. */
  async sweep(): Promise<number> {
    if (this.sweeping) return 0;
    const run = (async () => {
      let total = 0;
      for (;;) {
        const n = await this.deletion.purgeExpired();
        total += n;
        if (n < 500) return total;
      }
    })();
    this.sweeping = run;
    try {
      return await run;
    } catch (e) {
      this.log.warn(`sweep failed: ${(e as Error).message}`);
      return 0;
    } finally {
      this.sweeping = undefined;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sweeping?.catch(() => undefined);
  }
}
