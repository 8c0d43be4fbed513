// Voicemail messages of a box: deposit, list, folder changes, move, copy, delete, audio, MWI counts.
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import {
  AbortUploadCommand,
  Actor,
  ArchiveEntry,
  ArchiveMessagesCommand,
  AttachMediaCommand,
  BeginUploadCommand,
  BulkChangeMessagesCommand,
  BulkDeleteMessagesCommand,
  BulkResult,
  ChangeMessageCommand,
  contentRevision,
  CreateMessageCommand,
  DocReply,
  DomainError,
  ErrorCode,
  EventTypes,
  isMessageId,
  JsonObject,
  ListMessagesCommand,
  ListReply,
  MessageAudio,
  MessageAudioCommand,
  MessageFolder,
  MessageIdCommand,
  MessageSchema,
  MessageUploadTicket,
  NewEvent,
  newMessageId,
  revisionOf,
  SERVER_MESSAGE_KEYS,
  StoredMedia,
  toGregorian,
  validateDocument,
  VmboxReply,
  withoutReservedKeys,
} from '@voxmail/contracts';
import { appendEvents } from '@voxmail/messaging';
import { BoxDirectory, MediaLibrary } from '../peers';
import { MESSAGE_SETTINGS, MessageSettings } from '../settings';
import { MESSAGE_SCHEMA } from '../tokens';
import { MessageEntity } from './message.entity';
import { BoxCounts, countDelta, MessagesRepository } from './messages.repository';

export type MessageView = JsonObject & { media_id: string };

/** The Kazoo message document a client sees. */
export function messageView(e: MessageEntity): MessageView {
  return { ...e.doc, media_id: e.id };
}

function messageReply(e: MessageEntity): DocReply {
  return { doc: { ...messageView(e), id: e.id }, revision: revisionOf(e.id, e.version) };
}

/** A readable, unique file name for a message's audio: when, from whom, and the id's tail. */
export function audioFileName(e: MessageEntity, format: string): string {
  const when = new Date((e.ts - 62167219200) * 1000)
    .toISOString()
    .slice(0, 19)
    .replace('T', '_')
    .replace(/:/g, '-');
  const from = String(e.doc.caller_id_number ?? e.doc.caller_id_name ?? 'unknown')
    .replace(/[^A-Za-z0-9+@._-]/g, '_')
    .slice(0, 40);
  return `${when}_${from}_${e.id.slice(-8)}.${format}`;
}

const notFound = () => DomainError.notFound('bad identifier');

/** Reason strings of a bulk result, as Kazoo reports them (`not_found`, ...). */
function reasonOf(e: unknown): string {
  if (e instanceof DomainError) return e.code === ErrorCode.ValidationFailed ? 'invalid_data' : e.code;
  return 'internal_error';
}

