// Authentication: API keys, user credentials and API clients exchange for expiring bearer tokens.
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import * as argon2 from 'argon2';
import { DataSource } from 'typeorm';
import type { MailboxConfig } from '@voxmail/config';
import {
  Actor,
  actorOfClaims,
  ApiClientAuthCommand,
  ApiClientSecretAuthCommand,
  ApiKeyAuthCommand,
  DomainError,
  ErrorCode,
  OnbukaSignCommand,
  onbukaSignMatches,
  refusingKeysOf,
  RenewApiClientCommand,
  Role,
  TokenGrant,
  TokenPurpose,
  UserAuthCommand,
  VerifyTokenCommand,
} from '@voxmail/contracts';
import { AccountsRepository } from '../accounts/accounts.repository';
import { AccountEntity } from '../accounts/account.entity';
import { ApiClientsService } from '../api-clients/api-clients.service';
import { UsersService } from '../users/users.service';
import { MAILBOX_CONFIG } from '../tokens';
import { Argon2Work } from './argon2-work';
import { AuthFailuresRepository } from './auth-failures.repository';
import { LoginLimits } from './login-limits';
import { SecretBox } from './secrets';
import { TokenSigner } from './token-signer';
import { Revocations } from './revocations';
import { TokenStandingRepository } from './token-standing.repository';

/** A disabled account (`enabled: false`) can neither log in nor use its tokens; the operator's never is. */
const isEnabled = (a: AccountEntity) => a.isOperator || a.doc.enabled !== false;

const INVALID = () => new DomainError(ErrorCode.Unauthenticated, 'invalid credentials');

@Injectable()
export class AuthService {
  private readonly box: SecretBox;
  private readonly limits: LoginLimits;

  constructor(
    failures: AuthFailuresRepository,
    private readonly standing: TokenStandingRepository,
    private readonly accounts: AccountsRepository,
    private readonly users: UsersService,
    private readonly clients: ApiClientsService,
    @Inject(MAILBOX_CONFIG) private readonly config: MailboxConfig,
    private readonly signer: TokenSigner,
    private readonly argon: Argon2Work,
    private readonly revocations: Revocations,
    @InjectDataSource() private readonly ds: DataSource,
  ) {
    this.box = new SecretBox(config.secret);
    this.limits = new LoginLimits(failures, {
      limit: config.authFailureLimit,
      windowSeconds: config.authFailureWindowSeconds,
    });
  }

  async withApiKey(cmd: ApiKeyAuthCommand): Promise<TokenGrant> {
    const keyHash = this.box.mac(cmd.apiKey);
    const target = { kind: 'api_key' as const, address: cmd.clientKey, target: keyHash };
    return this.limits.guard(target, INVALID, async () => {
      const a = await this.accounts.findByApiKeyHash(keyHash);
      if (!a || !isEnabled(a)) return null;
      return this.issue(a, a.isOperator ? 'operator' : 'admin', 'api_key', null, null);
    });
  }

  async withUserCredentials(cmd: UserAuthCommand): Promise<TokenGrant> {
    // the credentials are md5(username:password), so the account is the finest target a failure names
    const target = JSON.stringify([
      cmd.accountName?.toLowerCase() ?? null,
      cmd.accountRealm?.toLowerCase() ?? null,
    ]);
    return this.limits.guard({ kind: 'user', address: cmd.clientKey, target }, INVALID, async () => {
      if (!cmd.accountName && !cmd.accountRealm) return null;
      // as Kazoo's cb_user_auth: the realm when one is given and known, else the account name
      let found = cmd.accountRealm ? await this.accounts.findByNameOrRealm(undefined, cmd.accountRealm) : [];
      if (!found.length && cmd.accountName)
        found = await this.accounts.findByNameOrRealm(cmd.accountName, undefined);
      const candidates = found.filter(isEnabled);
      const users = await this.users.findForAuth(
        candidates.map((a) => a.id),
        cmd.credentials,
      );
      for (const u of users) {
        if (
          u.credentialsHash &&
          u.doc.enabled !== false &&
          // fair per account and credential (issue 24): a storm of A's logins waits behind itself only
          (await this.argon.run(u.accountId, cmd.credentials, () =>
            argon2.verify(u.credentialsHash!, cmd.credentials),
          ))
        ) {
          const a = candidates.find((c) => c.id === u.accountId)!;
          return this.issue(a, u.privLevel, 'user', u.id, null);
        }
      }
      return null;
    });
  }

  async withApiClient(cmd: ApiClientAuthCommand): Promise<TokenGrant> {
    const target = { kind: 'api_client' as const, address: cmd.clientKey, target: cmd.clientId };
    return this.limits.guard(target, INVALID, async () => {
      const c = await this.clients.findBySecret(cmd.clientId, cmd.clientSecret);
      if (!c) return null;
      const a = await this.accounts.findActive(c.accountId);
      if (!a || !isEnabled(a)) return null;
      return this.issue(a, c.privLevel, 'api_client', c.ownerId, c.id, cmd.purpose, cmd.ttlSeconds);
    });
  }

  /**
   * An Onbuka request signed with an API client: `Sign = md5(client_id + client_secret + Timestamp)`,
   * compared in constant time. The dialer has checked the timestamp and records the triple against replay.
   */
  async withOnbukaSign(cmd: OnbukaSignCommand): Promise<Actor> {
    const found = await this.clients.onbukaSecret(cmd.apiKey);
    // an unknown client costs the same md5 as a known one
    const signed = onbukaSignMatches(cmd.apiKey, found?.secret, cmd.timestamp, cmd.sign);
    const a = found ? await this.accounts.findActive(found.client.accountId) : null;
    if (!found || !a || !isEnabled(a) || !signed)
      throw new DomainError(ErrorCode.Unauthenticated, 'authentication error');
    const c = found.client;
    return {
      accountId: c.accountId,
      role: c.privLevel,
      clientId: c.id,
      ...(c.ownerId ? { userId: c.ownerId } : {}),
    };
  }

