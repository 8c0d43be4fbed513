import type { MediaConfig } from '@voxmail/config';
import { QUEUE_GROUPS } from '@voxmail/contracts';
import { bootstrapService, RunningService } from '@voxmail/messaging';
import { MediaModule } from './media.module';

export function startMediaService(
  config: MediaConfig,
  opts?: { handleSignals?: boolean },
): Promise<RunningService> {
  return bootstrapService(MediaModule.register(config) as never, config, QUEUE_GROUPS.media, opts);
}
