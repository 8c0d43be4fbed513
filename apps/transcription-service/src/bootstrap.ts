import type { TranscriptionConfig } from '@voxmail/config';
import { QUEUE_GROUPS } from '@voxmail/contracts';
import { bootstrapService, RunningService } from '@voxmail/messaging';
import { TranscriptionModule } from './transcription.module';

export function startTranscriptionService(
  config: TranscriptionConfig,
  opts?: { handleSignals?: boolean },
): Promise<RunningService> {
  return bootstrapService(
    TranscriptionModule.register(config) as never,
    config,
    QUEUE_GROUPS.transcription,
    opts,
  );
}

/** The durable consumer transcription-service reads the event stream with (tests wait for it). */
export { transcriptionDurable } from './jobs/transcription.consumers';
