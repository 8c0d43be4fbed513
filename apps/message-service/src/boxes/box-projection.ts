// message-service's own copy of what it needs to know about voicemail boxes and their accounts (existence,
// who may see a box, its settings and limits), projected from mailbox-service's events; never from its
// tables (boxes.consumers.ts). A deleted box stays as a tombstone, so listing its messages answers [] as
// Kazoo does.
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  accountTranscription,
  AccountTranscription,
  isHexId,
  JsonObject,
  StoredDocument,
} from '@voxmail/contracts';
import { BoxProjectionRepository } from './box-projection.repository';

/** A box as the projection knows it, with its account's limit defaults. */
export interface ProjectedBox {
  doc: StoredDocument;
  ownerId: string | null;
  members: string[];
  deleted: boolean;
  /** null when no account event has been seen (older than the stream keeps): the projection misses. */
  account: {
    deleted: boolean;
    maxMessageCount: unknown;
    maxMessageLength: unknown;
    /** The account's ancestors (root first), for reseller access; null until an event carried them. */
    tree: string[] | null;
    /** The account's `transcription` settings (all null: none). */
    transcription: AccountTranscription;
  } | null;
}

export function peopleOf(doc: JsonObject): { ownerId: string | null; members: string[] } {
  const ownerId = isHexId(doc.owner_id) ? doc.owner_id : null;
  const members = Array.isArray(doc.members) ? doc.members.filter(isHexId) : [];
  return { ownerId, members };
}

@Injectable()
export class BoxProjection {
  constructor(private readonly rows: BoxProjectionRepository) {}

  /** Marks a box deleted (also called in the transaction that purges its messages). */
  async tombstone(m: EntityManager, tenantId: string, vmboxId: string, at = new Date()): Promise<void> {
    await this.rows.tombstone(m, tenantId, vmboxId, at);
  }

  async find(tenantId: string, vmboxId: string): Promise<ProjectedBox | null> {
    const r = await this.rows.find(tenantId, vmboxId);
    if (!r) return null;
    return {
      doc: r.doc,
      ownerId: r.owner_id,
      members: r.members,
      deleted: r.deleted,
      account: r.account_known
        ? {
            deleted: r.account_deleted === true,
            maxMessageCount: r.max_message_count,
            maxMessageLength: r.max_message_length,
            tree: r.tree,
            transcription: accountTranscription({ transcription: r.transcription }),
          }
        : null,
    };
  }

  /**
   * Fills the projection from mailbox-service's own answer on a miss (a box created a moment ago whose
   * event is still on its way). It never overrides an event: the row counts as older than any of them.
   */
  async fillFromMailbox(tenantId: string, doc: StoredDocument): Promise<void> {
    const { ownerId, members } = peopleOf(doc);
    await this.rows.insertIfMissing(tenantId, doc, ownerId, members);
  }
}
