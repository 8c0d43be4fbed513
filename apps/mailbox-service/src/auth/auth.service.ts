// Authentication: API keys, user credentials and API clients exchange for expiring bearer tokens.
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import * as argon2 from 'argon2';
import { DataSource } from 'typeorm';
import type { MailboxConfig } from '@voxmail/config';
import {
  Actor,
  ApiClientAuthCommand,
  ApiClientSecretAuthCommand,
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
import { SecretBox, newBearerToken, sha256Hex } from './secrets';

/** A disabled account (`enabled: false`) can neither log in nor use its tokens; the operator's never is. */
const isEnabled = (a: AccountEntity) => a.isOperator || a.doc.enabled !== false;

const INVALID = () => new DomainError(ErrorCode.Unauthenticated, 'invalid credentials');

@Injectable()
export class AuthService {
  private readonly box: SecretBox;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly accounts: AccountsRepository,
    private readonly users: UsersService,
    private readonly clients: ApiClientsService,
    @Inject(MAILBOX_CONFIG) private readonly config: MailboxConfig,
  ) {
    this.box = new SecretBox(config.secret);
  }

  async withApiKey(cmd: ApiKeyAuthCommand): Promise<TokenGrant> {
    return this.guarded(cmd.clientKey, async () => {
      const a = await this.accounts.findByApiKeyHash(this.box.mac(cmd.apiKey));
      if (!a || !isEnabled(a)) return null;
      return this.issue(a, a.isOperator ? 'operator' : 'admin', 'api_key', null, null);
    });
  }

  async withUserCredentials(cmd: UserAuthCommand): Promise<TokenGrant> {
    return this.guarded(cmd.clientKey, async () => {
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
    return this.guarded(cmd.clientKey, async () => {
      const c = await this.clients.findBySecret(cmd.clientId, cmd.clientSecret);
      if (!c) return null;
      const a = await this.accounts.findActive(c.accountId);
      if (!a || !isEnabled(a)) return null;
      return this.issue(a, c.privLevel, 'api_client', c.ownerId, c.id);
    });
  }

  /**
   * The account manager face sends only the secret (`x-api-key`): found by its keyed hash, never by a
   * comparison in clear. Answers the actor directly; that face issues no tokens.
   */
  async withApiClientSecret(cmd: ApiClientSecretAuthCommand): Promise<Actor> {
    return this.guarded<Actor>(cmd.clientKey, async () => {
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
   * The gateway asks this on every request: the token must exist, be unexpired, and its account alive.
   * A user's token carries the user's privilege as it is now, not as it was at login: a demoted user
   * is no longer an admin, and a disabled user's tokens stop working at once.
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
            AND (t.source <> 'user' OR (u.id IS NOT NULL AND u.doc->'enabled' IS DISTINCT FROM 'false'::jsonb))`,
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
    };
  }

  /**
   * Rate limits failed attempts per client address across all replicas (the counter lives in
   * PostgreSQL): past the limit within the window every attempt is refused with 429.
   */
  private async guarded<T>(clientKey: string, attempt: () => Promise<T | null>): Promise<T> {
    const key = sha256Hex(clientKey);
    const window = this.config.authFailureWindowSeconds;
    const [row] = await this.ds.query(
      `SELECT failures FROM mailbox.auth_failures
        WHERE client_key = $1 AND window_start > now() - ($2 || ' seconds')::interval`,
      [key, String(window)],
    );
    if (row && row.failures >= this.config.authFailureLimit) {
      throw new DomainError(ErrorCode.RateLimited, 'too many failed authentication attempts; retry later', {
        retry_after_s: window,
      });
    }
    const grant = await attempt();
    if (grant) {
      if (row) await this.ds.query('DELETE FROM mailbox.auth_failures WHERE client_key = $1', [key]);
      return grant;
    }
    await this.ds.query(
      `INSERT INTO mailbox.auth_failures (client_key, window_start, failures) VALUES ($1, now(), 1)
       ON CONFLICT (client_key) DO UPDATE SET
         failures = CASE WHEN mailbox.auth_failures.window_start > now() - ($2 || ' seconds')::interval
                         THEN mailbox.auth_failures.failures + 1 ELSE 1 END,
         window_start = CASE WHEN mailbox.auth_failures.window_start > now() - ($2 || ' seconds')::interval
                         THEN mailbox.auth_failures.window_start ELSE now() END`,
      [key, String(window)],
    );
    throw INVALID();
  }
}
