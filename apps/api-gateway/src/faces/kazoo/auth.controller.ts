// Kazoo crossbar logins: api_auth, user_auth, and Voxmail's api_client_auth. They issue tokens, so they
// take none.
import { Body, Ip, Put } from '@nestjs/common';
import {
  ApiAuthSchema,
  ApiClientAuthSchema,
  Commands,
  DomainError,
  ErrorCode,
  TokenGrant,
  UserAuthSchema,
  validateDocument,
} from '@voxmail/contracts';
import { BodySchema, closed, Responds } from '../../common/openapi-meta';
import { CommandBus } from '../../common/command-bus';
import type { KazooResult } from './envelope';
import { KazooController } from './kazoo.controller';
import { dataOf } from './request';

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

/** What a login answers in `data` (grantResult). */
const GRANT = Responds({
  status: 201,
  errors: [401],
  schema: closed(
    {
      account_id: { type: 'string', pattern: '^[0-9a-f]{32}$' },
      owner_id: { type: 'string', pattern: '^[0-9a-f]{32}$' },
      account_name: { type: 'string' },
      priv_level: { type: 'string', enum: ['operator', 'admin', 'user'] },
      expires_at: { type: 'string', format: 'date-time' },
      is_reseller: { type: 'boolean' },
      apps: { type: 'array', maxItems: 0 },
    },
    ['owner_id'],
  ),
});

/** The login limits count attempts per client address (Fastify's, behind TRUST_PROXY when set). */
const clientKey = (ip: string | undefined) => ip || 'unknown';

@KazooController('', { public: true })
export class AuthController {
  constructor(private readonly bus: CommandBus) {}

  @Put('api_auth')
  @BodySchema(ApiAuthSchema)
  @GRANT
  async apiAuth(@Ip() ip: string, @Body() body: unknown): Promise<KazooResult> {
    const data = validateDocument<{ api_key: string }>(ApiAuthSchema, dataOf(body));
    return grantResult(
      await this.bus.send(Commands.AuthApiKey, { apiKey: data.api_key, clientKey: clientKey(ip) }),
    );
  }

  @Put('user_auth')
  @BodySchema(UserAuthSchema)
  @GRANT
  async userAuth(@Ip() ip: string, @Body() body: unknown): Promise<KazooResult> {
    const data = validateDocument<{
      credentials: string;
      account_name?: string;
      account_realm?: string;
      realm?: string;
      phone_number?: string;
    }>(UserAuthSchema, dataOf(body));
    // Kazoo's cb_user_auth: the first defined of `account_realm` and `realm`, then `account_name`
    // (Voxmail keeps no phone number inventory: a `phone_number` alone finds no account, as an unknown
    // number does in Kazoo). Nothing that names an account is a failed login like wrong credentials.
    try {
      return grantResult(
        await this.bus.send(Commands.AuthUser, {
          credentials: data.credentials,
          accountName: data.account_name,
          accountRealm: data.account_realm ?? data.realm,
          clientKey: clientKey(ip),
        }),
      );
    } catch (e) {
      // Kazoo's system error `invalid_credentials`: message the error's name, data its text
      if (e instanceof DomainError && e.code === ErrorCode.Unauthenticated)
        throw new DomainError(ErrorCode.Unauthenticated, 'invalid_credentials', {
          message: 'invalid credentials',
        });
      throw e;
    }
  }

  /** Voxmail extension: an API client exchanges its id and secret for a token, as api_auth does for keys. */
  @Put('api_client_auth')
  @BodySchema(ApiClientAuthSchema)
  @GRANT
  async apiClientAuth(@Ip() ip: string, @Body() body: unknown): Promise<KazooResult> {
    const data = validateDocument<{ client_id: string; client_secret: string }>(
      ApiClientAuthSchema,
      dataOf(body),
    );
    return grantResult(
      await this.bus.send(Commands.AuthApiClient, {
        clientId: data.client_id,
        clientSecret: data.client_secret,
        clientKey: clientKey(ip),
      }),
    );
  }
}
