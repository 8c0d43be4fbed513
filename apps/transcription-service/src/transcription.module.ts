import { DynamicModule, Module } from '@nestjs/common';
import type { TranscriptionConfig } from '@voxmail/config';
import { ServiceInfraModule } from '@voxmail/messaging';
import { TranscriptionEngine } from './engines/engine';
import { OpenAiEngine } from './engines/openai.engine';
import { PocketsphinxEngine } from './engines/pocketsphinx.engine';
import { JobsRepository } from './jobs/jobs.repository';
import { TranscriptionConsumers } from './jobs/transcription.consumers';
import { TranscriptionWorker } from './jobs/transcription-worker';
import { Outbox1764000000000 } from './migrations/1764000000000-outbox';
import { Jobs1765000000000 } from './migrations/1765000000000-jobs';
import { TRANSCRIPTION_CONFIG, TRANSCRIPTION_ENGINE, TRANSCRIPTION_SCHEMA } from './tokens';

export { TRANSCRIPTION_SCHEMA };

export const TRANSCRIPTION_ENTITIES = [];
export const TRANSCRIPTION_MIGRATIONS = [Outbox1764000000000, Jobs1765000000000];

/** The engine TRANSCRIPTION_ENGINE names. */
export function engineOf(config: TranscriptionConfig): TranscriptionEngine {
  const t = config.transcription;
  return t.engine === 'openai' && t.openai
    ? new OpenAiEngine(t.openai)
    : new PocketsphinxEngine(t.pocketsphinxPath);
}

@Module({})
export class TranscriptionModule {
  static register(config: TranscriptionConfig): DynamicModule {
    return {
      module: TranscriptionModule,
      imports: [
        ServiceInfraModule.forService({
          config,
          schema: TRANSCRIPTION_SCHEMA,
          entities: TRANSCRIPTION_ENTITIES,
          migrations: TRANSCRIPTION_MIGRATIONS,
        }),
      ],
      providers: [
        { provide: TRANSCRIPTION_CONFIG, useValue: config },
        { provide: TRANSCRIPTION_ENGINE, useValue: engineOf(config) },
        JobsRepository,
        TranscriptionWorker,
        TranscriptionConsumers,
      ],
    };
  }
}
