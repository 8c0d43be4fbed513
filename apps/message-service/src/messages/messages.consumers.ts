// What message-service does on other services' events: a deleted box's messages are purged.
import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DataOf, Events } from '@voxmail/contracts';
import { HandleEvent, ReceivedEvent } from '@voxmail/messaging';
import { DeletionService } from './deletion.service';

@Injectable()
export class MessagesConsumers {
  private readonly log = new Logger(MessagesConsumers.name);

  constructor(private readonly deletion: DeletionService) {}

  @HandleEvent(Events.MailboxDeleted, { durable: 'message-service-mailbox-deleted' })
  async mailboxDeleted(
    event: ReceivedEvent<DataOf<typeof Events.MailboxDeleted>>,
    m: EntityManager,
  ): Promise<void> {
    const vmboxId = typeof event.data.id === 'string' ? event.data.id : event.aggregateId;
    const n = await this.deletion.purgeBox(m, event.tenantId, vmboxId);
    if (n) this.log.log(`purged ${n} messages of deleted box ${vmboxId}`);
  }
}
