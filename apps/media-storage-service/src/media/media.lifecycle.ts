// Background work of media-storage: sweeping orphans (its consumers are in media.consumers.ts).
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { inBatches, PeriodicTask } from '@voxmail/messaging';
import { MEDIA_SETTINGS, MediaSettings } from '../settings';
import { MediaService } from './media.service';

@Injectable()
export class MediaLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(MediaLifecycle.name);
  private readonly sweeper = new PeriodicTask(
    'sweep',
    () => inBatches(() => this.media.sweepAbandoned(), 200),
    this.log,
  );

  constructor(
    private readonly media: MediaService,
    @Inject(MEDIA_SETTINGS) private readonly settings: MediaSettings,
  ) {}

  onApplicationBootstrap(): void {
    this.sweeper.start(this.settings.sweepIntervalMs);
  }

  sweep(): Promise<number> {
    return this.sweeper.run();
  }

  onApplicationShutdown(): Promise<void> {
    return this.sweeper.stop();
  }
}
