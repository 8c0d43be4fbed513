// Background work of media-storage: sweeping orphans (its consumers are in media.consumers.ts).
import { Inject, Injectable } from '@nestjs/common';
import { inBatches, SweeperLifecycle } from '@voxmail/messaging';
import { MEDIA_SETTINGS, MediaSettings } from '../settings';
import { MediaService } from './media.service';

@Injectable()
export class MediaLifecycle extends SweeperLifecycle {
  constructor(
    private readonly media: MediaService,
    @Inject(MEDIA_SETTINGS) settings: MediaSettings,
  ) {
    super('sweep', settings.sweepIntervalMs);
  }

  protected work(): Promise<number> {
    return inBatches(() => this.media.sweepAbandoned(), 200);
  }
}
