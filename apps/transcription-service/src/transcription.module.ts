import { DynamicModule, Module } from '@nestjs/common';
import type { TranscriptionConfig } from '@voxmail/config';
import { ServiceInfraModule } from '@voxmail/messaging';
import { Engines } from './engines/engine';
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

/**
 * The engines this replica can run: pocketsphinx always, openai when configured; TRANSCRIPTION_ENGINE names
 * the default, an account's `transcription.engine` another one.
 */
export function enginesOf(config: TranscriptionConfig): Engines {
  const t = config.transcription;
  const pocketsphinx = new PocketsphinxEngine(t.pocketsphinxPath);
  const openai = t.openai ? new OpenAiEngine(t.openai) : undefined;
  return new Engines(t.engine === 'openai' && openai ? openai : pocketsphinx, { pocketsphinx, openai });
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
        { provide: TRANSCRIPTION_ENGINE, useValue: enginesOf(config) },
        JobsRepository,
        TranscriptionWorker,
        TranscriptionConsumers,
      ],
    };
  }
}