  /**
   * The account manager face sends only the secret (`x-api-key`): found by its keyed hash, never by a
   * comparison in clear. Answers the actor directly; that face issues no tokens. Failures count like
   * any other login (the secret's keyed hash is the target).
   */
  async withApiClientSecret(cmd: ApiClientSecretAuthCommand): Promise<Actor> {
    const target = { kind: 'api_client' as const, address: cmd.clientKey, target: this.box.mac(cmd.secret) };
    return this.limits.guard<Actor>(target, INVALID, async () => {
      const c = await this.clients.findBySecretOnly(cmd.secret);
      if (!c) return null;
      const a = await this.accounts.findActive(c.accountId);
      if (!a || !isEnabled(a)) return null;
      return {
        accountId: c.accountId,
        role: c.privLevel,
        clientId: c.id,
        ...(c.ownerId ? { userId: c.ownerId } : {}),
      };
    });
  }

  /**
   * Yeastar's refresh_token: a valid, unrevoked refresh token (purpose `yeastar_refresh`) of an API
   * client buys a fresh token of `purpose` for the same client, with the client's current privilege;
   * nothing else (an access token, a key's or a user's token) is renewed.
   */
  async renewApiClient(cmd: RenewApiClientCommand): Promise<TokenGrant> {
    const actor = await this.verify({ token: cmd.token, purpose: 'yeastar_refresh' });
    if (!actor.clientId) throw new DomainError(ErrorCode.Unauthenticated, 'invalid or expired auth token');
    const c = await this.clients.findById(actor.accountId, actor.clientId);
    const a = c ? await this.accounts.findActive(c.accountId) : null;
    if (!c || !a || !isEnabled(a))
      throw new DomainError(ErrorCode.Unauthenticated, 'invalid or expired auth token');
    return this.issue(a, c.privLevel, 'api_client', c.ownerId, c.id, cmd.purpose, cmd.ttlSeconds);
  }

  /**
   * The authoritative check a gateway falls back to when it cannot confirm its own view of revocations:
   * a valid signature, no revocation of the token's principals since it was issued, the account alive and
   * enabled, for a user's token the user enabled, with the user's current privilege, and for an API
   * client's token the client still there.
   */
  async verify(cmd: VerifyTokenCommand): Promise<Actor> {
    const c = await this.signer.verify(cmd.token, cmd.purpose ?? 'kazoo');
    const r = await this.standing.standing({
      accountId: c.acc,
      refusingKeys: refusingKeysOf(c),
      issuedAtMs: c.iatMs,
      userId: c.src === 'user' ? (c.uid ?? null) : null,
      clientId: c.src === 'api_client' ? (c.cid ?? null) : null,
    });
    if (
      !r ||
      r.revoked ||
      !r.account_ok ||
      (c.src === 'user' && !r.priv_level) ||
      (c.src === 'api_client' && !r.client_ok)
    )
      throw new DomainError(ErrorCode.Unauthenticated, 'invalid or expired auth token');
    return actorOfClaims(c, c.src === 'user' && r.priv_level ? r.priv_level : c.role);
  }

  /**
   * Kazoo's `DELETE /v2/token_auth` (a sign-out): the given token, still valid, stops at once and for
   * good, keyed by its `jti`; the holder's other tokens stay valid. The revocation is pruned, as every
   * other, once the token would have expired anyway.
   */
  async revokeToken(cmd: VerifyTokenCommand): Promise<{ revoked_before: number }> {
    const actor = await this.verify(cmd);
    const c = await this.signer.verify(cmd.token, cmd.purpose ?? 'kazoo');
    // a token signed before tokens had an id cannot be revoked alone; it lives out its (short) lifetime
    if (!c.jti) throw new DomainError(ErrorCode.BadRequest, 'this token cannot be revoked alone');
    const jti = c.jti;
    const before = await this.ds.transaction((m) =>
      this.revocations.revokeTokens(m, 'token', actor.accountId, jti, 'token_logout'),
    );
    return { revoked_before: before };
  }

  private async issue(
    a: AccountEntity,
    role: Role,
    source: 'api_key' | 'user' | 'api_client',
    userId: string | null,
    clientId: string | null,
    purpose: TokenPurpose = 'kazoo',
    ttlSeconds?: number,
  ): Promise<TokenGrant> {
    const sign = (r: Role) =>
      this.signer.sign(
        {
          acc: a.id,
          role: r,
          src: source,
          ...(userId ? { uid: userId } : {}),
          ...(clientId ? { cid: clientId } : {}),
          aud: purpose,
        },
        ttlSeconds,
      );
    let { token, expiresAt } = await sign(role);
    // What the login read may be stale by now (a user disabled or demoted while argon2 ran): a revocation
    // committed before this token's issue time would not refuse it, so check the state once more after
    // signing. Anything revoked later has a later time, and refuses it.
    const now = await this.verify({ token, purpose }).catch(() => {
      throw INVALID();
    });
    if (now.role !== role) ({ token, expiresAt } = await sign(now.role));
    return {
      auth_token: token,
      account_id: a.id,
      ...(userId ? { owner_id: userId } : {}),
      account_name: String(a.doc.name),
      priv_level: now.role,
      expires_at: expiresAt.toISOString(),
      is_reseller: a.isOperator || a.doc.is_reseller === true,
    };
  }
}