@Injectable()
export class MessagesService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly messages: MessagesRepository,
    private readonly boxes: BoxDirectory,
    private readonly media: MediaLibrary,
    @Inject(MESSAGE_SETTINGS) private readonly settings: MessageSettings,
  ) {}

  // ---- reading ----

  async get(cmd: MessageIdCommand): Promise<DocReply> {
    await this.boxes.require(cmd.actor, cmd.tenantId, cmd.vmboxId);
    const e = await this.messages.find(cmd.tenantId, cmd.vmboxId, cmd.id);
    if (!e) throw notFound();
    return messageReply(e);
  }

  /** Newest first unless the box says `oldest_message_first` (an explicit order in the request wins). */
  async list(cmd: ListMessagesCommand & { explicitOrder?: boolean }): Promise<ListReply> {
    const box = await this.boxes.require(cmd.actor, cmd.tenantId, cmd.vmboxId);
    const query = cmd.query;
    if (!cmd.explicitOrder && box.doc.oldest_message_first === true) query.descending = false;
    const page = await this.messages.list(cmd.tenantId, cmd.vmboxId, query, cmd.folder);
    const items = page.items.map(messageView);
    return {
      items,
      startKey: page.startKey,
      nextStartKey: page.nextStartKey,
      revision: contentRevision(items),
    };
  }

  // ---- creating ----

  /** The client's metadata, checked against the schema; server-owned keys are dropped. */
  private metadataOf(input: JsonObject): JsonObject {
    const doc = validateDocument(MessageSchema, withoutReservedKeys(input));
    for (const k of SERVER_MESSAGE_KEYS) if (k !== 'folder') delete doc[k];
    return doc;
  }

  private assertRoom(box: VmboxReply, counts: BoxCounts, adding = 1): void {
    const max = box.limits.max_message_count;
    if (max !== null && max !== undefined && counts.new + counts.saved + adding > max) {
      throw new DomainError(ErrorCode.Conflict, `the voicemail box is full (max_message_count ${max})`, {
        max_message_count: { maximum: { message: 'The voicemail box is full', target: max } },
      });
    }
  }

  private maxDurationMs(box: VmboxReply): number | undefined {
    const s = box.limits.max_message_length;
    return typeof s === 'number' && s > 0 ? s * 1000 : undefined;
  }

  /**
   * Creates a message from JSON metadata, or (multipart) from metadata plus a finished upload.
   * `alsoInTransaction` lets a voicemail slot record its filling in the same commit as the message.
   */
  async create(
    cmd: CreateMessageCommand,
    alsoInTransaction?: (m: EntityManager, e: MessageEntity) => Promise<void>,
  ): Promise<DocReply> {
    const box = await this.boxes.require(cmd.actor, cmd.tenantId, cmd.vmboxId);
    const doc = this.metadataOf(cmd.doc);
    const ts = typeof doc.timestamp === 'number' ? doc.timestamp : toGregorian(new Date());
    let stored: StoredMedia | undefined;
    let id = newMessageId(ts);
    if (cmd.uploadId) {
      stored = await this.media.commit(cmd.tenantId, cmd.actor, cmd.uploadId, this.maxDurationMs(box));
      if (!isMessageId(stored.owner_id))
        throw new DomainError(ErrorCode.BadRequest, 'the upload does not belong to a message');
      id = stored.owner_id;
    }
    const folder = (doc.folder as MessageFolder | undefined) ?? 'new';
    return this.ds.transaction(async (m) => {
      const counts = await this.messages.lockCounts(m, cmd.tenantId, cmd.vmboxId);
      this.assertRoom(box, counts);
      const e = await this.messages.insert(m, {
        tenantId: cmd.tenantId,
        id,
        vmboxId: cmd.vmboxId,
        folder,
        ts,
        doc: { ...doc, timestamp: ts, folder, length: stored?.duration_ms ?? 0, media_id: id },
        media: stored ?? null,
        version: 1,
        purgeAt: null,
      });
      const after = await this.messages.adjustCounts(m, cmd.tenantId, cmd.vmboxId, countDelta(null, folder));
      await appendEvents(m, MESSAGE_SCHEMA, [
        this.event(EventTypes.MessageCreated, e),
        ...(stored ? [this.mediaStoredEvent(e, null)] : []),
        this.mwi(cmd.tenantId, cmd.vmboxId, after),
      ]);
      if (alsoInTransaction) await alsoInTransaction(m, e);
      return messageReply(e);
    });
  }

  /**
   * Reserves an upload: for an existing message (`PUT .../raw`) or, with the JSON part of a multipart
   * create, for a new message whose metadata and room in the box are checked before any audio is taken.
   */
  async beginUpload(cmd: BeginUploadCommand): Promise<MessageUploadTicket> {
    const box = await this.boxes.require(cmd.actor, cmd.tenantId, cmd.vmboxId);
    let messageId: string;
    if (cmd.id) {
      if (!(await this.messages.find(cmd.tenantId, cmd.vmboxId, cmd.id))) throw notFound();
      messageId = cmd.id;
    } else {
      const doc = this.metadataOf(cmd.doc ?? {});
      this.assertRoom(box, await this.messages.counts(cmd.tenantId, cmd.vmboxId));
      messageId = newMessageId(typeof doc.timestamp === 'number' ? doc.timestamp : toGregorian(new Date()));
    }
    const t = await this.media.uploadTicket(cmd.tenantId, cmd.actor, 'message', messageId);
    return { messageId, ...t };
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
    const stored = await this.media.commit(cmd.tenantId, cmd.actor, cmd.uploadId, this.maxDurationMs(box));
    if (stored.owner_id !== cmd.id)
      throw new DomainError(ErrorCode.BadRequest, 'the upload belongs to another message');
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
        this.mediaStoredEvent(saved, replaced),
        this.mwi(cmd.tenantId, cmd.vmboxId, counts),
      ]);
      return messageReply(saved);
    });
  }

  // ---- changing ----

  /** `POST .../messages/{id}`: folder change, move (`source_id` a box id) or copy (`source_id` a list). */
  async change(cmd: ChangeMessageCommand): Promise<DocReply | BulkResult> {
    const box = await this.boxes.require(cmd.actor, cmd.tenantId, cmd.vmboxId);
    if (Array.isArray(cmd.sourceId))
      return this.copyToBoxes(cmd.actor, cmd.tenantId, box, cmd.id, cmd.sourceId);
    if (typeof cmd.sourceId === 'string')
      return messageReply(await this.moveToBox(cmd.actor, cmd.tenantId, cmd.vmboxId, cmd.id, cmd.sourceId));
    if (cmd.folder) return messageReply(await this.changeFolder(cmd.tenantId, box, cmd.id, cmd.folder));
    throw new DomainError(ErrorCode.ValidationFailed, 'invalid data', {
      folder: { required: { message: 'Give a folder (new or saved) or a source_id' } },
    });
  }

  /** A folder change; taking a message out of `deleted` counts against the box's max_message_count. */
  async changeFolder(
    tenantId: string,
    box: VmboxReply,
    id: string,
    folder: MessageFolder,
  ): Promise<MessageEntity> {
    const vmboxId = box.doc.id;
    return this.ds.transaction(async (m) => {
      const counts = await this.messages.lockCounts(m, tenantId, vmboxId);
      const e = await this.messages.lock(tenantId, vmboxId, id, m);
      if (!e) throw notFound();
      const from = e.folder;
      if (from === 'deleted' && folder !== 'deleted') this.assertRoom(box, counts);
      e.folder = folder;
      e.doc = { ...e.doc, folder };
      e.purgeAt = null;
      e.version += 1;
      const saved = await this.messages.save(m, e);
      const after = await this.messages.adjustCounts(m, tenantId, vmboxId, countDelta(from, folder));
      await appendEvents(m, MESSAGE_SCHEMA, [
        this.event(EventTypes.MessageUpdated, saved, { previous_folder: from }),
        this.mwi(tenantId, vmboxId, after),
      ]);
      return saved;
    });
  }

  /** Moves a message to another box of the same account; it keeps its id and audio. */
  async moveToBox(
    actor: Actor,
    tenantId: string,
    fromBox: string,
    id: string,
    toBox: string,
  ): Promise<MessageEntity> {
    if (toBox === fromBox) {
      const e = await this.messages.find(tenantId, fromBox, id);
      if (!e) throw notFound();
      return e;
    }
    const target = await this.boxes.require(actor, tenantId, toBox);
    return this.ds.transaction(async (m) => {
      // lock both counter rows in a fixed order, so opposite moves never deadlock
      const locked = new Map<string, BoxCounts>();
      for (const b of [fromBox, toBox].sort()) locked.set(b, await this.messages.lockCounts(m, tenantId, b));
      const e = await this.messages.lock(tenantId, fromBox, id, m);
      if (!e) throw notFound();
      if (e.folder !== 'deleted') this.assertRoom(target, locked.get(toBox)!);
      e.vmboxId = toBox;
      e.doc = { ...e.doc };
      e.version += 1;
      const saved = await this.messages.save(m, e);
      const fromAfter = await this.messages.adjustCounts(m, tenantId, fromBox, countDelta(e.folder, null));
      const toAfter = await this.messages.adjustCounts(m, tenantId, toBox, countDelta(null, e.folder));
      await appendEvents(m, MESSAGE_SCHEMA, [
        this.event(EventTypes.MessageMoved, saved, { from_vmbox_id: fromBox }),
        this.mwi(tenantId, fromBox, fromAfter),
        this.mwi(tenantId, toBox, toAfter),
      ]);
      return saved;
    });
  }

  /** Copies a message into each box; every copy gets a new id and its own audio object. */
  async copyToBoxes(
    actor: Actor,
    tenantId: string,
    box: VmboxReply,
    id: string,
    toBoxes: string[],
  ): Promise<BulkResult> {
    const original = await this.messages.find(tenantId, box.doc.id, id);
    if (!original) throw notFound();
    const result: BulkResult = { succeeded: [], failed: [] };
    for (const toBox of [...new Set(toBoxes)]) {
      try {
        result.succeeded.push((await this.copyOne(actor, tenantId, original, toBox)).id);
      } catch (e) {
        result.failed.push({ [toBox]: reasonOf(e) });
      }
    }
    return result;
  }

  private async copyOne(
    actor: Actor,
    tenantId: string,
    original: MessageEntity,
    toBox: string,
  ): Promise<MessageEntity> {
    const target = await this.boxes.require(actor, tenantId, toBox);
    this.assertRoom(target, await this.messages.counts(tenantId, toBox));
    const id = newMessageId(original.ts);
    const media = original.media
      ? await this.media.copy(tenantId, actor, original.media.object_id, id)
      : null;
    return this.ds.transaction(async (m) => {
      this.assertRoom(target, await this.messages.lockCounts(m, tenantId, toBox));
      const copy = await this.messages.insert(m, {
        tenantId,
        id,
        vmboxId: toBox,
        folder: 'new',
        ts: original.ts,
        doc: {
          ...original.doc,
          folder: 'new',
          media_id: id,
          length: media?.duration_ms ?? original.doc.length ?? 0,
        },
        media,
        version: 1,
        purgeAt: null,
      });
      const after = await this.messages.adjustCounts(m, tenantId, toBox, countDelta(null, 'new'));
      await appendEvents(m, MESSAGE_SCHEMA, [
        this.event(EventTypes.MessageCopied, copy, {
          source_message_id: original.id,
          source_vmbox_id: original.vmboxId,
        }),
        this.mwi(tenantId, toBox, after),
      ]);
      return copy;
    });
  }

  /** `POST .../messages` with `{messages, folder|source_id}`: one bad id never fails the others. */
  async bulkChange(cmd: BulkChangeMessagesCommand): Promise<BulkResult> {
    const box = await this.boxes.require(cmd.actor, cmd.tenantId, cmd.vmboxId);
    if (!cmd.folder && cmd.sourceId === undefined) {
      throw new DomainError(ErrorCode.ValidationFailed, 'invalid data', {
        folder: { required: { message: 'Give a folder (new or saved) or a source_id' } },
      });
    }
    const result: BulkResult = { succeeded: [], failed: [] };
    for (const id of [...new Set(cmd.messages)]) {
      try {
        if (!isMessageId(id)) throw notFound();
        if (Array.isArray(cmd.sourceId)) {
          const copies = await this.copyToBoxes(cmd.actor, cmd.tenantId, box, id, cmd.sourceId);
          result.succeeded.push(...copies.succeeded);
          result.failed.push(...copies.failed.map((f) => ({ [id]: Object.values(f)[0] })));
        } else if (typeof cmd.sourceId === 'string') {
          await this.moveToBox(cmd.actor, cmd.tenantId, cmd.vmboxId, id, cmd.sourceId);
          result.succeeded.push(id);
        } else {
          await this.changeFolder(cmd.tenantId, box, id, cmd.folder!);
          result.succeeded.push(id);
        }
      } catch (e) {
        result.failed.push({ [id]: reasonOf(e) });
      }
    }
    return result;
  }

  // ---- deleting ----

  private async retentionMs(box: VmboxReply): Promise<number> {
    const fromLimits = (box.limits as unknown as { deleted_retention_days?: unknown }).deleted_retention_days;
    const fromBox = box.doc.deleted_retention_days;
    const days =
      typeof fromBox === 'number' && fromBox >= 0
        ? fromBox
        : typeof fromLimits === 'number' && fromLimits >= 0
          ? fromLimits
          : this.settings.deletedRetentionDays;
    return days * 86400 * 1000;
  }

  /**
   * Soft-deletes messages into the `deleted` folder until the retention ends; a message already there is
   * purged now (row gone, audio deleted through the event). Answers what each message was before.
   */
  private async deleteMany(
    tenantId: string,
    box: VmboxReply,
    ids: string[],
  ): Promise<{ deleted: MessageEntity[]; missing: string[] }> {
    const vmboxId = box.doc.id;
    const purgeAt = new Date(Date.now() + (await this.retentionMs(box)));
    return this.ds.transaction(async (m) => {
      await this.messages.lockCounts(m, tenantId, vmboxId);
      const deleted: MessageEntity[] = [];
      const missing: string[] = [];
      const events: NewEvent[] = [];
      const delta = { new: 0, saved: 0 };
      const purge: string[] = [];
      for (const id of ids) {
        const e = isMessageId(id) ? await this.messages.lock(tenantId, vmboxId, id, m) : null;
        if (!e) {
          missing.push(id);
          continue;
        }
        deleted.push({ ...e, doc: { ...e.doc } } as MessageEntity);
        if (e.folder === 'deleted') {
          purge.push(e.id);
          events.push(this.event(EventTypes.MessageDeleted, e, { purged: true }));
          continue;
        }
        const d = countDelta(e.folder, 'deleted');
        delta.new += d.new;
        delta.saved += d.saved;
        e.folder = 'deleted';
        e.doc = { ...e.doc, folder: 'deleted' };
        e.purgeAt = purgeAt;
        e.version += 1;
        await this.messages.save(m, e);
        events.push(
          this.event(EventTypes.MessageDeleted, e, { purged: false, purge_at: purgeAt.toISOString() }),
        );
      }
      await this.messages.remove(m, tenantId, purge);
      const after = await this.messages.adjustCounts(m, tenantId, vmboxId, delta);
      if (events.length)
        await appendEvents(m, MESSAGE_SCHEMA, [...events, this.mwi(tenantId, vmboxId, after)]);
      return { deleted, missing };
    });
  }

  async delete(cmd: MessageIdCommand): Promise<DocReply> {
    const box = await this.boxes.require(cmd.actor, cmd.tenantId, cmd.vmboxId);
    const { deleted } = await this.deleteMany(cmd.tenantId, box, [cmd.id]);
    if (!deleted.length) throw notFound();
    return {
      doc: { ...messageView(deleted[0]), id: deleted[0].id },
      revision: revisionOf(deleted[0].id, deleted[0].version + 1),
    };
  }

  /** `DELETE .../messages`: the listed ids, or every message of a folder, or every message. */
  async bulkDelete(cmd: BulkDeleteMessagesCommand): Promise<BulkResult> {
    const box = await this.boxes.require(cmd.actor, cmd.tenantId, cmd.vmboxId);
    // an explicit list, even an empty one, names the messages to delete (Kazoo deletes nothing for `[]`)
    const ids = cmd.messages
      ? [...new Set(cmd.messages)]
      : await this.messages.idsOfBox(cmd.tenantId, cmd.vmboxId, cmd.folder, 10000);
    const result: BulkResult = { succeeded: [], failed: [] };
    for (let i = 0; i < ids.length; i += 500) {
      const { deleted, missing } = await this.deleteMany(cmd.tenantId, box, ids.slice(i, i + 500));
      result.succeeded.push(...deleted.map((e) => e.id));
      result.failed.push(...missing.map((id) => ({ [id]: 'not_found' })));
    }
    return result;
  }

  /** Removes one message at once, whatever its folder (a voicemail slot deleted through its face). */
  async purgeNow(
    m: EntityManager,
    tenantId: string,
    vmboxId: string,
    id: string,
    reason: string,
  ): Promise<void> {
    await this.messages.lockCounts(m, tenantId, vmboxId);
    const e = await this.messages.lock(tenantId, vmboxId, id, m);
    if (!e) return;
    await this.messages.remove(m, tenantId, [id]);
    const after = await this.messages.adjustCounts(m, tenantId, vmboxId, countDelta(e.folder, null));
    await appendEvents(m, MESSAGE_SCHEMA, [
      this.event(EventTypes.MessageDeleted, e, { purged: true, reason }),
      this.mwi(tenantId, vmboxId, after),
    ]);
  }

  /** Purges every message of a box that mailbox-service deleted (in the consumer's transaction). */
  async purgeBox(m: EntityManager, tenantId: string, vmboxId: string): Promise<number> {
    // counters first, then messages: the order every request path takes, so the two never deadlock
    await this.messages.lockCounts(m, tenantId, vmboxId);
    const all = await this.messages.lockAllOfBox(m, tenantId, vmboxId);
    await this.messages.remove(
      m,
      tenantId,
      all.map((e) => e.id),
    );
    await this.messages.dropCounts(m, tenantId, vmboxId);
    await appendEvents(m, MESSAGE_SCHEMA, [
      ...all.map((e) =>
        this.event(EventTypes.MessageDeleted, e, { purged: true, reason: 'mailbox_deleted' }),
      ),
      this.mwi(tenantId, vmboxId, { new: 0, saved: 0 }),
    ]);
    return all.length;
  }

  /** Removes deleted messages whose retention is over; returns how many. */
  async purgeExpired(limit = 500): Promise<number> {
    return this.ds.transaction(async (m) => {
      const rows = await this.messages.lockExpired(m, limit);
      for (const [tenantId, ids] of groupBy(rows, (r) => r.tenantId))
        await this.messages.remove(
          m,
          tenantId,
          ids.map((r) => r.id),
        );
      if (rows.length) {
        await appendEvents(
          m,
          MESSAGE_SCHEMA,
          rows.map((e) => this.event(EventTypes.MessageDeleted, e, { purged: true, reason: 'retention' })),
        );
      }
      return rows.length;
    });
  }

  // ---- audio ----

  async audio(cmd: MessageAudioCommand): Promise<MessageAudio> {
    await this.boxes.require(cmd.actor, cmd.tenantId, cmd.vmboxId);
    const e = await this.messages.find(cmd.tenantId, cmd.vmboxId, cmd.id);
    if (!e) throw notFound();
    if (!e.media) throw new DomainError(ErrorCode.NotFound, 'the message has no audio yet');
    const format = cmd.format && cmd.format !== e.media.format ? cmd.format : undefined;
    const t = await this.media.download(cmd.tenantId, cmd.actor, e.media.object_id, format);
    return { ...t, name: audioFileName(e, t.format) };
  }

  /** The entries of a ZIP of several messages' audio; messages without audio or unknown ids are left out. */
  async archive(cmd: ArchiveMessagesCommand): Promise<ArchiveEntry[]> {
    await this.boxes.require(cmd.actor, cmd.tenantId, cmd.vmboxId);
    const entries: ArchiveEntry[] = [];
    for (const id of [...new Set(cmd.messages)]) {
      if (!isMessageId(id)) continue;
      const e = await this.messages.find(cmd.tenantId, cmd.vmboxId, id);
      if (!e?.media) continue;
      const t = await this.media.download(cmd.tenantId, cmd.actor, e.media.object_id);
      entries.push({
        id,
        name: audioFileName(e, t.format),
        url: t.url,
        size: t.size,
        content_type: t.content_type,
      });
    }
    if (!entries.length) throw DomainError.notFound('none of the messages has audio');
    return entries;
  }

  // ---- events ----

  private event(type: string, e: MessageEntity, extra: JsonObject = {}): NewEvent {
    return {
      type,
      tenantId: e.tenantId,
      aggregateId: e.id,
      data: {
        ...messageView(e),
        id: e.id,
        vmbox_id: e.vmboxId,
        media_object_id: e.media?.object_id ?? null,
        ...extra,
      },
    };
  }

  private mediaStoredEvent(e: MessageEntity, replaced: string | null): NewEvent {
    return this.event(EventTypes.MessageMediaStored, e, {
      replaced_object_id: replaced,
      media: e.media as unknown as JsonObject,
    });
  }

  /** The box's message-waiting counts after a change: the PBX lamp and the vmbox list's `messages`. */
  private mwi(tenantId: string, vmboxId: string, c: BoxCounts): NewEvent {
    return {
      type: EventTypes.MwiUpdated,
      tenantId,
      aggregateId: vmboxId,
      data: { vmbox_id: vmboxId, new: c.new, saved: c.saved },
    };
  }
}

function groupBy<T>(xs: T[], key: (x: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of xs) out.set(key(x), [...(out.get(key(x)) ?? []), x]);
  return out;
}
