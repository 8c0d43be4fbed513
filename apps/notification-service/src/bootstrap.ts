import type { NotificationConfig } from '@voxmail/config';
import { QUEUE_GROUPS } from '@voxmail/contracts';
import { bootstrapService, RunningService } from '@voxmail/messaging';
import { NotificationModule } from './notification.module';

export function startNotificationService(
  config: NotificationConfig,
  opts?: { handleSignals?: boolean },
): Promise<RunningService> {
  return bootstrapService(
    NotificationModule.register(config) as never,
    config,
    QUEUE_GROUPS.notification,
    opts,
  );
}
