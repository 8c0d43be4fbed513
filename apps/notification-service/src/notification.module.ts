import { DynamicModule, Module } from '@nestjs/common';
import type { NotificationConfig } from '@voxmail/config';
import { ServiceInfraModule } from '@voxmail/messaging';
import { Outbox1764000000000 } from './migrations/1764000000000-outbox';
import { Webhooks1764500000000 } from './migrations/1764500000000-webhooks';
import { Email1764600000000 } from './migrations/1764600000000-email';
import { WebhookStart1764700000000 } from './migrations/1764700000000-webhook-start';
import { EmailSends1765000000000 } from './migrations/1765000000000-email-sends';
import { WebhookQuota1765100000000 } from './migrations/1765100000000-webhook-quota';
import { AccountTranscription1765300000000 } from './migrations/1765300000000-account-transcription';
import { NotificationsHandler } from './email/notifications.handler';
import { ProjectionsRepository } from './email/projections.repository';
import { TemplatesRepository } from './email/templates.repository';
import { TemplatesService } from './email/templates.service';
import { EmailConsumers } from './email/email.consumers';
import { VoicemailEmail } from './email/voicemail-email';
import { NOTIFICATION_CONFIG, NOTIFICATION_SCHEMA } from './tokens';
import { WebhookDeliveriesRepository } from './webhooks/webhook-deliveries.repository';
import { WebhookDelivery } from './webhooks/webhook-delivery';
import { WebhookFanout } from './webhooks/webhook-fanout';
import { WebhooksConsumers } from './webhooks/webhooks.consumers';
import { WebhooksHandler } from './webhooks/webhooks.handler';
import { WebhooksRepository } from './webhooks/webhooks.repository';
import { WebhooksService } from './webhooks/webhooks.service';
import { WebhookQuota } from './webhooks/webhook-quota';

export { NOTIFICATION_SCHEMA };

export const NOTIFICATION_ENTITIES = [];
export const NOTIFICATION_MIGRATIONS = [
  Outbox1764000000000,
  Webhooks1764500000000,
  Email1764600000000,
  WebhookStart1764700000000,
  EmailSends1765000000000,
  WebhookQuota1765100000000,
  AccountTranscription1765300000000,
];

@Module({})
export class NotificationModule {
  static register(config: NotificationConfig): DynamicModule {
    return {
      module: NotificationModule,
      imports: [
        ServiceInfraModule.forService({
          config,
          schema: NOTIFICATION_SCHEMA,
          entities: NOTIFICATION_ENTITIES,
          migrations: NOTIFICATION_MIGRATIONS,
        }),
      ],
      controllers: [WebhooksHandler, NotificationsHandler],
      providers: [
        { provide: NOTIFICATION_CONFIG, useValue: config },
        WebhooksRepository,
        WebhookDeliveriesRepository,
        TemplatesRepository,
        ProjectionsRepository,
        WebhooksService,
        WebhookQuota,
        TemplatesService,
        VoicemailEmail,
        WebhookFanout,
        WebhookDelivery,
        EmailConsumers,
        WebhooksConsumers,
      ],
    };
  }
}
