import { DynamicModule, Module } from '@nestjs/common';
import type { ServiceConfig } from '@voxmail/config';
import { serviceEntry } from '@voxmail/contracts';
import { ServiceInfraModule } from '@voxmail/messaging';
import { Outbox1764000000000 } from './migrations/1764000000000-outbox';

export const DIALER_SCHEMA = serviceEntry('dialer').schema;

export const DIALER_ENTITIES = [];
export const DIALER_MIGRATIONS = [Outbox1764000000000];

@Module({})
export class DialerModule {
  static register(config: ServiceConfig): DynamicModule {
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
    };
  }
}
