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

/** The durable consumers notification-service reads the event stream with (tests wait for them). */
export { EMAIL_DURABLE } from './email/email.consumers';
export { WEBHOOK_FANOUT_DURABLE } from './webhooks/webhooks.consumers';
