// Kazoo crossbar: webhooks of an account (`/v2/accounts/{accountId}/webhooks`), served by notification-service.
// The create's answer carries `secret` once: the receiver checks the signature header with it.
import { Get } from '@nestjs/common';
import { Actor, Commands, WebhookSchema } from '@voxmail/contracts';
import { Responds } from '../../common/openapi-meta';
import { KazooDocuments } from './documents.controller';
import type { KazooResult } from './envelope';
import { KazooController } from './kazoo.controller';
import { AccountId, CurrentActor, WebhookId } from './params';
import { listResult } from './results';

@KazooController('accounts/:accountId/webhooks')
export class WebhooksController extends KazooDocuments({
  idParam: 'webhookId',
  schema: WebhookSchema,
  collectionNotAllowed: 'use PUT to create a webhook, or address one by its id',
  list: Commands.WebhookList,
  create: Commands.WebhookCreate,
  get: Commands.WebhookGet,
  update: Commands.WebhookUpdate,
  delete: Commands.WebhookDelete,
}) {
  /** Every delivery attempt, newest first. */
  @Get(':webhookId/attempts')
  @Responds({ schema: { type: 'array', items: { type: 'object' } } })
  async attempts(
    @AccountId() tenantId: string,
    @WebhookId() id: string,
    @CurrentActor() actor: Actor,
  ): Promise<KazooResult> {
    return listResult(await this.bus.send(Commands.WebhookAttempts, { tenantId, actor, id }));
  }
}
