// Kazoo crossbar: an account's voicemail-to-e-mail template
// (`/v2/accounts/{accountId}/notifications/voicemail_to_email`), served by notification-service.
import { Body, Delete, Get, Param, Post, Req } from '@nestjs/common';
import {
  Commands,
  DomainError,
  NOTIFICATION_TEMPLATE_IDS,
  NotificationTemplateDocSchema,
  NotificationTemplateSchema,
} from '@voxmail/contracts';
import { BodySchema, Responds } from '../../common/openapi-meta';
import { CommandBus } from '../../common/command-bus';
import type { GatewayRequest } from '../../common/request';
import type { KazooResult } from './envelope';
import { KazooController } from './kazoo.controller';
import { AccountId } from './params';
import { dataOf } from './request';
import { docResult } from './results';

function templateId(v: string): string {
  if (!(NOTIFICATION_TEMPLATE_IDS as readonly string[]).includes(v)) throw DomainError.notFound();
  return v;
}

const TEMPLATE = Responds({ schema: NotificationTemplateDocSchema });

@KazooController('accounts/:accountId/notifications/:id')
export class NotificationsController {
  constructor(private readonly bus: CommandBus) {}

  /** The account's template, or the default one (`_read_only.default: true`). */
  @Get()
  @TEMPLATE
  async get(
    @Req() req: GatewayRequest,
    @AccountId() a: string,
    @Param('id') id: string,
  ): Promise<KazooResult> {
    return docResult(
      await this.bus.send(Commands.NotificationTemplateGet, {
        tenantId: a,
        actor: req.actor!,
        id: templateId(id),
      }),
    );
  }

  /** `{"data": {"subject": "...", "text": "..."}}` with `{{macro}}` placeholders. */
  @Post()
  @BodySchema(NotificationTemplateSchema)
  @TEMPLATE
  async update(
    @Req() req: GatewayRequest,
    @AccountId() a: string,
    @Param('id') id: string,
    @Body() body: unknown,
  ): Promise<KazooResult> {
    return docResult(
      await this.bus.send(Commands.NotificationTemplateUpdate, {
        tenantId: a,
        actor: req.actor!,
        id: templateId(id),
        doc: dataOf(body),
      }),
    );
  }

  /** Back to the default template. */
  @Delete()
  @TEMPLATE
  async reset(
    @Req() req: GatewayRequest,
    @AccountId() a: string,
    @Param('id') id: string,
  ): Promise<KazooResult> {
    return docResult(
      await this.bus.send(Commands.NotificationTemplateDelete, {
        tenantId: a,
        actor: req.actor!,
        id: templateId(id),
      }),
    );
  }
}
