// Kazoo crossbar users of an account.
import { Body, Delete, Get, Patch, Post, Put } from '@nestjs/common';
import { Actor, Commands, JsonObject, ListQuery, UserSchema } from '@voxmail/contracts';
import { BodySchema } from '../../common/openapi-meta';
import { CommandBus } from '../../common/command-bus';
import { KazooController } from './kazoo.controller';
import { AccountId, CurrentActor, IfMatch, KazooListQuery, UserId } from './params';
import { dataOf } from './request';
import { docResult, listResult } from './results';

@KazooController('accounts/:accountId/users')
export class UsersController {
  constructor(private readonly bus: CommandBus) {}

  @Get()
  async list(
    @AccountId() tenantId: string,
    @CurrentActor() actor: Actor,
    @KazooListQuery() query: ListQuery,
  ) {
    return listResult(await this.bus.send(Commands.UserList, { tenantId, actor, query }));
  }

  @Put()
  @BodySchema(UserSchema)
  async create(@AccountId() tenantId: string, @CurrentActor() actor: Actor, @Body() body: unknown) {
    return docResult(await this.bus.send(Commands.UserCreate, { tenantId, actor, doc: dataOf(body) }), 201);
  }

  @Get(':userId')
  async get(@AccountId() tenantId: string, @UserId() id: string, @CurrentActor() actor: Actor) {
    return docResult(await this.bus.send(Commands.UserGet, { tenantId, actor, id }));
  }

  @Post(':userId')
  @BodySchema(UserSchema)
  replace(
    @AccountId() tenantId: string,
    @UserId() id: string,
    @CurrentActor() actor: Actor,
    @IfMatch() ifRevision: string | undefined,
    @Body() body: unknown,
  ) {
    return this.update(tenantId, id, actor, 'replace', dataOf(body), ifRevision);
  }

  @Patch(':userId')
  @BodySchema(UserSchema, { partial: true })
  patch(
    @AccountId() tenantId: string,
    @UserId() id: string,
    @CurrentActor() actor: Actor,
    @IfMatch() ifRevision: string | undefined,
    @Body() body: unknown,
  ) {
    return this.update(tenantId, id, actor, 'merge', dataOf(body), ifRevision);
  }

  private async update(
    tenantId: string,
    id: string,
    actor: Actor,
    mode: 'replace' | 'merge',
    doc: JsonObject,
    ifRevision: string | undefined,
  ) {
    return docResult(
      await this.bus.send(Commands.UserUpdate, { tenantId, actor, id, mode, doc, ifRevision }),
    );
  }

  @Delete(':userId')
  async delete(@AccountId() tenantId: string, @UserId() id: string, @CurrentActor() actor: Actor) {
    return docResult(await this.bus.send(Commands.UserDelete, { tenantId, actor, id }));
  }
}
