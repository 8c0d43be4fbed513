// Voxmail's API clients of an account (under the Kazoo face): created and revoked, never changed.
import { Body, Delete, Get, Patch, Post, Put } from '@nestjs/common';
import { Actor, ApiClientSchema, Commands, DomainError, ErrorCode, ListQuery } from '@voxmail/contracts';
import { BodySchema } from '../../common/openapi-meta';
import { CommandBus } from '../../common/command-bus';
import { KazooController } from './kazoo.controller';
import { AccountId, ClientId, CurrentActor, KazooListQuery } from './params';
import { dataOf } from './request';
import { docResult, listResult } from './results';

const clientImmutable = () =>
  new DomainError(ErrorCode.MethodNotAllowed, 'api clients cannot be changed; delete and create a new one');

@KazooController('accounts/:accountId/api_clients')
export class ApiClientsController {
  constructor(private readonly bus: CommandBus) {}

  @Get()
  async list(
    @AccountId() tenantId: string,
    @CurrentActor() actor: Actor,
    @KazooListQuery() query: ListQuery,
  ) {
    return listResult(await this.bus.send(Commands.ApiClientList, { tenantId, actor, query }));
  }

  @Put()
  @BodySchema(ApiClientSchema)
  async create(@AccountId() tenantId: string, @CurrentActor() actor: Actor, @Body() body: unknown) {
    return docResult(
      await this.bus.send(Commands.ApiClientCreate, { tenantId, actor, doc: dataOf(body) }),
      201,
    );
  }

  @Delete(':clientId')
  async delete(@AccountId() tenantId: string, @ClientId() id: string, @CurrentActor() actor: Actor) {
    return docResult(await this.bus.send(Commands.ApiClientDelete, { tenantId, actor, id }));
  }

  /** api clients are immutable: revoke and create a new one. */
  @Post(':clientId')
  post(): never {
    throw clientImmutable();
  }

  @Patch(':clientId')
  patch(): never {
    throw clientImmutable();
  }

  @Put(':clientId')
  put(): never {
    throw clientImmutable();
  }
}
