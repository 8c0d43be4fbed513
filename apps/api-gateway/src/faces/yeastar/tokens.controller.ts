// Yeastar OpenAPI authorization: get_token with an API client's id and secret, refresh_token, del_token.
import { Body, Controller, Get, HttpCode, Post, Req, UseFilters, UseGuards } from '@nestjs/common';
import {
  Commands,
  DomainError,
  ErrorCode,
  HEX_ID,
  RevocationKeys,
  TokenGrant,
  TokenPurpose,
} from '@voxmail/contracts';
import type { GatewayRequest } from '../../common/request';
import { issuedAtMs } from './refresh-tokens';
import { YeastarContext } from './yeastar.context';
import { missingParameter, wrongClientCredentials, YeastarCode, YeastarError } from './yeastar.errors';
import { YeastarExceptionFilter } from './yeastar.filter';
import { YeastarGuard } from './yeastar.guard';
import { success } from './yeastar.view';
import { BodySchema, Responds } from '../../common/openapi-meta';

/** What get_token and refresh_token answer (`answer` below). */
const TOKENS = Responds({
  schema: {
    properties: {
      access_token_expire_time: { type: 'integer', minimum: 0 },
      access_token: { type: 'string' },
      refresh_token_expire_time: { type: 'integer', minimum: 0 },
      refresh_token: { type: 'string' },
    },
  },
});

const clientKeyOf = (req: GatewayRequest) => req.ip || 'unknown';

const accessDenied = wrongClientCredentials;

function stringField(body: unknown, name: string, max = 256): string {
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  if (typeof v !== 'string' || !v) throw missingParameter(name);
  if (v.length > max) throw accessDenied();
  return v;
}

@Controller('openapi/v1.0')
@UseFilters(YeastarExceptionFilter)
export class YeastarTokensController {
  constructor(private readonly ctx: YeastarContext) {}

  /**
   * The lifetimes the tokens were issued with, counted from when they were asked for (`askedAt`): an
   * expiry is whole seconds (JWT `exp`), and the two grants may take a moment on a busy platform.
   */
  private async answer(access: TokenGrant, refresh: TokenGrant, askedAt: number) {
    const left = (g: TokenGrant) => Math.max(0, Math.ceil((Date.parse(g.expires_at) - askedAt) / 1000));
    return success({
      access_token_expire_time: Math.min(this.ctx.settings.accessTokenTtlSeconds, left(access)),
      access_token: access.auth_token,
      refresh_token_expire_time: left(refresh),
      refresh_token: refresh.auth_token,
    });
  }

  /** `{"username": <client_id>, "password": <client_secret>}`; wrong ones count as failed logins. */
  @Post('get_token')
  @HttpCode(200)
  @BodySchema({
    type: 'object',
    required: ['username', 'password'],
    properties: {
      username: { type: 'string', minLength: 1, maxLength: 256, description: 'the API client id' },
      password: { type: 'string', minLength: 1, maxLength: 256, description: 'the API client secret' },
    },
  })
  @TOKENS
  async getToken(@Req() req: GatewayRequest, @Body() body: unknown) {
    const username = stringField(body, 'username');
    const password = stringField(body, 'password');
    if (!HEX_ID.test(username)) throw accessDenied();
    // two tokens minted apart, each for its purpose: neither contains, nor stands for, the other
    const grant = (purpose: TokenPurpose, ttlSeconds?: number) =>
      this.ctx.bus.send(Commands.AuthApiClient, {
        clientId: username,
        clientSecret: password,
        clientKey: clientKeyOf(req),
        purpose,
        ...(ttlSeconds ? { ttlSeconds } : {}),
      });
    try {
      const askedAt = Date.now();
      const access = await grant('yeastar_access', this.ctx.settings.accessTokenTtlSeconds);
      return await this.answer(access, await grant('yeastar_refresh'), askedAt);
    } catch (e) {
      if (e instanceof DomainError && e.code === ErrorCode.Unauthenticated) throw accessDenied();
      throw e;
    }
  }

  /** `{"refresh_token": ...}`: a fresh pair; the refresh token is checked like any token (revocations). */
  @Post('refresh_token')
  @HttpCode(200)
  @BodySchema({
    type: 'object',
    required: ['refresh_token'],
    properties: { refresh_token: { type: 'string', minLength: 1, maxLength: 1024 } },
  })
  @TOKENS
  async refreshToken(@Body() body: unknown) {
    const token = stringField(body, 'refresh_token', 1024);
    if (token.length > 512)
      throw new YeastarError(YeastarCode.TokenExpired, ErrorCode.Unauthenticated, 'invalid refresh token');
    try {
      await this.ctx.tokens.verify(token, 'yeastar_refresh');
      const renew = (purpose: TokenPurpose, ttlSeconds?: number) =>
        this.ctx.bus.send(Commands.AuthRenewApiClient, {
          token,
          purpose,
          ...(ttlSeconds ? { ttlSeconds } : {}),
        });
      const askedAt = Date.now();
      const access = await renew('yeastar_access', this.ctx.settings.accessTokenTtlSeconds);
      return await this.answer(access, await renew('yeastar_refresh'), askedAt);
    } catch (e) {
      if (e instanceof DomainError && e.code === ErrorCode.ServiceUnavailable) throw e;
      throw new YeastarError(YeastarCode.TokenExpired, ErrorCode.Unauthenticated, 'invalid refresh token');
    }
  }

  /** Revokes, at once, every token of the API client (its other sessions included). */
  @Get('del_token')
  @Responds({ schema: { properties: {} } })
  @UseGuards(YeastarGuard)
  async delToken(@Req() req: GatewayRequest) {
    const actor = req.actor!;
    await this.ctx.bus.send(Commands.AuthRevokeApiClient, { tenantId: actor.accountId, actor });
    // the revocation reaches every replica's view within milliseconds; this one waits for it, so the
    // token is refused here from the moment the client reads this answer
    const issued = issuedAtMs(req.authToken!) ?? Date.now();
    const key = RevocationKeys.client(actor.clientId!);
    for (let i = 0; i < 100 && !((this.ctx.revocations.get(key)?.before ?? 0) >= issued); i++)
      await new Promise((r) => setTimeout(r, 20));
    return success({});
  }
}
