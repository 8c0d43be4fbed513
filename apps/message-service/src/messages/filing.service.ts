// Filing messages: folder changes, moves to another box, copies, and their bulk forms.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  Actor,
  BulkChangeMessagesCommand,
  BulkResult,
  ChangeMessageCommand,
  DocReply,
  DomainError,
  ErrorCode,
  Events,
  isMessageId,
  MessageFolder,
  newMessageId,
  VmboxReply,
} from '@voxmail/contracts';
import { appendEvents } from '@voxmail/messaging';
import { BoxDirectory, MediaLibrary } from '../peers';
import { MESSAGE_SCHEMA } from '../tokens';
import { MessageEntity } from './message.entity';
import { assertRoom } from './box-rules';
import { messageEvent, mwiEvent } from './message-events';
import { messageReply, notFound, reasonOf } from './message-views';
import { BoxCounts, countDelta, MessagesRepository } from './messages.repository';

@Injectable()
export class FilingService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly messages: MessagesRepository,
    private readonly boxes: BoxDirectory,
    private readonly media: MediaLibrary,
  ) {}

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
      if (from === 'deleted' && folder !== 'deleted') assertRoom(box, counts);
      e.folder = folder;
      e.doc = { ...e.doc, folder };
      e.purgeAt = null;
      e.version += 1;
      const saved = await this.messages.save(m, e);
      const after = await this.messages.adjustCounts(m, tenantId, vmboxId, countDelta(from, folder));
      await appendEvents(m, MESSAGE_SCHEMA, [
        messageEvent(Events.MessageUpdated, saved, { previous_folder: from }),
        mwiEvent(tenantId, vmboxId, after),
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
      if (e.folder !== 'deleted') assertRoom(target, locked.get(toBox)!);
      e.vmboxId = toBox;
      e.doc = { ...e.doc };
      e.version += 1;
      const saved = await this.messages.save(m, e);
      const fromAfter = await this.messages.adjustCounts(m, tenantId, fromBox, countDelta(e.folder, null));
      const toAfter = await this.messages.adjustCounts(m, tenantId, toBox, countDelta(null, e.folder));
      await appendEvents(m, MESSAGE_SCHEMA, [
        messageEvent(Events.MessageMoved, saved, { from_vmbox_id: fromBox }),
        mwiEvent(tenantId, fromBox, fromAfter),
        mwiEvent(tenantId, toBox, toAfter),
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
    assertRoom(target, await this.messages.counts(tenantId, toBox));
    const id = newMessageId(original.ts);
    const media = original.media
      ? await this.media.copy(tenantId, actor, original.media.object_id, id)
      : null;
    return this.ds.transaction(async (m) => {
      assertRoom(target, await this.messages.lockCounts(m, tenantId, toBox));
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
        messageEvent(Events.MessageCopied, copy, {
          source_message_id: original.id,
          source_vmbox_id: original.vmboxId,
        }),
        mwiEvent(tenantId, toBox, after),
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
}
