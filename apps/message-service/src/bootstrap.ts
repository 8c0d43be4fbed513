import type { MessageConfig } from '@voxmail/config';
import { QUEUE_GROUPS } from '@voxmail/contracts';
import { bootstrapService, RunningService } from '@voxmail/messaging';
import { MessageModule } from './message.module';

export function startMessageService(
  config: MessageConfig,
  opts?: { handleSignals?: boolean },
): Promise<RunningService> {
  return bootstrapService(MessageModule.register(config) as never, config, QUEUE_GROUPS.message, opts);
}
