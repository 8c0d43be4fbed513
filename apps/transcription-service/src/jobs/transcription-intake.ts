// The intake: a durable consumer of message-service's events. The first stored audio of a message
// (`message.media_stored` without `replaced_object_id`) queues a job (once per message: the inbox row and
// the job's primary key); `message.deleted` drops a job not yet started. Whether the box transcribes is
// message-service's to say when the job runs (Commands.MessageTranscriptionSource).
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { NatsConnection } from 'nats';
import { DataSource, EntityManager } from 'typeorm';
import type { TranscriptionConfig } from '@voxmail/config';
import {
  EVENT_SUBJECT_PREFIX,
  EventEnvelope,
  EventTypes,
  isHexId,
  isMessageId,
  isPlainObject,
} from '@voxmail/contracts';
import {
  AfterCommit,
  EventConsumer,
  MessagingLifecycle,
  NATS_CONNECTION,
  perDatabaseDurable,
} from '@voxmail/messaging';
import { TRANSCRIPTION_CONFIG, TRANSCRIPTION_SCHEMA } from '../tokens';
import { JobsRepository } from './jobs.repository';
import { TranscriptionWorker } from './transcription-worker';

/** One durable consumer per database: replicas share it. */
export function transcriptionDurable(databaseUrl: string): string {
  return perDatabaseDurable('transcription-intake', databaseUrl);
}

@Injectable()
export class TranscriptionIntake implements OnApplicationBootstrap {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly lifecycle: MessagingLifecycle,
    private readonly jobs: JobsRepository,
    private readonly worker: TranscriptionWorker,
    @Inject(TRANSCRIPTION_CONFIG) private readonly config: TranscriptionConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.lifecycle.addConsumer(
      new EventConsumer(
        this.nc,
        this.ds,
        TRANSCRIPTION_SCHEMA,
        {
          durable: transcriptionDurable(this.config.databaseUrl),
          filterSubjects: [EventTypes.MessageMediaStored, EventTypes.MessageDeleted].map(
            (t) => `${EVENT_SUBJECT_PREFIX}.*.${t}`,
          ),
        },
        (e, m) => this.apply(e, m),
      ),
    );
  }

  async apply(e: EventEnvelope, m: EntityManager): Promise<void | AfterCommit> {
    if (!isHexId(e.tenantId)) return;
    const data = isPlainObject(e.data) ? e.data : {};
    if (!isMessageId(data.id)) return;
    if (e.type === EventTypes.MessageDeleted) {
      await this.jobs.cancel(m, e.tenantId, data.id);
      return;
    }
    if (e.type !== EventTypes.MessageMediaStored || data.replaced_object_id != null) return;
    if (!isHexId(data.vmbox_id)) return;
    if (await this.jobs.enqueue(m, e.tenantId, data.id, data.vmbox_id)) return () => this.worker.wake();
  }
}
