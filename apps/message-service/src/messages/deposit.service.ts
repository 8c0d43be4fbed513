// Depositing messages: from JSON metadata, or with audio (multipart create, or an upload onto a message).
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import {
  AbortUploadCommand,
  AttachMediaCommand,
  BeginUploadCommand,
  boxTranscribes,
  CreateMessageCommand,
  DocReply,
  DomainError,
  ErrorCode,
  Events,
  isMessageId,
  messageMetadataOf,
  MessageFolder,
  MessageUploadTicket,
  newMessageId,
  StoredMedia,
  toGregorian,
} from '@voxmail/contracts';
import { appendEvents } from '@voxmail/messaging';
import { BoxDirectory, DirectoryBox, MediaLibrary } from '../peers';
import { MESSAGE_SCHEMA } from '../tokens';
import { MessageEntity } from './message.entity';
import { assertRoom, kazooMessageDefaults, maxDurationMs } from './box-rules';
import { mediaStoredEvent, messageEvent, mwiEvent } from './message-events';
import { MessageSearchRepository } from './message-search.repository';
import { messageReply, notFound } from './message-views';
import { countDelta, MessagesRepository } from './messages.repository';

@Injectable()
export class DepositService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly messages: MessagesRepository,
    private readonly boxes: BoxDirectory,
    private readonly media: MediaLibrary,
    private readonly search: MessageSearchRepository,
  ) {}

  /**
   * Whether the box's messages are transcribed, for `message.media_stored` (null: account not known yet).
   * The account's setting comes with the box from the projection; only a box mailbox-service answered
   * (a projection miss) costs a read of the account's.
   */
  private async transcribes(tenantId: string, box: DirectoryBox): Promise<boolean | null> {
    const account = box.accountTranscription ?? (await this.search.knownAccountTranscription(tenantId));
    return account && boxTranscribes(box.doc, account.enabled);
  }

  /**
   * Creates a message from JSON metadata, or (multipart) from metadata plus a finished upload.
   * `alsoInTransaction` lets a voicemail slot record its filling in the same commit as the message.
   * A deposit is unique per box and `call_id`: a PBX retrying one gets the message already made (checked
   * under the box's counter lock, so two at once make one), and its new upload is dropped.
   */
  async create(
    cmd: CreateMessageCommand,
    alsoInTransaction?: (m: EntityManager, e: MessageEntity) => Promise<void>,
  ): Promise<DocReply> {
    const box = await this.boxes.require(cmd.actor, cmd.tenantId, cmd.vmboxId);
    const doc = messageMetadataOf(cmd.doc);
    const ts = typeof doc.timestamp === 'number' ? doc.timestamp : toGregorian(new Date());
    const callId = typeof doc.call_id === 'string' && doc.call_id !== '' ? doc.call_id : undefined;
    if (callId) {
      const existing = await this.messages.byCallId(cmd.tenantId, cmd.vmboxId, callId);
      if (existing) {
        if (cmd.uploadId)
          await this.media.abort(cmd.tenantId, cmd.actor, cmd.uploadId).catch(() => undefined);
        return messageReply(existing);
      }
    }
    let stored: StoredMedia | undefined;
    let id = newMessageId(ts);
    if (cmd.uploadId) {
      // a full box refuses before the upload is committed, so the caller's abort leaves nothing of it
      assertRoom(box, await this.messages.counts(cmd.tenantId, cmd.vmboxId));
      // the upload is named this message's (a slot's upload already has its message id, which it keeps)
      stored = await this.media.commit(
        cmd.tenantId,
        cmd.actor,
        cmd.uploadId,
        maxDurationMs(box),
        cmd.facts,
        id,
      );
      if (!isMessageId(stored.owner_id))
        throw new DomainError(ErrorCode.BadRequest, 'the upload does not belong to a message');
      id = stored.owner_id;
    }
    const folder = (doc.folder as MessageFolder | undefined) ?? 'new';
    const transcribe = stored ? await this.transcribes(cmd.tenantId, box) : null;
    return this.ds.transaction(async (m) => {
      const counts = await this.messages.lockCounts(m, cmd.tenantId, cmd.vmboxId);
      // the same call deposited meanwhile: its message answers (this upload's object is swept, unclaimed)
      const same = callId && (await this.messages.byCallId(cmd.tenantId, cmd.vmboxId, callId, m));
      if (same) return messageReply(same);
      assertRoom(box, counts);
      const e = await this.messages.insert(m, {
        tenantId: cmd.tenantId,
        id,
        vmboxId: cmd.vmboxId,
        folder,
        ts,
        doc: {
          ...kazooMessageDefaults(),
          ...doc,
          timestamp: ts,
          folder,
          length: stored?.duration_ms ?? 0,
          media_id: id,
        },
        media: stored ?? null,
        version: 1,
        purgeAt: null,
      });
      const after = await this.messages.adjustCounts(m, cmd.tenantId, cmd.vmboxId, countDelta(null, folder));
      await appendEvents(m, MESSAGE_SCHEMA, [
        messageEvent(Events.MessageCreated, e),
        ...(stored ? [mediaStoredEvent(e, null, transcribe)] : []),
        mwiEvent(cmd.tenantId, cmd.vmboxId, after),
      ]);
      if (alsoInTransaction) await alsoInTransaction(m, e);
      return messageReply(e);
    });
  }

  /**
   * Reserves an upload for an existing message (`PUT .../raw`). A multipart create needs none: the
   * gateway reserves with media-storage, and the create names the message the upload's owner.
   */
  async beginUpload(cmd: BeginUploadCommand): Promise<MessageUploadTicket> {
    await this.boxes.require(cmd.actor, cmd.tenantId, cmd.vmboxId);
    if (!(await this.messages.find(cmd.tenantId, cmd.vmboxId, cmd.id))) throw notFound();
    const t = await this.media.uploadTicket(cmd.tenantId, cmd.actor, 'message', cmd.id);
    return { messageId: cmd.id, ...t };
  }

  async abortUpload(cmd: AbortUploadCommand): Promise<{ aborted: true }> {
    await this.boxes.require(cmd.actor, cmd.tenantId, cmd.vmboxId);
    await this.media.abort(cmd.tenantId, cmd.actor, cmd.uploadId);
    return { aborted: true };
  }

  /** Puts a finished upload on its message, replacing any earlier audio; `length` comes from the audio. */
  async attachMedia(cmd: AttachMediaCommand): Promise<DocReply> {
    const box = await this.boxes.require(cmd.actor, cmd.tenantId, cmd.vmboxId);
    if (!(await this.messages.find(cmd.tenantId, cmd.vmboxId, cmd.id))) throw notFound();
    const stored = await this.media.commit(
      cmd.tenantId,
      cmd.actor,
      cmd.uploadId,
      maxDurationMs(box),
      cmd.facts,
    );
    if (stored.owner_id !== cmd.id)
      throw new DomainError(ErrorCode.BadRequest, 'the upload belongs to another message');
    const transcribe = await this.transcribes(cmd.tenantId, box);
    return this.ds.transaction(async (m) => {
      const counts = await this.messages.lockCounts(m, cmd.tenantId, cmd.vmboxId);
      const e = await this.messages.lock(cmd.tenantId, cmd.vmboxId, cmd.id, m);
      if (!e) throw notFound();
      const replaced = e.media?.object_id ?? null;
      e.media = stored;
      e.doc = { ...e.doc, length: stored.duration_ms };
      e.version += 1;
      const saved = await this.messages.save(m, e);
      await appendEvents(m, MESSAGE_SCHEMA, [
        mediaStoredEvent(saved, replaced, transcribe),
        mwiEvent(cmd.tenantId, cmd.vmboxId, counts),
      ]);
      return messageReply(saved);
    });
  }
}
