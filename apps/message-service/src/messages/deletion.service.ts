// Deleting messages: into the `deleted` folder until retention ends, purges, and the boxes mailbox deletes.
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import {
  BulkDeleteMessagesCommand,
  BulkResult,
  DocReply,
  Events,
  isMessageId,
  MessageIdCommand,
  NewEvent,
  revisionOf,
  VmboxReply,
} from '@voxmail/contracts';
import { appendEvents } from '@voxmail/messaging';
import { BoxDirectory } from '../peers';
import { MESSAGE_SETTINGS, MessageSettings } from '../settings';
import { MESSAGE_SCHEMA } from '../tokens';
import { MessageEntity } from './message.entity';
import { messageEvent, mwiEvent } from './message-events';
import { messageView, notFound } from './message-views';
import { countDelta, MessagesRepository } from './messages.repository';

@Injectable()
export class DeletionService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly messages: MessagesRepository,
    private readonly boxes: BoxDirectory,
    @Inject(MESSAGE_SETTINGS) private readonly settings: MessageSettings,
  ) {}

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
          events.push(messageEvent(Events.MessageDeleted, e, { purged: true }));
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
          messageEvent(Events.MessageDeleted, e, { purged: false, purge_at: purgeAt.toISOString() }),
        );
      }
      await this.messages.remove(m, tenantId, purge);
      const after = await this.messages.adjustCounts(m, tenantId, vmboxId, delta);
      if (events.length)
        await appendEvents(m, MESSAGE_SCHEMA, [...events, mwiEvent(tenantId, vmboxId, after)]);
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
      messageEvent(Events.MessageDeleted, e, { purged: true, reason }),
      mwiEvent(tenantId, vmboxId, after),
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
      ...all.map((e) => messageEvent(Events.MessageDeleted, e, { purged: true, reason: 'mailbox_deleted' })),
      mwiEvent(tenantId, vmboxId, { new: 0, saved: 0 }),
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
          rows.map((e) => messageEvent(Events.MessageDeleted, e, { purged: true, reason: 'retention' })),
        );
      }
      return rows.length;
    });
  }
}

function groupBy<T>(xs: T[], key: (x: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of xs) out.set(key(x), [...(out.get(key(x)) ?? []), x]);
  return out;
}
