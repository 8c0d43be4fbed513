// Background work of media-storage: sweeping orphans (its consumers are in media.consumers.ts).
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MEDIA_SETTINGS, MediaSettings } from '../settings';
import { MediaService } from './media.service';

@Injectable()
export class MediaLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(MediaLifecycle.name);
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<number>;

  constructor(
    private readonly media: MediaService,
    @Inject(MEDIA_SETTINGS) private readonly settings: MediaSettings,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), this.settings.sweepIntervalMs);
    this.timer.unref();
  }

  async sweep(): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = (async () => {
      let total = 0;
      for (;;) {
        const n = await this.media.sweepAbandoned();
        total += n;
        if (n < 200) return total;
      }
    })();
    try {
      return await this.sweeping;
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
