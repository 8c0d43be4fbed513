// Authentication: API keys, user credentials and API clients exchange for expiring bearer tokens.
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import * as argon2 from 'argon2';
import { DataSource } from 'typeorm';
import type { MailboxConfig } from '@voxmail/config';
import {
  Actor,
  ApiClientAuthCommand,
  ApiKeyAuthCommand,
  DomainError,
  ErrorCode,
  Role,
  TokenGrant,
  UserAuthCommand,
  VerifyTokenCommand,
} from '@voxmail/contracts';
import { AccountsRepository } from '../accounts/accounts.repository';
import { AccountEntity } from '../accounts/account.entity';
import { ApiClientsService } from '../api-clients/api-clients.service';
import { UsersService } from '../users/users.service';
import { MAILBOX_CONFIG } from '../tokens';
import { LoginLimits } from './login-limits';
import { TOKEN_NOT_REVOKED } from './revocations';
import { SecretBox, newBearerToken, sha256Hex } from './secrets';

/** A disabled account (`enabled: false`) can neither log in nor use its tokens; the operator's never is. */
const isEnabled = (a: AccountEntity) => a.isOperator || a.doc.enabled !== false;

const INVALID = () => new DomainError(ErrorCode.Unauthenticated, 'invalid credentials');

@Injectable()
export class AuthService {
  private readonly box: SecretBox;
  private readonly limits: LoginLimits;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly accounts: AccountsRepository,
    private readonly users: UsersService,
    private readonly clients: ApiClientsService,
    @Inject(MAILBOX_CONFIG) private readonly config: MailboxConfig,
  ) {
    this.box = new SecretBox(config.secret);
    this.limits = new LoginLimits(ds, {
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
      const candidates = (await this.accounts.findByNameOrRealm(cmd.accountName, cmd.accountRealm)).filter(
        isEnabled,
      );
      const users = await this.users.findForAuth(
        candidates.map((a) => a.id),
        cmd.credentials,
      );
      for (const u of users) {
        if (
          u.credentialsHash &&
          u.doc.enabled !== false &&
          (await argon2.verify(u.credentialsHash, cmd.credentials))
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
      return this.issue(a, c.privLevel, 'api_client', c.ownerId, c.id);
    });
  }

  /**
   * The gateway asks this on every request: the token must exist, be unexpired, and its account alive.
   * A user's token carries the user's privilege as it is now, not as it was at login: a demoted user
   * is no longer an admin, and a disabled user's tokens stop working at once. Revoked tokens (see
   * revocations.ts) never work again, whatever happens to the account afterwards.
   */
  async verify(cmd: VerifyTokenCommand): Promise<Actor> {
    const rows: { account_id: string; user_id: string | null; client_id: string | null; role: Role }[] =
      await this.ds.query(
        `SELECT t.account_id, t.user_id, t.client_id,
                CASE WHEN t.source = 'user' THEN u.priv_level ELSE t.role END AS role
           FROM mailbox.auth_tokens t
           JOIN mailbox.accounts a ON a.id = t.account_id AND a.deleted_at IS NULL
                AND (a.is_operator OR a.doc->'enabled' IS DISTINCT FROM 'false'::jsonb)
           LEFT JOIN mailbox.users u ON u.id = t.user_id AND u.account_id = t.account_id
          WHERE t.token_hash = $1 AND t.expires_at > now()
            AND (t.source <> 'user' OR (u.id IS NOT NULL AND u.doc->'enabled' IS DISTINCT FROM 'false'::jsonb))
            AND ${TOKEN_NOT_REVOKED}`,
        [sha256Hex(cmd.token)],
      );
    if (!rows.length) throw new DomainError(ErrorCode.Unauthenticated, 'invalid or expired auth token');
    const r = rows[0];
    return {
      accountId: r.account_id,
      role: r.role,
      ...(r.user_id ? { userId: r.user_id } : {}),
      ...(r.client_id ? { clientId: r.client_id } : {}),
    };
  }

  private async issue(
    a: AccountEntity,
    role: Role,
    source: 'api_key' | 'user' | 'api_client',
    userId: string | null,
    clientId: string | null,
  ): Promise<TokenGrant> {
    const token = newBearerToken();
    const expiresAt = new Date(Date.now() + this.config.tokenTtlSeconds * 1000);
    await this.ds.query(
      `INSERT INTO mailbox.auth_tokens (token_hash, account_id, user_id, client_id, role, source, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [sha256Hex(token), a.id, userId, clientId, role, source, expiresAt],
    );
    return {
      auth_token: token,
      account_id: a.id,
      ...(userId ? { owner_id: userId } : {}),
      account_name: String(a.doc.name),
      priv_level: role,
      expires_at: expiresAt.toISOString(),
      is_reseller: a.isOperator || a.doc.is_reseller === true,
    };
  }
}
