import { DynamicModule, Module } from '@nestjs/common';
import type { ServiceConfig } from '@voxmail/config';
import { ServiceInfraModule } from '@voxmail/messaging';
import { MessageHandler } from './message.handler';
import { Outbox1764000000000 } from './migrations/1764000000000-outbox';

export const MESSAGE_SCHEMA = 'message';

export const MESSAGE_ENTITIES = [];
export const MESSAGE_MIGRATIONS = [Outbox1764000000000];

@Module({})
export class MessageModule {
  static register(config: ServiceConfig): DynamicModule {
    return {
      module: MessageModule,
      imports: [
        ServiceInfraModule.forService({ config, schema: MESSAGE_SCHEMA, entities: MESSAGE_ENTITIES, migrations: MESSAGE_MIGRATIONS }),
      ],
      controllers: [MessageHandler],
    };
  }
}
