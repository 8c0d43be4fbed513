import { DynamicModule, Module } from '@nestjs/common';
import type { ServiceConfig } from '@voxmail/config';
import { serviceEntry } from '@voxmail/contracts';
import { ServiceInfraModule } from '@voxmail/messaging';
import { AppWebhookDelivery } from './broadcasts/app-webhooks';
import { AppsService } from './broadcasts/apps.service';
import { BroadcastsHandler } from './broadcasts/broadcasts.handler';
import { BroadcastsService } from './broadcasts/broadcasts.service';
import { CARRIERS, CarrierRegistry, DialerWorker } from './broadcasts/dialer.worker';
import { PromptLibrary } from './broadcasts/prompt-library';
import { SimulatedCarrier } from './carriers/simulated.carrier';
import { Outbox1764000000000 } from './migrations/1764000000000-outbox';
import { Broadcasts1764400000000 } from './migrations/1764400000000-broadcasts';
import { PromptsRecordsWebhooks1764700000000 } from './migrations/1764700000000-prompts-records-webhooks';
import { OnbukaKeysService } from './onbuka/onbuka-keys.service';
import { DIALER_SETTINGS, DialerSettings, loadDialerSettings } from './settings';

export const DIALER_SCHEMA = serviceEntry('dialer').schema;

export const DIALER_ENTITIES = [];
export const DIALER_MIGRATIONS = [
  Outbox1764000000000,
  Broadcasts1764400000000,
  PromptsRecordsWebhooks1764700000000,
];

@Module({})
export class DialerModule {
  static register(
    config: ServiceConfig,
    settings: DialerSettings = loadDialerSettings(),
    carriers: CarrierRegistry = { simulated: new SimulatedCarrier() },
  ): DynamicModule {
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
        { provide: CARRIERS, useValue: carriers },
        PromptLibrary,
        AppsService,
        BroadcastsService,
        OnbukaKeysService,
        DialerWorker,
        AppWebhookDelivery,
      ],
    };
  }
}
