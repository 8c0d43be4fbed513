// The `messages` count of the vmbox list, projected from message-service's `mwi.updated` events
// (never from its tables). The consumer's inbox makes each event count once; an event older than the
// one already applied to a box is ignored, so redeliveries out of order cannot roll the count back.
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { NatsConnection } from 'nats';
import { DataSource, EntityManager } from 'typeorm';
import type { MailboxConfig } from '@voxmail/config';
import { EventEnvelope, eventSubject, EventTypes, isHexId, MwiUpdatedData } from '@voxmail/contracts';
import { EventConsumer, MessagingLifecycle, NATS_CONNECTION, perDatabaseDurable } from '@voxmail/messaging';
import { MAILBOX_CONFIG, MAILBOX_SCHEMA } from '../tokens';
import { VmboxesRepository } from './vmboxes.repository';

/**
 * The durable consumer belongs with the database that holds the projection: replicas of one
 * deployment share it, while another deployment (or a test database) on the same NATS gets its own.
 */
export function mwiDurableName(databaseUrl: string): string {
  return perDatabaseDurable('mailbox-mwi', databaseUrl);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Reads an `mwi.updated` envelope; a malformed one throws, so the consumer retries and then parks it. */
export function mwiCountsOf(e: EventEnvelope): {
  vmboxId: string;
  new: number;
  saved: number;
  occurredAt: Date;
} {
  const d = (e.data ?? {}) as Partial<MwiUpdatedData>;
  const occurredAt = new Date(e.occurredAt);
  if (
    !isHexId(e.tenantId) ||
    !isHexId(d.vmbox_id) ||
    !isCount(d.new) ||
    !isCount(d.saved) ||
    Number.isNaN(occurredAt.getTime())
  ) {
    throw new Error(
      `malformed ${EventTypes.MwiUpdated} event: expected data {vmbox_id, new, saved}, a tenantId and occurredAt`,
    );
  }
  return { vmboxId: d.vmbox_id, new: d.new, saved: d.saved, occurredAt };
}

@Injectable()
export class MessageCountsProjection implements OnApplicationBootstrap {
  private readonly log = new Logger(MessageCountsProjection.name);

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @InjectDataSource() private readonly ds: DataSource,
    private readonly lifecycle: MessagingLifecycle,
    private readonly vmboxes: VmboxesRepository,
    @Inject(MAILBOX_CONFIG) private readonly config: MailboxConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const consumer = new EventConsumer(
      this.nc,
      this.ds,
      MAILBOX_SCHEMA,
      {
        durable: mwiDurableName(this.config.databaseUrl),
        filterSubjects: [eventSubject('*', EventTypes.MwiUpdated)],
      },
      (e, m) => this.apply(e, m),
    );
    await this.lifecycle.addConsumer(consumer);
  }

  async apply(e: EventEnvelope, m: EntityManager): Promise<void> {
    if (e.type !== EventTypes.MwiUpdated) return;
    const c = mwiCountsOf(e);
    const applied = await this.vmboxes.applyMessageCounts(m, e.tenantId, c, c.occurredAt, e.id);
    if (!applied)
      this.log.debug(`mwi.updated ${e.id} for ${c.vmboxId} skipped (older than applied, or no such box)`);
  }
}
