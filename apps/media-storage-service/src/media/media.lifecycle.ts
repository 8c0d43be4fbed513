// Background work of media-storage: sweeping orphans (its consumers are in media.consumers.ts).
import { inBatches, Sweeper } from '@voxmail/messaging';
import { MEDIA_SETTINGS } from '../settings';
import { MediaService } from './media.service';

/** Every `sweepIntervalMs`: removes uploads never committed and objects no message claimed, 200 at a time. */
export class MediaLifecycle extends Sweeper({
  name: 'sweep',
  of: MediaService,
  settings: MEDIA_SETTINGS,
  work: (media) => inBatches(() => media.sweepAbandoned(), 200),
}) {}
