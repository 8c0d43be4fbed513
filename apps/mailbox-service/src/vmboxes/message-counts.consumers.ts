// The `messages` count of the vmbox list, projected from message-service's `mwi.updated` events
// (never from its tables). The consumer's inbox makes each event count once; an event older than the
// one already applied to a box is ignored, so redeliveries out of order cannot roll the count back.
import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventEnvelope, Events, EventTypes, isHexId, MwiUpdatedData } from '@voxmail/contracts';
import { HandleEvent, perDatabaseDurable, ReceivedEvent } from '@voxmail/messaging';
import { VmboxesRepository } from './vmboxes.repository';

/**
 * The durable consumer belongs with the database that holds the projection: replicas of one
 * deployment share it, while another deployment (or a test database) on the same NATS gets its own.
 */
const MWI = { durable: 'mailbox-mwi', perDatabase: true };

export function mwiDurableName(databaseUrl: string): string {
  return perDatabaseDurable(MWI.durable, databaseUrl);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Reads an `mwi.updated` envelope; a malformed one throws, so the consumer retries and then parks it. */
export function mwiCountsOf(e: EventEnvelope<unknown>): {
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
export class MessageCountsConsumers {
  private readonly log = new Logger(MessageCountsConsumers.name);

  constructor(private readonly vmboxes: VmboxesRepository) {}

  @HandleEvent(Events.MwiUpdated, MWI)
  async mwiUpdated(e: ReceivedEvent<MwiUpdatedData>, m: EntityManager): Promise<void> {
    const c = mwiCountsOf(e);
    const applied = await this.vmboxes.applyMessageCounts(m, e.tenantId, c, c.occurredAt, e.id);
    if (!applied)
      this.log.debug(`mwi.updated ${e.id} for ${c.vmboxId} skipped (older than applied, or no such box)`);
  }
}
