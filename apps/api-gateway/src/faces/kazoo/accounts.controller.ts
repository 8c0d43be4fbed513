// Kazoo crossbar accounts: the account itself, its children and descendants, and its API key.
import { Body, Get, Post, Put } from '@nestjs/common';
import {
  AccountSchema,
  AccountUsageSchema,
  Actor,
  Commands,
  LimitsSchema,
  ListQuery,
} from '@voxmail/contracts';
import { BodySchema, closed, Responds } from '../../common/openapi-meta';
import { KazooDocuments } from './documents.controller';
import type { KazooResult } from './envelope';
import { KazooController } from './kazoo.controller';
import { AccountId, CurrentActor, KazooListQuery } from './params';
import { dataOf } from './request';
import { listResult } from './results';

/** An account of the tree as children and descendants list it. */
const TREE_ITEMS = Responds({
  schema: {
    type: 'array',
    items: {
      type: 'object',
      required: ['id', 'name'],
      properties: {
        id: { type: 'string', pattern: '^[0-9a-f]{32}$' },
        name: { type: 'string' },
        realm: { type: 'string' },
        tree: { type: 'array', items: { type: 'string', pattern: '^[0-9a-f]{32}$' } },
      },
    },
  },
});
const API_KEY = closed({ api_key: { type: 'string' } });

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
  @TREE_ITEMS
  async children(
    @AccountId() tenantId: string,
    @CurrentActor() actor: Actor,
    @KazooListQuery() query: ListQuery,
  ) {
    return listResult(await this.bus.send(Commands.AccountListChildren, { tenantId, actor, query }));
  }

  /** Every account below this one, at any depth (Kazoo's account tree). */
  @Get('descendants')
  @TREE_ITEMS
  async descendants(
    @AccountId() tenantId: string,
    @CurrentActor() actor: Actor,
    @KazooListQuery() query: ListQuery,
  ) {
    return listResult(await this.bus.send(Commands.AccountListDescendants, { tenantId, actor, query }));
  }

  @Get('api_key')
  @Responds({ schema: API_KEY })
  async apiKey(@AccountId() tenantId: string, @CurrentActor() actor: Actor): Promise<KazooResult> {
    return { data: await this.bus.send(Commands.AccountGetApiKey, { tenantId, actor }) };
  }

  @Put('api_key')
  @Responds({ schema: API_KEY, status: 201 })
  async rotateApiKey(@AccountId() tenantId: string, @CurrentActor() actor: Actor): Promise<KazooResult> {
    return { data: await this.bus.send(Commands.AccountRotateApiKey, { tenantId, actor }), status: 201 };
  }

  /** The account's limits: anyone who reaches the account reads them; the operator or a reseller above sets them. */
  @Get('limits')
  @Responds({ schema: LimitsSchema })
  async limits(@AccountId() tenantId: string, @CurrentActor() actor: Actor): Promise<KazooResult> {
    return { data: await this.bus.send(Commands.AccountGetLimits, { tenantId, actor }) };
  }

  /** The account's usage (projected from the events): to its holders, a reseller above it, the operator. */
  @Get('usage')
  @Responds({ schema: AccountUsageSchema })
  async usage(@AccountId() tenantId: string, @CurrentActor() actor: Actor): Promise<KazooResult> {
    return { data: await this.bus.send(Commands.AccountGetUsage, { tenantId, actor }) };
  }

  @Post('limits')
  @BodySchema(LimitsSchema)
  @Responds({ schema: LimitsSchema })
  async setLimits(
    @AccountId() tenantId: string,
    @CurrentActor() actor: Actor,
    @Body() body: unknown,
  ): Promise<KazooResult> {
    return { data: await this.bus.send(Commands.AccountSetLimits, { tenantId, actor, doc: dataOf(body) }) };
  }
}
