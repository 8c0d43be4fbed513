import { DynamicModule, Module } from '@nestjs/common';
import type { MessageConfig } from '@voxmail/config';
import { ServiceInfraModule } from '@voxmail/messaging';
import { MessageEntity } from './messages/message.entity';
import { AudioService } from './messages/audio.service';
import { MessageSearch1765100000000 } from './migrations/1765100000000-message-search';
import { TranscriptionService } from './messages/transcription.service';
import { MessageSearchRepository } from './messages/message-search.repository';
import { MessageSearchService } from './messages/message-search.service';
import { DeletionService } from './messages/deletion.service';
import { DepositService } from './messages/deposit.service';
import { FilingService } from './messages/filing.service';
import { MessagesHandler } from './messages/messages.handler';
import { MessagesConsumers } from './messages/messages.consumers';
import { MessagesLifecycle } from './messages/messages.lifecycle';
import { MessagesRepository } from './messages/messages.repository';
import { MessagesService } from './messages/messages.service';
import { Outbox1764000000000 } from './migrations/1764000000000-outbox';
import { Messages1764100000000 } from './migrations/1764100000000-messages';
import { BoxProjection } from './boxes/box-projection';
import { BoxesConsumers } from './boxes/boxes.consumers';
import { BoxProjectionRepository } from './boxes/box-projection.repository';
import { BoxProjection1764300000000 } from './migrations/1764300000000-box-projection';
import { BoxDirectory, MediaLibrary, Peers } from './peers';
import { MESSAGE_SETTINGS } from './settings';
import { MESSAGE_SCHEMA, MESSAGE_SERVICE_CONFIG } from './tokens';
import { VoicemailSlots1764200000000 } from './migrations/1764200000000-voicemail-slots';
import { IdempotencyKeys1764950000000 } from './migrations/1764950000000-idempotency-keys';
import { SlotFileNames1765100000000 } from './migrations/1765100000000-slot-file-names';
import { TranscriptionLanguage1765300000000 } from './migrations/1765300000000-transcription-language';
import { SearchTimeOrder1765420000000 } from './migrations/1765420000000-search-time-order';
import { VoicemailSlotEntity } from './voicemail-slots/voicemail-slot.entity';
import { VoicemailSlotsHandler } from './voicemail-slots/voicemail-slots.handler';
import { VoicemailSlotsLifecycle } from './voicemail-slots/voicemail-slots.lifecycle';
import { VoicemailSlotsRepository } from './voicemail-slots/voicemail-slots.repository';
import { VoicemailSlotsService } from './voicemail-slots/voicemail-slots.service';

export { MESSAGE_SCHEMA };

export const MESSAGE_ENTITIES = [MessageEntity, VoicemailSlotEntity];
export const MESSAGE_MIGRATIONS = [
  Outbox1764000000000,
  Messages1764100000000,
  VoicemailSlots1764200000000,
  BoxProjection1764300000000,
  IdempotencyKeys1764950000000,
  SlotFileNames1765100000000,
  MessageSearch1765100000000,
  TranscriptionLanguage1765300000000,
  SearchTimeOrder1765420000000,
];

@Module({})
export class MessageModule {
  static register(config: MessageConfig): DynamicModule {
    return {
      module: MessageModule,
      imports: [
        ServiceInfraModule.forService({
          config,
          schema: MESSAGE_SCHEMA,
          entities: MESSAGE_ENTITIES,
          migrations: MESSAGE_MIGRATIONS,
        }),
      ],
      controllers: [MessagesHandler, VoicemailSlotsHandler],
      providers: [
        { provide: MESSAGE_SETTINGS, useValue: config.message },
        { provide: MESSAGE_SERVICE_CONFIG, useValue: config },
        BoxProjectionRepository,
        BoxProjection,
        BoxesConsumers,
        Peers,
        BoxDirectory,
        MediaLibrary,
        MessagesRepository,
        MessagesService,
        DepositService,
        FilingService,
        DeletionService,
        AudioService,
        TranscriptionService,
        MessageSearchRepository,
        MessageSearchService,
        MessagesLifecycle,
        MessagesConsumers,
        VoicemailSlotsRepository,
        VoicemailSlotsService,
        VoicemailSlotsLifecycle,
      ],
    };
  }
}
