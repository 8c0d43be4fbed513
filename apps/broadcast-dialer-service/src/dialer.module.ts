import { DynamicModule, Module } from '@nestjs/common';
import { serviceEntry } from '@voxmail/contracts';
import type { NatsConnection } from 'nats';
import { NATS_CONNECTION, ServiceInfraModule } from '@voxmail/messaging';
import { AccountLimitsConsumers } from './broadcasts/account-limits.consumers';
import { AccountLimitsRepository } from './broadcasts/account-limits.repository';
import { AppWebhookDelivery, DialerEvents } from './broadcasts/app-webhooks';
import { AppsRepository } from './broadcasts/apps.repository';
import { AppsService } from './broadcasts/apps.service';
import { BackgroundGate } from './broadcasts/background-gate';
import { BroadcastsRepository } from './broadcasts/broadcasts.repository';
import { BroadcastsHandler } from './broadcasts/broadcasts.handler';
import { BroadcastsService } from './broadcasts/broadcasts.service';
import { CallsRepository } from './broadcasts/calls.repository';
import { CARRIERS, CarrierRegistry, DialerWorker } from './broadcasts/dialer.worker';
import { DncRepository } from './broadcasts/dnc.repository';
import { PacingRepository } from './broadcasts/pacing.repository';
import { PromptLibrary } from './broadcasts/prompt-library';
import { WebhookDeliveriesRepository } from './broadcasts/webhook-deliveries.repository';
import { sipCarrier } from './carriers/sip';
import { SimulatedCarrier } from './carriers/simulated.carrier';
import { Outbox1764000000000 } from './migrations/1764000000000-outbox';
import { Broadcasts1764400000000 } from './migrations/1764400000000-broadcasts';
import { PromptsRecordsWebhooks1764700000000 } from './migrations/1764700000000-prompts-records-webhooks';
import { IdempotencyKeys1764950000000 } from './migrations/1764950000000-idempotency-keys';
import { AccountLimits1765100000000 } from './migrations/1765100000000-account-limits';
import { OnbukaKeysRepository } from './onbuka/onbuka-keys.repository';
import { OnbukaKeysService } from './onbuka/onbuka-keys.service';
import { DIALER_SETTINGS, DialerConfig } from './settings';

export const DIALER_SCHEMA = serviceEntry('dialer').schema;

export const DIALER_ENTITIES = [];
export const DIALER_MIGRATIONS = [
  Outbox1764000000000,
  Broadcasts1764400000000,
  PromptsRecordsWebhooks1764700000000,
  IdempotencyKeys1764950000000,
  AccountLimits1765100000000,
];

@Module({})
export class DialerModule {
  static register(config: DialerConfig, carriers?: CarrierRegistry): DynamicModule {
    const settings = config.dialer;
    return {
      module: DialerModule,
      imports: [
        ServiceInfraModule.forService({
          config,
          schema: DIALER_SCHEMA,
          entities: DIALER_ENTITIES,
          migrations: DIALER_MIGRATIONS,
        }),
      ],
      controllers: [BroadcastsHandler],
      providers: [
        { provide: DIALER_SETTINGS, useValue: settings },
        {
          provide: CARRIERS,
          inject: [NATS_CONNECTION],
          // the adapters an app's `carrier` names; the sip one asks media-storage for prompts over NATS
          useFactory: (nc: NatsConnection): CarrierRegistry =>
            carriers ?? {
              simulated: new SimulatedCarrier(),
              sip: sipCarrier(nc, settings.sip, settings.commandTimeoutMs),
            },
        },
        // one gate per replica for all background database work (see background-gate.ts)
        { provide: BackgroundGate, useFactory: () => new BackgroundGate() },
        AppsRepository,
        DncRepository,
        BroadcastsRepository,
        CallsRepository,
        PacingRepository,
        WebhookDeliveriesRepository,
        OnbukaKeysRepository,
        DialerEvents,
        PromptLibrary,
        AppsService,
        BroadcastsService,
        OnbukaKeysService,
        DialerWorker,
        AppWebhookDelivery,
        AccountLimitsRepository,
        AccountLimitsConsumers,
      ],
    };
  }
}
