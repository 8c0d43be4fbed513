// message-service's own copy of what it needs to know about voicemail boxes and their accounts (existence,
// who may see a box, its settings and limits), projected from mailbox-service's events; never from its
// tables. A deleted box stays as a tombstone, so listing its messages answers [] as Kazoo does.
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { NatsConnection } from 'nats';
import { DataSource, EntityManager } from 'typeorm';
import type { ServiceConfig } from '@voxmail/config';
import {
  accountTranscription,
  EVENT_SUBJECT_PREFIX,
  EventEnvelope,
  EventTypes,
  isHexId,
  JsonObject,
  StoredDocument,
} from '@voxmail/contracts';
import { EventConsumer, MessagingLifecycle, NATS_CONNECTION, perDatabaseDurable } from '@voxmail/messaging';
import { MESSAGE_SCHEMA, MESSAGE_SERVICE_CONFIG } from '../tokens';
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
  } | null;
}

/** One durable consumer per database, like the other projections: replicas share it. */
function boxProjectionDurable(databaseUrl: string): string {
  return perDatabaseDurable('message-boxes', databaseUrl);
}

const BOX_EVENTS: string[] = [
  EventTypes.MailboxCreated,
  EventTypes.MailboxUpdated,
  EventTypes.MailboxDeleted,
];
const ACCOUNT_EVENTS: string[] = [
  EventTypes.AccountCreated,
  EventTypes.AccountUpdated,
  EventTypes.AccountDeleted,
];

function peopleOf(doc: JsonObject): { ownerId: string | null; members: string[] } {
  const ownerId = isHexId(doc.owner_id) ? doc.owner_id : null;
  const members = Array.isArray(doc.members) ? doc.members.filter(isHexId) : [];
  return { ownerId, members };
}

@Injectable()
export class BoxProjection implements OnApplicationBootstrap {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly rows: BoxProjectionRepository,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly lifecycle: MessagingLifecycle,
    @Inject(MESSAGE_SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.lifecycle.addConsumer(
      new EventConsumer(
        this.nc,
        this.ds,
        MESSAGE_SCHEMA,
        {
          durable: boxProjectionDurable(this.config.databaseUrl),
          filterSubjects: [...BOX_EVENTS, ...ACCOUNT_EVENTS].map((t) => `${EVENT_SUBJECT_PREFIX}.*.${t}`),
        },
        (e, m) => this.apply(e, m),
      ),
    );
  }

  /** Applies one event; an event older than what a row already reflects changes nothing. */
  async apply(e: EventEnvelope, m: EntityManager): Promise<void> {
    const data = (e.data ?? {}) as JsonObject;
    const at = new Date(e.occurredAt);
    if (!isHexId(e.tenantId) || Number.isNaN(at.getTime())) throw new Error(`malformed ${e.type} event`);
    if (BOX_EVENTS.includes(e.type)) {
      const id = isHexId(data.id) ? data.id : e.aggregateId;
      if (!isHexId(id)) throw new Error(`malformed ${e.type} event: no box id`);
      if (e.type === EventTypes.MailboxDeleted) return this.tombstone(m, e.tenantId, id, at);
      const { ownerId, members } = peopleOf(data);
      await this.rows.upsertBox(m, { tenantId: e.tenantId, id, doc: { ...data, id }, ownerId, members, at });
      return;
    }
    if (ACCOUNT_EVENTS.includes(e.type)) {
      const deleted = e.type === EventTypes.AccountDeleted;
      await this.rows.upsertAccount(m, {
        tenantId: e.tenantId,
        maxMessageCount: JSON.stringify(data.max_message_count ?? null),
        maxMessageLength: JSON.stringify(data.max_message_length ?? null),
        deleted,
        at,
        // an account's place in the tree never changes; events that carry it fill it in
        tree: Array.isArray(data.tree) && data.tree.every(isHexId) ? data.tree : null,
        transcription: accountTranscription(data),
      });
    }
  }

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
