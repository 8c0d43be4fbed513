import type { TranscriptionConfig } from '@voxmail/config';
import { QUEUE_GROUPS } from '@voxmail/contracts';
import { serviceStarter } from '@voxmail/messaging';
import { TranscriptionModule } from './transcription.module';

export const startTranscriptionService = serviceStarter<TranscriptionConfig>(
  TranscriptionModule,
  QUEUE_GROUPS.transcription,
);

/** The durable consumer transcription-service reads the event stream with (tests wait for it). */
export { transcriptionDurable } from './jobs/transcription.consumers';
