// Kazoo crossbar: api_auth, user_auth, accounts, users, api_key and api_clients.
import { Body, Controller, Delete, Get, Param, Patch, Post, Put, Req, UseInterceptors } from '@nestjs/common';
import {
  Actor,
  DocReply,
  DomainError,
  ErrorCode,
  ListReply,
  Subjects,
  TokenGrant,
  ApiAuthSchema,
  ApiClientAuthSchema,
  UserAuthSchema,
  validateDocument,
} from '@voxmail/contracts';
import { CommandBus } from '../common/command-bus';
import type { GatewayRequest } from '../common/request';
import { Public } from './auth.guard';
import { KazooInterceptor } from './kazoo.interceptor';
import type { KazooResult } from './envelope';
import { dataOf, ifMatch, listQueryOf, pathId } from './request';
import { docResult, listResult } from './results';

const clientKeyOf = (req: GatewayRequest) => req.ip || 'unknown';
const actorOf = (req: GatewayRequest): Actor => req.actor!;

const clientImmutable = () =>
  new DomainError(ErrorCode.MethodNotAllowed, 'api clients cannot be changed; delete and create a new one');

function grantResult(g: TokenGrant): KazooResult {
  return {
    status: 201,
    authToken: g.auth_token,
    revision: 'automatic_auth_token',
    data: {
      account_id: g.account_id,
      ...(g.owner_id ? { owner_id: g.owner_id } : {}),
      account_name: g.account_name,
      priv_level: g.priv_level,
      expires_at: g.expires_at,
      is_reseller: g.is_reseller ?? g.priv_level === 'operator',
      apps: [],
    },
  };
}

@Controller('v2')
@UseInterceptors(KazooInterceptor)
export class AuthController {
  constructor(private readonly bus: CommandBus) {}

  @Public()
  @Put('api_auth')
  async apiAuth(@Req() req: GatewayRequest, @Body() body: unknown): Promise<KazooResult> {
    const data = validateDocument(ApiAuthSchema, dataOf(body));
    return grantResult(
      await this.bus.execute<TokenGrant>(Subjects.Auth.ApiKey, {
        apiKey: data.api_key,
        clientKey: clientKeyOf(req),
      }),
    );
  }

  @Public()
  @Put('user_auth')
  async userAuth(@Req() req: GatewayRequest, @Body() body: unknown): Promise<KazooResult> {
    const data = validateDocument(UserAuthSchema, dataOf(body));
    if (!data.account_name && !data.account_realm) {
      throw new DomainError(ErrorCode.ValidationFailed, 'invalid data', {
        account_name: { required: { message: 'account_name or account_realm is required' } },
      });
    }
    return grantResult(
      await this.bus.execute<TokenGrant>(Subjects.Auth.User, {
        credentials: data.credentials,
        accountName: data.account_name,
        accountRealm: data.account_realm,
        clientKey: clientKeyOf(req),
      }),
    );
  }
}

/** Voxmail extension: an API client exchanges its id and secret for a token, as api_auth does for keys. */
@Controller('v2')
@UseInterceptors(KazooInterceptor)
export class ApiClientAuthController {
  constructor(private readonly bus: CommandBus) {}

  @Public()
  @Put('api_client_auth')
  async auth(@Req() req: GatewayRequest, @Body() body: unknown): Promise<KazooResult> {
    const data = validateDocument(ApiClientAuthSchema, dataOf(body));
    return grantResult(
      await this.bus.execute<TokenGrant>(Subjects.Auth.ApiClient, {
        clientId: data.client_id,
        clientSecret: data.client_secret,
        clientKey: clientKeyOf(req),
      }),
    );
  }
}

@Controller('v2/accounts/:accountId')
@UseInterceptors(KazooInterceptor)
export class AccountsController {
  constructor(private readonly bus: CommandBus) {}

  @Put()
  async create(@Req() req: GatewayRequest, @Param('accountId') accountId: string, @Body() body: unknown) {
    const r = await this.bus.execute<DocReply>(Subjects.Account.Create, {
      tenantId: pathId(accountId),
      actor: actorOf(req),
      doc: dataOf(body),
    });
    return docResult(r, 201);
  }

  @Get()
  async get(@Req() req: GatewayRequest, @Param('accountId') accountId: string) {
    const id = pathId(accountId);
    return docResult(
      await this.bus.execute<DocReply>(Subjects.Account.Get, { tenantId: id, actor: actorOf(req), id }),
    );
  }

  @Post()
  replace(@Req() req: GatewayRequest, @Param('accountId') accountId: string, @Body() body: unknown) {
    return this.update(req, accountId, body, 'replace');
  }

  @Patch()
  patch(@Req() req: GatewayRequest, @Param('accountId') accountId: string, @Body() body: unknown) {
    return this.update(req, accountId, body, 'merge');
  }

  private async update(req: GatewayRequest, accountId: string, body: unknown, mode: 'replace' | 'merge') {
    const id = pathId(accountId);
    const r = await this.bus.execute<DocReply>(Subjects.Account.Update, {
      tenantId: id,
      actor: actorOf(req),
      id,
      mode,
      doc: dataOf(body),
      ifRevision: ifMatch(req),
    });
    return docResult(r);
  }

  @Delete()
  async delete(@Req() req: GatewayRequest, @Param('accountId') accountId: string) {
    const id = pathId(accountId);
    return docResult(
      await this.bus.execute<DocReply>(Subjects.Account.Delete, { tenantId: id, actor: actorOf(req), id }),
    );
  }

