// Kazoo crossbar accounts: the account itself, its children and descendants, and its API key.
import { Body, Get, Post, Put } from '@nestjs/common';
import { AccountSchema, Actor, Commands, ListQuery } from '@voxmail/contracts';
import { KazooDocuments } from './documents.controller';
import type { KazooResult } from './envelope';
import { KazooController } from './kazoo.controller';
import { AccountId, CurrentActor, KazooListQuery } from './params';
import { dataOf } from './request';
import { listResult } from './results';

@KazooController('accounts/:accountId')
export class AccountsController extends KazooDocuments({
  // the account is the document: PUT creates a child, the other verbs act on the account itself
  idParam: 'accountId',
  documentPath: '',
  schema: AccountSchema,
  create: Commands.AccountCreate,
  get: Commands.AccountGet,
  update: Commands.AccountUpdate,
  delete: Commands.AccountDelete,
}) {
  @Get('children')
  async children(
    @AccountId() tenantId: string,
    @CurrentActor() actor: Actor,
    @KazooListQuery() query: ListQuery,
  ) {
    return listResult(await this.bus.send(Commands.AccountListChildren, { tenantId, actor, query }));
  }

  /** Every account below this one, at any depth (Kazoo's account tree). */
  @Get('descendants')
  async descendants(
    @AccountId() tenantId: string,
    @CurrentActor() actor: Actor,
    @KazooListQuery() query: ListQuery,
  ) {
    return listResult(await this.bus.send(Commands.AccountListDescendants, { tenantId, actor, query }));
  }

  @Get('api_key')
  async apiKey(@AccountId() tenantId: string, @CurrentActor() actor: Actor): Promise<KazooResult> {
    return { data: await this.bus.send(Commands.AccountGetApiKey, { tenantId, actor }) };
  }

  @Put('api_key')
  async rotateApiKey(@AccountId() tenantId: string, @CurrentActor() actor: Actor): Promise<KazooResult> {
    return { data: await this.bus.send(Commands.AccountRotateApiKey, { tenantId, actor }), status: 201 };
  }

  /** The account's limits: anyone who reaches the account reads them; the operator or a reseller above sets them. */
  @Get('limits')
  async limits(@AccountId() tenantId: string, @CurrentActor() actor: Actor): Promise<KazooResult> {
    return { data: await this.bus.send(Commands.AccountGetLimits, { tenantId, actor }) };
  }

  /** The account's usage (projected from the events): to its holders, a reseller above it, the operator. */
  @Get('usage')
  async usage(@AccountId() tenantId: string, @CurrentActor() actor: Actor): Promise<KazooResult> {
    return { data: await this.bus.send(Commands.AccountGetUsage, { tenantId, actor }) };
  }

  @Post('limits')
  async setLimits(
    @AccountId() tenantId: string,
    @CurrentActor() actor: Actor,
    @Body() body: unknown,
  ): Promise<KazooResult> {
    return { data: await this.bus.send(Commands.AccountSetLimits, { tenantId, actor, doc: dataOf(body) }) };
  }
}
