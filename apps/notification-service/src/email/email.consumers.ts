// The e-mail's consumer (voicemail-email.ts): one durable, in stream order, projecting boxes, users'
// e-mail and accounts' time zones (and transcription setting), recording each message's e-mail as due on
// its first stored audio, and handing a waiting e-mail its transcription.
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  accountTranscription,
  DataOf,
  Events,
  EventTypes,
  isHexId,
  MessageEventData,
} from '@voxmail/contracts';
import { AfterCommit, HandleEvent, ReceivedEvent } from '@voxmail/messaging';
import { ProjectionsRepository } from './projections.repository';
import { EMAIL, VoicemailEmail } from './voicemail-email';

export const EMAIL_DURABLE = 'notification-email';
const DURABLE = { durable: EMAIL_DURABLE };

@Injectable()
export class EmailConsumers {
  constructor(
    private readonly projections: ProjectionsRepository,
    private readonly email: VoicemailEmail,
  ) {}

  @HandleEvent([Events.MailboxCreated, Events.MailboxUpdated, Events.MailboxDeleted], DURABLE)
  async box(e: ReceivedEvent<DataOf<typeof Events.MailboxCreated>>, m: EntityManager): Promise<void> {
    if (!isHexId(e.tenantId) || !isHexId(e.data.id)) return;
    await this.projections.upsertBox(m, {
      tenantId: e.tenantId,
      id: e.data.id,
      doc: e.data,
      deleted: e.type === EventTypes.MailboxDeleted,
      at: new Date(e.occurredAt),
    });
  }

  @HandleEvent([Events.UserCreated, Events.UserUpdated, Events.UserDeleted], DURABLE)
  async user(e: ReceivedEvent<DataOf<typeof Events.UserCreated>>, m: EntityManager): Promise<void> {
    if (!isHexId(e.tenantId) || !isHexId(e.data.id)) return;
    const email = typeof e.data.email === 'string' && EMAIL.test(e.data.email) ? e.data.email : null;
    await this.projections.upsertUser(m, {
      tenantId: e.tenantId,
      id: e.data.id,
      email,
      deleted: e.type === EventTypes.UserDeleted,
      at: new Date(e.occurredAt),
    });
  }

  @HandleEvent([Events.AccountCreated, Events.AccountUpdated], DURABLE)
  async account(e: ReceivedEvent<DataOf<typeof Events.AccountCreated>>, m: EntityManager): Promise<void> {
    if (!isHexId(e.tenantId)) return;
    const timezone = typeof e.data.timezone === 'string' ? e.data.timezone : null;
    const transcription = accountTranscription(e.data).enabled;
    await this.projections.upsertAccount(m, e.tenantId, timezone, transcription, new Date(e.occurredAt));
  }

  @HandleEvent(Events.MessageMediaStored, DURABLE)
  mediaStored(e: ReceivedEvent<MessageEventData>, m: EntityManager): Promise<void | AfterCommit> {
    return this.email.messageMediaStored(e, m);
  }

  /** A message's transcription: an e-mail waiting for it carries the text and is due now. */
  @HandleEvent(Events.MessageTranscribed, DURABLE)
  transcribed(
    e: ReceivedEvent<DataOf<typeof Events.MessageTranscribed>>,
    m: EntityManager,
  ): Promise<void | AfterCommit> {
    return this.email.messageTranscribed(e, m);
  }
}
