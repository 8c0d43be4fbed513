// Who may manage an account's webhooks and templates: an admin of an account they reach. mailbox-service
// holds the account tree and answers the same 404 for another tenant's account as for a missing one.
import { Inject, Injectable } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { Actor, Commands, DomainError, ErrorCode } from '@voxmail/contracts';
import { CommandClient, NATS_CONNECTION } from '@voxmail/messaging';

@Injectable()
export class AccountAccess {
  private readonly mailbox: CommandClient;

  constructor(@Inject(NATS_CONNECTION) nc: NatsConnection) {
    this.mailbox = new CommandClient(nc, 5000);
  }

  async requireAdmin(actor: Actor, tenantId: string): Promise<void> {
    if (actor.role === 'user')
      throw new DomainError(ErrorCode.Forbidden, 'you do not have the privilege for this request');
    await this.mailbox.send(Commands.AccountGet, { actor, tenantId, id: tenantId });
  }
}
