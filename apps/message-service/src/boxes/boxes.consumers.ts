// What message-service projects from mailbox-service's events (box-projection.ts): its boxes and their
// accounts, in stream order by one durable consumer per database (replicas share it). An event older
// than what a row already reflects changes nothing.
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  accountTranscription,
  DataOf,
  EventEnvelope,
  Events,
  EventTypes,
  isHexId,
  JsonObject,
} from '@voxmail/contracts';
import { HandleEvent, ReceivedEvent } from '@voxmail/messaging';
import { BoxProjectionRepository } from './box-projection.repository';
import { peopleOf } from './box-projection';

const BOXES = { durable: 'message-boxes', perDatabase: true };

/** The time of an event from a well-formed tenant; a malformed one throws (retried, then parked). */
function occurredAt(e: EventEnvelope<unknown>): Date {
  const at = new Date(e.occurredAt);
  if (!isHexId(e.tenantId) || Number.isNaN(at.getTime())) throw new Error(`malformed ${e.type} event`);
  return at;
}

@Injectable()
export class BoxesConsumers {
  constructor(private readonly rows: BoxProjectionRepository) {}

  @HandleEvent([Events.AccountCreated, Events.AccountUpdated, Events.AccountDeleted], BOXES)
  async account(e: ReceivedEvent<DataOf<typeof Events.AccountCreated>>, m: EntityManager): Promise<void> {
    const at = occurredAt(e);
    const data: JsonObject = e.data;
    await this.rows.upsertAccount(m, {
      tenantId: e.tenantId,
      maxMessageCount: JSON.stringify(data.max_message_count ?? null),
      maxMessageLength: JSON.stringify(data.max_message_length ?? null),
      deleted: e.type === EventTypes.AccountDeleted,
      at,
      // an account's place in the tree never changes; events that carry it fill it in
      tree: Array.isArray(data.tree) && data.tree.every(isHexId) ? data.tree : null,
      transcription: accountTranscription(data),
    });
  }

  @HandleEvent([Events.MailboxCreated, Events.MailboxUpdated, Events.MailboxDeleted], BOXES)
  async box(e: ReceivedEvent<DataOf<typeof Events.MailboxCreated>>, m: EntityManager): Promise<void> {
    const at = occurredAt(e);
    const data: JsonObject = e.data;
    const id = isHexId(data.id) ? data.id : e.aggregateId;
    if (!isHexId(id)) throw new Error(`malformed ${e.type} event: no box id`);
    if (e.type === EventTypes.MailboxDeleted) return this.rows.tombstone(m, e.tenantId, id, at);
    const { ownerId, members } = peopleOf(data);
    await this.rows.upsertBox(m, { tenantId: e.tenantId, id, doc: { ...data, id }, ownerId, members, at });
  }
}
