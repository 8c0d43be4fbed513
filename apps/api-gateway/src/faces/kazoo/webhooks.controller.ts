// Kazoo crossbar: webhooks of an account (`/v2/accounts/{accountId}/webhooks`), served by notification-service.
import { Body, Delete, Get, Param, Patch, Post, Put, Req } from '@nestjs/common';
import { Actor, Commands, DomainError, ErrorCode } from '@voxmail/contracts';
import { CommandBus } from '../../common/command-bus';
import type { GatewayRequest } from '../../common/request';
import type { KazooResult } from './envelope';
import { KazooController } from './kazoo.controller';
import { dataOf, ifMatch, listQueryOf } from './request';
import { AccountId, WebhookId } from './params';
import { docResult, listResult } from './results';

const actorOf = (req: GatewayRequest): Actor => req.actor!;
const collectionNotAllowed = () =>
  new DomainError(ErrorCode.MethodNotAllowed, 'use PUT to create a webhook, or address one by its id');

@KazooController('accounts/:accountId/webhooks')
export class WebhooksController {
  constructor(private readonly bus: CommandBus) {}

  @Get()
  async list(@Req() req: GatewayRequest, @AccountId() a: string): Promise<KazooResult> {
    return listResult(
      await this.bus.send(Commands.WebhookList, {
        tenantId: a,
        actor: actorOf(req),
        query: listQueryOf(req),
      }),
    );
  }

  /** The answer carries `secret` once: the receiver checks the signature header with it. */
  @Put()
  async create(
    @Req() req: GatewayRequest,
    @AccountId() a: string,
    @Body() body: unknown,
  ): Promise<KazooResult> {
    const r = await this.bus.send(Commands.WebhookCreate, {
      tenantId: a,
      actor: actorOf(req),
      doc: dataOf(body),
    });
    return docResult(r, 201);
  }

  @Post()
  postCollection(): never {
    throw collectionNotAllowed();
  }

  @Patch()
  patchCollection(): never {
    throw collectionNotAllowed();
  }

  @Delete()
  deleteCollection(): never {
    throw collectionNotAllowed();
  }

  @Get(':webhookId')
  async get(
    @Req() req: GatewayRequest,
    @AccountId() a: string,
    @WebhookId() id: string,
  ): Promise<KazooResult> {
    return docResult(await this.bus.send(Commands.WebhookGet, { tenantId: a, actor: actorOf(req), id: id }));
  }

  /** Every delivery attempt, newest first. */
  @Get(':webhookId/attempts')
  async attempts(
    @Req() req: GatewayRequest,
    @AccountId() a: string,
    @WebhookId() id: string,
  ): Promise<KazooResult> {
    return listResult(
      await this.bus.send(Commands.WebhookAttempts, {
        tenantId: a,
        actor: actorOf(req),
        id: id,
      }),
    );
  }

  @Post(':webhookId')
  replace(
    @Req() req: GatewayRequest,
    @Param('accountId') a: string,
    @Param('webhookId') id: string,
    @Body() body: unknown,
  ) {
    return this.update(req, a, id, body, 'replace');
  }

  @Patch(':webhookId')
  patch(@Req() req: GatewayRequest, @AccountId() a: string, @WebhookId() id: string, @Body() body: unknown) {
    return this.update(req, a, id, body, 'merge');
  }

  private async update(
    req: GatewayRequest,
    a: string,
    id: string,
    body: unknown,
    mode: 'replace' | 'merge',
  ): Promise<KazooResult> {
    const r = await this.bus.send(Commands.WebhookUpdate, {
      tenantId: a,
      actor: actorOf(req),
      id: id,
      mode,
      doc: dataOf(body),
      ifRevision: ifMatch(req),
    });
    return docResult(r);
  }

  @Delete(':webhookId')
  async delete(
    @Req() req: GatewayRequest,
    @AccountId() a: string,
    @WebhookId() id: string,
  ): Promise<KazooResult> {
    return docResult(
      await this.bus.send(Commands.WebhookDelete, {
        tenantId: a,
        actor: actorOf(req),
        id: id,
      }),
    );
  }
}
