import type { NotificationConfig } from '@voxmail/config';
import { QUEUE_GROUPS } from '@voxmail/contracts';
import { serviceStarter } from '@voxmail/messaging';
import { NotificationModule } from './notification.module';

export const startNotificationService = serviceStarter<NotificationConfig>(
  NotificationModule,
  QUEUE_GROUPS.notification,
);

/** The durable consumers notification-service reads the event stream with (tests wait for them). */
export { EMAIL_DURABLE } from './email/email.consumers';
export { WEBHOOK_FANOUT_DURABLE } from './webhooks/webhooks.consumers';
