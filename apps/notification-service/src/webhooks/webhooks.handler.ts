// NATS command handlers of webhooks: the registry validates, then one service call.
import { Controller } from '@nestjs/common';
import { Commands, CreateDocCommand, DocIdCommand, ListCommand, UpdateDocCommand } from '@voxmail/contracts';
import { HandleCommand } from '@voxmail/messaging';
import { WebhooksService } from './webhooks.service';

@Controller()
export class WebhooksHandler {
  constructor(private readonly webhooks: WebhooksService) {}

  @HandleCommand(Commands.WebhookCreate)
  create(cmd: CreateDocCommand) {
    return this.webhooks.create(cmd);
  }

  @HandleCommand(Commands.WebhookGet)
  get(cmd: DocIdCommand) {
    return this.webhooks.get(cmd);
  }

  @HandleCommand(Commands.WebhookList)
  list(cmd: ListCommand) {
    return this.webhooks.list(cmd);
  }

  @HandleCommand(Commands.WebhookUpdate)
  update(cmd: UpdateDocCommand) {
    return this.webhooks.update(cmd);
  }

  @HandleCommand(Commands.WebhookDelete)
  delete(cmd: DocIdCommand) {
    return this.webhooks.delete(cmd);
  }

  @HandleCommand(Commands.WebhookAttempts)
  attempts(cmd: DocIdCommand) {
    return this.webhooks.attempts(cmd);
  }
}