  @Get('children')
  async children(@Req() req: GatewayRequest, @Param('accountId') accountId: string) {
    return listResult(
      await this.bus.execute<ListReply>(Subjects.Account.ListChildren, {
        tenantId: pathId(accountId),
        actor: actorOf(req),
        query: listQueryOf(req),
      }),
    );
  }

  /** Every account below this one, at any depth (Kazoo's account tree). */
  @Get('descendants')
  async descendants(@Req() req: GatewayRequest, @Param('accountId') accountId: string) {
    return listResult(
      await this.bus.execute<ListReply>(Subjects.Account.ListDescendants, {
        tenantId: pathId(accountId),
        actor: actorOf(req),
        query: listQueryOf(req),
      }),
    );
  }

  @Get('api_key')
  async apiKey(@Req() req: GatewayRequest, @Param('accountId') accountId: string): Promise<KazooResult> {
    const data = await this.bus.execute<{ api_key: string }>(Subjects.Account.GetApiKey, {
      tenantId: pathId(accountId),
      actor: actorOf(req),
    });
    return { data };
  }

  @Put('api_key')
  async rotateApiKey(
    @Req() req: GatewayRequest,
    @Param('accountId') accountId: string,
  ): Promise<KazooResult> {
    const data = await this.bus.execute<{ api_key: string }>(Subjects.Account.RotateApiKey, {
      tenantId: pathId(accountId),
      actor: actorOf(req),
    });
    return { data, status: 201 };
  }

  @Get('users')
  async listUsers(@Req() req: GatewayRequest, @Param('accountId') accountId: string) {
    return listResult(
      await this.bus.execute<ListReply>(Subjects.User.List, {
        tenantId: pathId(accountId),
        actor: actorOf(req),
        query: listQueryOf(req),
      }),
    );
  }

  @Put('users')
  async createUser(@Req() req: GatewayRequest, @Param('accountId') accountId: string, @Body() body: unknown) {
    const r = await this.bus.execute<DocReply>(Subjects.User.Create, {
      tenantId: pathId(accountId),
      actor: actorOf(req),
      doc: dataOf(body),
    });
    return docResult(r, 201);
  }

  @Get('users/:userId')
  async getUser(
    @Req() req: GatewayRequest,
    @Param('accountId') accountId: string,
    @Param('userId') userId: string,
  ) {
    return docResult(
      await this.bus.execute<DocReply>(Subjects.User.Get, {
        tenantId: pathId(accountId),
        actor: actorOf(req),
        id: pathId(userId),
      }),
    );
  }

  @Post('users/:userId')
  replaceUser(
    @Req() req: GatewayRequest,
    @Param('accountId') a: string,
    @Param('userId') u: string,
    @Body() body: unknown,
  ) {
    return this.updateUser(req, a, u, body, 'replace');
  }

  @Patch('users/:userId')
  patchUser(
    @Req() req: GatewayRequest,
    @Param('accountId') a: string,
    @Param('userId') u: string,
    @Body() body: unknown,
  ) {
    return this.updateUser(req, a, u, body, 'merge');
  }

  private async updateUser(
    req: GatewayRequest,
    accountId: string,
    userId: string,
    body: unknown,
    mode: 'replace' | 'merge',
  ) {
    const r = await this.bus.execute<DocReply>(Subjects.User.Update, {
      tenantId: pathId(accountId),
      actor: actorOf(req),
      id: pathId(userId),
      mode,
      doc: dataOf(body),
      ifRevision: ifMatch(req),
    });
    return docResult(r);
  }

  @Delete('users/:userId')
  async deleteUser(
    @Req() req: GatewayRequest,
    @Param('accountId') accountId: string,
    @Param('userId') userId: string,
  ) {
    return docResult(
      await this.bus.execute<DocReply>(Subjects.User.Delete, {
        tenantId: pathId(accountId),
        actor: actorOf(req),
        id: pathId(userId),
      }),
    );
  }

  @Get('api_clients')
  async listClients(@Req() req: GatewayRequest, @Param('accountId') accountId: string) {
    return listResult(
      await this.bus.execute<ListReply>(Subjects.ApiClient.List, {
        tenantId: pathId(accountId),
        actor: actorOf(req),
        query: listQueryOf(req),
      }),
    );
  }

  @Put('api_clients')
  async createClient(
    @Req() req: GatewayRequest,
    @Param('accountId') accountId: string,
    @Body() body: unknown,
  ) {
    const r = await this.bus.execute<DocReply>(Subjects.ApiClient.Create, {
      tenantId: pathId(accountId),
      actor: actorOf(req),
      doc: dataOf(body),
    });
    return docResult(r, 201);
  }

  @Delete('api_clients/:clientId')
  async deleteClient(
    @Req() req: GatewayRequest,
    @Param('accountId') accountId: string,
    @Param('clientId') clientId: string,
  ) {
    return docResult(
      await this.bus.execute<DocReply>(Subjects.ApiClient.Delete, {
        tenantId: pathId(accountId),
        actor: actorOf(req),
        id: pathId(clientId),
      }),
    );
  }

  /** api clients are immutable: revoke and create a new one. */
  @Post('api_clients/:clientId')
  clientPost(): never {
    throw clientImmutable();
  }

  @Patch('api_clients/:clientId')
  clientPatch(): never {
    throw clientImmutable();
  }

  @Put('api_clients/:clientId')
  clientPut(): never {
    throw clientImmutable();
  }
}
