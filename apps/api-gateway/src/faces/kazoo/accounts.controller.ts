// Kazoo crossbar accounts: the account itself, its children and descendants, and its API key.
import { Body, Delete, Get, Patch, Post, Put } from '@nestjs/common';
import { AccountSchema, Actor, Commands, JsonObject, ListQuery } from '@voxmail/contracts';
import { BodySchema } from '../../common/openapi-meta';
import { CommandBus } from '../../common/command-bus';
import type { KazooResult } from './envelope';
import { KazooController } from './kazoo.controller';
import { AccountId, CurrentActor, IfMatch, KazooListQuery } from './params';
import { dataOf } from './request';
import { docResult, listResult } from './results';

@KazooController('accounts/:accountId')
export class AccountsController {
  constructor(private readonly bus: CommandBus) {}

  @Put()
  @BodySchema(AccountSchema)
  async create(@AccountId() tenantId: string, @CurrentActor() actor: Actor, @Body() body: unknown) {
    return docResult(
      await this.bus.send(Commands.AccountCreate, { tenantId, actor, doc: dataOf(body) }),
      201,
    );
  }

  @Get()
  async get(@AccountId() id: string, @CurrentActor() actor: Actor) {
    return docResult(await this.bus.send(Commands.AccountGet, { tenantId: id, actor, id }));
  }

  @Post()
  @BodySchema(AccountSchema)
  replace(
    @AccountId() id: string,
    @CurrentActor() actor: Actor,
    @IfMatch() ifRevision: string | undefined,
    @Body() body: unknown,
  ) {
    return this.update(id, actor, 'replace', dataOf(body), ifRevision);
  }

  @Patch()
  @BodySchema(AccountSchema, { partial: true })
  patch(
    @AccountId() id: string,
    @CurrentActor() actor: Actor,
    @IfMatch() ifRevision: string | undefined,
    @Body() body: unknown,
  ) {
    return this.update(id, actor, 'merge', dataOf(body), ifRevision);
  }

  private async update(
    id: string,
    actor: Actor,
    mode: 'replace' | 'merge',
    doc: JsonObject,
    ifRevision: string | undefined,
  ) {
    return docResult(
      await this.bus.send(Commands.AccountUpdate, { tenantId: id, actor, id, mode, doc, ifRevision }),
    );
  }

  @Delete()
  async delete(@AccountId() id: string, @CurrentActor() actor: Actor) {
    return docResult(await this.bus.send(Commands.AccountDelete, { tenantId: id, actor, id }));
  }

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
