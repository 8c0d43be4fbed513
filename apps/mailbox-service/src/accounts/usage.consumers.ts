// The events the account usage counts (usage.projection.ts), read by two durable consumers: the calls of
// broadcasts (thousands of events a minute under a campaign) have their own, so a campaign's flood never
// delays the storage, box and user counts behind it.
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DataOf, Events } from '@voxmail/contracts';
import { HandleEvent, ReceivedEvent } from '@voxmail/messaging';
import { UsageProjection } from './usage.projection';

const COUNTED = [
  Events.MediaStored,
  Events.MediaDeleted,
  Events.MessageCreated,
  Events.MessageCopied,
  Events.MessageDeleted,
  Events.MailboxCreated,
  Events.MailboxDeleted,
  Events.UserCreated,
  Events.UserDeleted,
  Events.MessageTranscribed,
] as const;

@Injectable()
export class UsageConsumers {
  constructor(private readonly usage: UsageProjection) {}

  /** Bytes and objects stored, messages, boxes and users. */
  @HandleEvent(COUNTED, { durable: 'mailbox-usage', perDatabase: true })
  counted(e: ReceivedEvent<DataOf<(typeof COUNTED)[number]>>, m: EntityManager): Promise<void> {
    return this.usage.apply(e, m);
  }

  /** Calls placed and their talk time, per month. */
  @HandleEvent(Events.BroadcastCallUpdated, { durable: 'mailbox-usage-calls', perDatabase: true })
  callUpdated(e: ReceivedEvent<DataOf<typeof Events.BroadcastCallUpdated>>, m: EntityManager): Promise<void> {
    return this.usage.apply(e, m);
  }
}
