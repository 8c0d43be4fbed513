// API clients: the credentials the other API faces (Yeastar, Onbuka, Flexisip) authenticate with.
import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { MailboxConfig } from '@voxmail/config';
import {
  ApiClientSchema,
  CreateDocCommand,
  DocIdCommand,
  DocReply,
  DomainError,
  Events,
  ErrorCode,
  ListCommand,
  ListReply,
  StoredDocument,
  contentRevision,
  newId,
  validateDocument,
  newEvent,
  listReply,
} from '@voxmail/contracts';
import type { TenantCommand } from '@voxmail/contracts';
import { appendEvents } from '@voxmail/messaging';
import { Revocations } from '../auth/revocations';
import { assertAdmin } from '../access';
import { AccountsService } from '../accounts/accounts.service';
import { SecretBox } from '../auth/secrets';
import { UsersRepository } from '../users/users.repository';
import { MAILBOX_CONFIG, MAILBOX_SCHEMA } from '../tokens';
import { ApiClientEntity } from './api-client.entity';
import { ApiClientsRepository } from './api-clients.repository';

export function apiClientView(c: ApiClientEntity): StoredDocument {
  return {
    id: c.id,
    client_id: c.id,
    name: c.name,
    priv_level: c.privLevel,
    ...(c.ownerId ? { owner_id: c.ownerId } : {}),
    ...(c.onbukaSecretSealed ? { onbuka: true } : {}),
    created: Math.floor(c.createdAt.getTime() / 1000) + 62167219200,
  };
}

@Injectable()
export class ApiClientsService {
  private readonly box: SecretBox;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly clients: ApiClientsRepository,
    private readonly accounts: AccountsService,
    private readonly users: UsersRepository,
    @Inject(MAILBOX_CONFIG) config: MailboxConfig,
    private readonly revocations: Revocations,
  ) {
    this.box = new SecretBox(config.secret);
  }

  secretHash(secret: string): string {
    return this.box.mac(`client:${secret}`);
  }

  async create(cmd: CreateDocCommand): Promise<DocReply> {
    await this.accounts.requireVisible(cmd.actor, cmd.tenantId);
    assertAdmin(cmd.actor);
    const doc = validateDocument(ApiClientSchema, { ...cmd.doc });
    const ownerId = typeof doc.owner_id === 'string' ? doc.owner_id : null;
    const secret = randomBytes(32).toString('base64url');
    return this.ds.transaction(async (m) => {
      // the owner row is locked as disabling or deleting it does, so a client is never created for a
      // user whose credentials are being revoked (that revocation deletes the clients it owns)
      const owner = ownerId ? await this.users.lock(cmd.tenantId, ownerId, m) : null;
      if (ownerId && !owner) {
        throw new DomainError(ErrorCode.ValidationFailed, 'invalid data', {
          owner_id: { not_found: { message: 'owner_id is not a user of this account', cause: ownerId } },
        });
      }
      if (owner && owner.doc.enabled === false) {
        throw new DomainError(ErrorCode.ValidationFailed, 'invalid data', {
          owner_id: { enabled: { message: 'owner_id names a disabled user', cause: ownerId } },
        });
      }
      const saved = await this.clients.insert(m, {
        id: newId(),
        accountId: cmd.tenantId,
        name: String(doc.name),
        privLevel: doc.priv_level as ApiClientEntity['privLevel'],
        ownerId,
        secretHash: this.secretHash(secret),
        onbukaSecretSealed: doc.onbuka === true ? this.box.encrypt(`onbuka:${secret}`) : null,
      });
      await appendEvents(m, MAILBOX_SCHEMA, [
        newEvent(Events.ApiClientCreated, {
          tenantId: cmd.tenantId,
          aggregateId: saved.id,
          data: apiClientView(saved),
        }),
      ]);
      // the secret is shown this once and never again
      return { doc: { ...apiClientView(saved), client_secret: secret }, revision: contentRevision(saved.id) };
    });
  }

  async list(cmd: ListCommand): Promise<ListReply> {
    await this.accounts.requireVisible(cmd.actor, cmd.tenantId);
    assertAdmin(cmd.actor);
    const page = await this.clients.list(cmd.tenantId, cmd.query);
    const items = page.items.map(apiClientView);
    return listReply(page, items);
  }

  /** Revokes at once: the client row and every token it obtained go in one transaction. */
  async delete(cmd: DocIdCommand): Promise<DocReply> {
    await this.accounts.requireVisible(cmd.actor, cmd.tenantId);
    assertAdmin(cmd.actor);
    return this.ds.transaction(async (m) => {
      const c = await this.clients.lock(cmd.tenantId, cmd.id, m);
      if (!c) throw DomainError.notFound();
      await this.revocations.revokeTokens(m, 'api_client', cmd.tenantId, c.id, 'api_client_deleted');
      await this.clients.remove(m, cmd.tenantId, c.id);
      await appendEvents(m, MAILBOX_SCHEMA, [
        newEvent(Events.ApiClientDeleted, {
          tenantId: cmd.tenantId,
          aggregateId: c.id,
          data: apiClientView(c),
        }),
      ]);
      return {
        doc: { ...apiClientView(c), _read_only: { deleted: true } },
        revision: contentRevision([c.id, 'deleted']),
      };
    });
  }

  /**
   * Yeastar's del_token: every token the actor's API client holds stops at once (the revocation is by
   * client, as every revocation here is by principal); the client itself stays and may log in again.
   */
  async revokeOwnTokens(cmd: TenantCommand): Promise<{ revoked: true }> {
    const clientId = cmd.actor.clientId;
    if (!clientId || cmd.actor.accountId !== cmd.tenantId) throw DomainError.notFound();
    await this.ds.transaction(async (m) => {
      const c = await this.clients.lock(cmd.tenantId, clientId, m);
      if (!c) throw DomainError.notFound();
      await this.revocations.revokeTokens(m, 'api_client', cmd.tenantId, c.id, 'api_client_logout');
    });
    return { revoked: true };
  }

  /**
   * A client stands for its owner (when it has one): an owner disabled or gone makes it stand for
   * nothing, on every face, even in the moment before the revocation that deletes it commits.
   */
  private async usable(c: ApiClientEntity | null): Promise<ApiClientEntity | null> {
    if (!c?.ownerId) return c;
    const owner = await this.users.find(c.accountId, c.ownerId);
    return owner && owner.doc.enabled !== false ? c : null;
  }

  async findById(accountId: string, id: string): Promise<ApiClientEntity | null> {
    return this.usable(await this.clients.find(accountId, id));
  }

  async findBySecret(clientId: string, secret: string): Promise<ApiClientEntity | null> {
    return this.usable(await this.clients.findBySecretHash(clientId, this.secretHash(secret)));
  }

  /** The client and its secret in clear, when it was created for Onbuka (`onbuka: true`). */
  async onbukaSecret(clientId: string): Promise<{ client: ApiClientEntity; secret: string } | null> {
    const c = await this.usable(
      await this.ds.getRepository(ApiClientEntity).findOne({ where: { id: clientId } }),
    );
    if (!c?.onbukaSecretSealed) return null;
    const opened = this.box.decrypt(c.onbukaSecretSealed);
    return opened.startsWith('onbuka:') ? { client: c, secret: opened.slice('onbuka:'.length) } : null;
  }

  async findBySecretOnly(secret: string): Promise<ApiClientEntity | null> {
    return this.usable(await this.clients.findByOnlySecretHash(this.secretHash(secret)));
  }
}
