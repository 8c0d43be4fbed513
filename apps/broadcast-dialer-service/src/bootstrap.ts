import type { ServiceConfig } from '@voxmail/config';
import { QUEUE_GROUPS } from '@voxmail/contracts';
import { bootstrapService, RunningService } from '@voxmail/messaging';
import { DialerModule } from './dialer.module';

export function startDialerService(
  config: ServiceConfig,
  opts?: { handleSignals?: boolean },
): Promise<RunningService> {
  return bootstrapService(DialerModule.register(config) as never, config, QUEUE_GROUPS.dialer, opts);
}
