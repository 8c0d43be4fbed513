// The intake: a durable consumer of message-service's events. The first stored audio of a message
// (`message.media_stored` without `replaced_object_id`) of a box that transcribes queues a job (once per
// message: the inbox row and the job's primary key); `message.deleted` drops a job not yet started.
// message-service says in the event whether the box transcribes (`transcribe`: the account's
// `transcription.enabled`, else the box's `transcribe`); `transcribe: false` queues nothing. An event
// without the field (published before it existed, or before message-service knew the account) is queued,
// and message-service decides when the job runs (Commands.MessageTranscriptionSource), the second guard.
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Events, isHexId, isMessageId, MessageEventData } from '@voxmail/contracts';
import { AfterCommit, HandleEvent, perDatabaseDurable, ReceivedEvent } from '@voxmail/messaging';
import { JobsRepository } from './jobs.repository';
import { TranscriptionWorker } from './transcription-worker';

/** One durable consumer per database: replicas share it. */
const INTAKE = { durable: 'transcription-intake', perDatabase: true };

export function transcriptionDurable(databaseUrl: string): string {
  return perDatabaseDurable(INTAKE.durable, databaseUrl);
}

@Injectable()
export class TranscriptionConsumers {
  constructor(
    private readonly jobs: JobsRepository,
    private readonly worker: TranscriptionWorker,
  ) {}

  @HandleEvent(Events.MessageMediaStored, INTAKE)
  async mediaStored(e: ReceivedEvent<MessageEventData>, m: EntityManager): Promise<void | AfterCommit> {
    const d = e.data;
    if (!isHexId(e.tenantId) || !isMessageId(d.id)) return;
    if (d.replaced_object_id != null || !isHexId(d.vmbox_id) || d.transcribe === false) return;
    if (await this.jobs.enqueue(m, e.tenantId, d.id, d.vmbox_id)) return () => this.worker.wake();
  }

  @HandleEvent(Events.MessageDeleted, INTAKE)
  async messageDeleted(e: ReceivedEvent<MessageEventData>, m: EntityManager): Promise<void> {
    if (!isHexId(e.tenantId) || !isMessageId(e.data.id)) return;
    await this.jobs.cancel(m, e.tenantId, e.data.id);
  }
}
