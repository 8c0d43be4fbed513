// Transcriptions on messages: transcription-service asks for the audio of a message whose box has
// `transcribe: true`, and sends back the result, stored once on the message's document and announced by
// `message.transcribed`. A message deleted meanwhile is skipped; a repeated result is a no-op.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  boxTranscribes,
  DomainError,
  ErrorCode,
  Events,
  isPlainObject,
  JsonObject,
  StoreTranscriptionCommand,
  StoreTranscriptionReply,
  TranscriptionSource,
  TranscriptionSourceCommand,
} from '@voxmail/contracts';
import { appendEvents } from '@voxmail/messaging';
import { BoxDirectory, MediaLibrary } from '../peers';
import { MESSAGE_SCHEMA } from '../tokens';
import { messageEvent } from './message-events';
import { MessageSearchRepository } from './message-search.repository';
import { MessageEntity } from './message.entity';
import { MessagesRepository } from './messages.repository';

/** Whether a message already carries an engine's final result (a client-written one does not count). */
function transcribed(e: MessageEntity): boolean {
  const t = e.doc.transcription;
  return isPlainObject(t) && typeof t.engine === 'string' && t.result !== 'pending';
}

const gone = (e: unknown) => e instanceof DomainError && e.code === ErrorCode.NotFound;

@Injectable()
export class TranscriptionService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly messages: MessagesRepository,
    private readonly boxes: BoxDirectory,
    private readonly media: MediaLibrary,
    private readonly search: MessageSearchRepository,
  ) {}

  async source(cmd: TranscriptionSourceCommand): Promise<TranscriptionSource> {
    const e = await this.messages.findInTenant(cmd.tenantId, cmd.id);
    if (!e || e.folder === 'deleted') return { transcribe: false, reason: 'gone' };
    if (transcribed(e)) return { transcribe: false, reason: 'already_transcribed' };
    let box;
    try {
      box = await this.boxes.require(cmd.actor, cmd.tenantId, e.vmboxId);
    } catch (err) {
      if (gone(err)) return { transcribe: false, reason: 'gone' };
      throw err;
    }
    const account = await this.search.accountTranscription(cmd.tenantId);
    if (!boxTranscribes(box.doc, account.enabled)) return { transcribe: false, reason: 'not_enabled' };
    if (!e.media) return { transcribe: false, reason: 'no_audio' };
    const audio = await this.media.download(cmd.tenantId, cmd.actor, e.media.object_id);
    const media = e.media as unknown as JsonObject;
    return {
      transcribe: true,
      language: account.language,
      engine: account.engine,
      audio: { ...audio, name: `${e.id}.${audio.format}` },
      duration_ms: typeof media.duration_ms === 'number' ? media.duration_ms : null,
    };
  }

  async store(cmd: StoreTranscriptionCommand): Promise<StoreTranscriptionReply> {
    return this.ds.transaction(async (m) => {
      const e = await this.messages.lockInTenant(m, cmd.tenantId, cmd.id);
      if (!e || e.folder === 'deleted' || transcribed(e)) return { stored: false };
      const t = cmd.transcription;
      const transcription: JsonObject = { result: t.result };
      if (t.text !== undefined) transcription.text = t.text;
      if (t.language !== undefined) transcription.language = t.language;
      if (t.engine !== undefined) transcription.engine = t.engine;
      if (t.confidence !== undefined) transcription.confidence = t.confidence;
      if (t.seconds !== undefined) transcription.seconds = t.seconds;
      e.doc = { ...e.doc, transcription };
      e.version += 1;
      const saved = await this.messages.save(m, e);
      await appendEvents(m, MESSAGE_SCHEMA, [messageEvent(Events.MessageTranscribed, saved)]);
      return { stored: true };
    });
  }
}
