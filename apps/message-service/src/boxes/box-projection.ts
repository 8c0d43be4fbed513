// message-service's own copy of what it needs to know about voicemail boxes and their accounts (existence,
// who may see a box, its settings and limits), projected from mailbox-service's events; never from its
// tables. A deleted box stays as a tombstone, so listing its messages answers [] as Kazoo does.
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { NatsConnection } from 'nats';
import { DataSource, EntityManager } from 'typeorm';
import type { ServiceConfig } from '@voxmail/config';
import {
  EVENT_SUBJECT_PREFIX,
  EventEnvelope,
  EventTypes,
  isHexId,
  JsonObject,
  StoredDocument,
} from '@voxmail/contracts';
import { EventConsumer, MessagingLifecycle, NATS_CONNECTION, perDatabaseDurable } from '@voxmail/messaging';
import { MESSAGE_SCHEMA, MESSAGE_SERVICE_CONFIG } from '../tokens';

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
export function boxProjectionDurable(databaseUrl: string): string {
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
      // a tombstone is final: box ids are never reused, so no later event brings a box back
      await m.query(
        `INSERT INTO message.box_projection (tenant_id, id, doc, owner_id, members, changed_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant_id, id) DO UPDATE SET doc = EXCLUDED.doc, owner_id = EXCLUDED.owner_id,
           members = EXCLUDED.members, changed_at = EXCLUDED.changed_at
         WHERE NOT message.box_projection.deleted AND message.box_projection.changed_at <= EXCLUDED.changed_at`,
        [e.tenantId, id, { ...data, id }, ownerId, members, at],
      );
      return;
    }
    if (ACCOUNT_EVENTS.includes(e.type)) {
      const deleted = e.type === EventTypes.AccountDeleted;
      await m.query(
        `INSERT INTO message.account_projection
           (tenant_id, max_message_count, max_message_length, tree, deleted, changed_at)
         VALUES ($1, $2, $3, $6, $4, $5)
         ON CONFLICT (tenant_id) DO UPDATE SET max_message_count = EXCLUDED.max_message_count,
           max_message_length = EXCLUDED.max_message_length, deleted = EXCLUDED.deleted,
           tree = COALESCE(EXCLUDED.tree, message.account_projection.tree),
           changed_at = EXCLUDED.changed_at
         WHERE NOT message.account_projection.deleted AND message.account_projection.changed_at <= EXCLUDED.changed_at`,
        [
          e.tenantId,
          JSON.stringify(data.max_message_count ?? null),
          JSON.stringify(data.max_message_length ?? null),
          deleted,
          at,
          // an account's place in the tree never changes; events that carry it fill it in
          Array.isArray(data.tree) && data.tree.every(isHexId) ? data.tree : null,
        ],
      );
    }
  }

  /** Marks a box deleted (also called in the transaction that purges its messages). */
  async tombstone(m: EntityManager, tenantId: string, vmboxId: string, at = new Date()): Promise<void> {
    await m.query(
      `INSERT INTO message.box_projection (tenant_id, id, doc, owner_id, members, deleted, changed_at)
       VALUES ($1, $2, $3, NULL, '{}', true, $4)
       ON CONFLICT (tenant_id, id) DO UPDATE SET deleted = true`,
      [tenantId, vmboxId, { id: vmboxId }, at],
    );
  }

  async find(tenantId: string, vmboxId: string): Promise<ProjectedBox | null> {
    const rows: {
      doc: StoredDocument;
      owner_id: string | null;
      members: string[];
      deleted: boolean;
      account_known: boolean;
      account_deleted: boolean | null;
      max_message_count: unknown;
      max_message_length: unknown;
      tree: string[] | null;
    }[] = await this.ds.query(
      `SELECT b.doc, b.owner_id, b.members, b.deleted, a.tenant_id IS NOT NULL AS account_known,
              a.deleted AS account_deleted, a.max_message_count, a.max_message_length, a.tree
         FROM message.box_projection b
         LEFT JOIN message.account_projection a ON a.tenant_id = b.tenant_id
        WHERE b.tenant_id = $1 AND b.id = $2`,
      [tenantId, vmboxId],
    );
    const r = rows[0];
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
    await this.ds.query(
      `INSERT INTO message.box_projection (tenant_id, id, doc, owner_id, members, changed_at)
       VALUES ($1, $2, $3, $4, $5, to_timestamp(0)) ON CONFLICT DO NOTHING`,
      [tenantId, doc.id, doc, ownerId, members],
    );
  }
}
