// Users of an account: admins manage them; a user sees and edits only itself.
import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import * as argon2 from 'argon2';
import { DataSource, EntityManager } from 'typeorm';
import type { MailboxConfig } from '@voxmail/config';
import {
  Actor,
  CreateDocCommand,
  DocIdCommand,
  DocReply,
  DomainError,
  Events,
  JsonObject,
  ListCommand,
  ListReply,
  newId,
  revisionOf,
  UpdateDocCommand,
  UserSchema,
  validateDocument,
  withoutReservedKeys,
  newEvent,
  RevocationKeys,
  listReply,
} from '@voxmail/contracts';
import { appendEvents } from '@voxmail/messaging';
import { advisoryXactLock } from '@voxmail/persistence';
import { Revocations } from '../auth/revocations';
import { apiClientView } from '../api-clients/api-clients.service';
import { ApiClientsRepository } from '../api-clients/api-clients.repository';
import { assertAdmin } from '../access';
import { AccountsService } from '../accounts/accounts.service';
import { updatedDoc } from '../documents';
import { SecretBox } from '../auth/secrets';
import { MAILBOX_CONFIG, MAILBOX_SCHEMA } from '../tokens';
import { UserEntity } from './user.entity';
import { UsersRepository } from './users.repository';
import { Quotas } from '../accounts/quotas';

/**
 * argon2id at OWASP's recommended minimum (19 MiB, 2 passes, one lane), as the boxes' PINs are hashed:
 * one thread and about a quarter of the CPU of the library's default (64 MiB, 3 passes, 4 lanes), so a
 * login storm holds one core, never all of them (issue 24). Hashes made before keep verifying: each
 * carries its own parameters.
 */
const CREDENTIALS_ARGON2 = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function userView(u: UserEntity): JsonObject & { id: string } {
  return { ...u.doc, id: u.id };
}

function userReply(u: UserEntity): DocReply {
  return { doc: userView(u), revision: revisionOf(u.id, u.version) };
}

/** Kazoo's user credentials: md5("username:password"). */
function kazooCredentials(username: string, password: string): string {
  return createHash('md5').update(`${username}:${password}`).digest('hex');
}

@Injectable()
export class UsersService {
  private readonly box: SecretBox;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly users: UsersRepository,
    private readonly accounts: AccountsService,
    @Inject(MAILBOX_CONFIG) config: MailboxConfig,
    private readonly revocations: Revocations,
    private readonly quotas: Quotas,
    private readonly clients: ApiClientsRepository,
  ) {
    this.box = new SecretBox(config.secret);
  }

  /**
   * A user disabled or deleted loses every credential it owns, on every face, for good: its logins'
   * tokens (scope `user`, which also refuses the tokens of the API clients it owns) and the API clients
   * themselves (Flexisip `x-api-key`, Onbuka `Api-Key`, Yeastar and Kazoo client logins), deleted with
   * their own revocations and `api_client.deleted` events, so enabling the user again brings none back.
   */
  private async revokeCredentials(
    m: EntityManager,
    tenantId: string,
    u: UserEntity,
    reason: 'user_disabled' | 'user_deleted',
  ): Promise<void> {
    await this.revocations.revokeTokens(m, 'user', tenantId, u.id, reason);
    for (const c of await this.clients.lockOwnedBy(m, tenantId, u.id)) {
      await this.revocations.revokeTokens(m, 'api_client', tenantId, c.id, reason);
      await this.clients.remove(m, tenantId, c.id);
      await appendEvents(m, MAILBOX_SCHEMA, [
        newEvent(Events.ApiClientDeleted, { tenantId, aggregateId: c.id, data: apiClientView(c) }),
      ]);
    }
  }

  credentialsLookup(credentials: string): string {
    return this.box.mac(`credentials:${credentials}`);
  }

  /** A user-level actor reaches only its own user; anything else is 404 as if it did not exist. */
  private assertSelfOrAdmin(actor: Actor, userId: string): void {
    if (actor.role === 'user' && actor.userId !== userId) throw DomainError.notFound();
  }

  private async prepare(
    actor: Actor,
    accountId: string,
    input: JsonObject,
    current: UserEntity | null,
    m: EntityManager,
  ): Promise<Partial<UserEntity>> {
    const password = typeof input.password === 'string' ? input.password : undefined;
    const doc = validateDocument(UserSchema, withoutReservedKeys(input));
    delete doc.password;
    if (actor.role === 'user' && current && doc.priv_level !== current.privLevel) {
      throw DomainError.forbidden('a user cannot change its own priv_level');
    }
    const username = typeof doc.username === 'string' ? doc.username : null;
    const usernameLower = username?.toLowerCase() ?? null;
    if (usernameLower && (await this.users.usernameTaken(accountId, usernameLower, current?.id ?? null, m))) {
      throw DomainError.taken('username', 'Username is already in use', username);
    }
    const out: Partial<UserEntity> = {
      doc,
      usernameLower,
      privLevel: doc.priv_level as UserEntity['privLevel'],
    };
    if (password !== undefined) {
      if (!username) {
        throw DomainError.invalid('username', 'required', 'A username is required to set a password');
      }
      const credentials = kazooCredentials(username, password);
      out.credentialsHash = await argon2.hash(credentials, CREDENTIALS_ARGON2);
      out.credentialsLookup = this.credentialsLookup(credentials);
    } else if (current && current.usernameLower !== usernameLower && current.credentialsHash) {
      // Kazoo credentials bind username and password together: a new username needs the password again.
      throw DomainError.invalid(
        'password',
        'required',
        'The password must be given again when the username changes',
      );
    }
    return out;
  }

  async create(cmd: CreateDocCommand): Promise<DocReply> {
    await this.accounts.requireVisible(cmd.actor, cmd.tenantId);
    assertAdmin(cmd.actor);
    const created = this.ds.transaction(async (m) => {
      await advisoryXactLock(m, `voxmail-users:${cmd.tenantId}`);
      await this.quotas.assertRoom(m, cmd.tenantId, 'max_users');
      const fields = await this.prepare(cmd.actor, cmd.tenantId, cmd.doc, null, m);
      const u = await this.users.save(m, { ...fields, id: newId(), accountId: cmd.tenantId, version: 1 });
      await appendEvents(m, MAILBOX_SCHEMA, [
        newEvent(Events.UserCreated, { tenantId: cmd.tenantId, aggregateId: u.id, data: userView(u) }),
      ]);
      return userReply(u);
    });
    return this.quotas.reported(cmd.tenantId, created);
  }

  async get(cmd: DocIdCommand): Promise<DocReply> {
    await this.accounts.requireVisible(cmd.actor, cmd.tenantId);
    this.assertSelfOrAdmin(cmd.actor, cmd.id);
    const u = await this.users.find(cmd.tenantId, cmd.id);
    if (!u) throw DomainError.notFound();
    return userReply(u);
  }

  async list(cmd: ListCommand): Promise<ListReply> {
    await this.accounts.requireVisible(cmd.actor, cmd.tenantId);
    const onlyId = cmd.actor.role === 'user' ? (cmd.actor.userId ?? '-') : undefined;
    const page = await this.users.list(cmd.tenantId, cmd.query, onlyId);
    const items = page.items.map((u) => ({
      id: u.id,
      username: u.doc.username,
      first_name: u.doc.first_name,
      last_name: u.doc.last_name,
      email: u.doc.email,
      priv_level: u.privLevel,
    }));
    return listReply(page, items);
  }

  async update(cmd: UpdateDocCommand): Promise<DocReply> {
    await this.accounts.requireVisible(cmd.actor, cmd.tenantId);
    this.assertSelfOrAdmin(cmd.actor, cmd.id);
    return this.ds.transaction(async (m) => {
      await advisoryXactLock(m, `voxmail-users:${cmd.tenantId}`);
      const u = await this.users.lock(cmd.tenantId, cmd.id, m);
      if (!u) throw DomainError.notFound();
      const fields = await this.prepare(cmd.actor, cmd.tenantId, updatedDoc(u, cmd), u, m);
      const saved = await this.users.save(m, { ...u, ...fields, version: u.version + 1 });
      // the user's existing tokens carry its new privilege at once (a demoted admin is no longer one)
      if (saved.privLevel !== u.privLevel)
        await this.revocations.revoke(m, RevocationKeys.role(u.id), saved.privLevel);
      await appendEvents(m, MAILBOX_SCHEMA, [
        newEvent(Events.UserUpdated, { tenantId: cmd.tenantId, aggregateId: u.id, data: userView(saved) }),
      ]);
      // a disabled user is signed out for good; enabling it again does not bring its old tokens back
      if (u.doc.enabled !== false && saved.doc.enabled === false)
        await this.revokeCredentials(m, cmd.tenantId, u, 'user_disabled');
      return userReply(saved);
    });
  }

  async delete(cmd: DocIdCommand): Promise<DocReply> {
    await this.accounts.requireVisible(cmd.actor, cmd.tenantId);
    this.assertSelfOrAdmin(cmd.actor, cmd.id);
    assertAdmin(cmd.actor);
    return this.ds.transaction(async (m) => {
      const u = await this.users.lock(cmd.tenantId, cmd.id, m);
      if (!u) throw DomainError.notFound();
      await this.revokeCredentials(m, cmd.tenantId, u, 'user_deleted');
      await this.users.remove(m, u);
      await appendEvents(m, MAILBOX_SCHEMA, [
        newEvent(Events.UserDeleted, { tenantId: cmd.tenantId, aggregateId: u.id, data: userView(u) }),
      ]);
      return {
        doc: { ...userView(u), _read_only: { deleted: true } },
        revision: revisionOf(u.id, u.version + 1),
      };
    });
  }

  findForAuth(accountIds: string[], credentials: string): Promise<UserEntity[]> {
    return this.users.findByCredentialsLookup(accountIds, this.credentialsLookup(credentials));
  }

  findInAccount(accountId: string, userId: string): Promise<UserEntity | null> {
    return this.users.find(accountId, userId);
  }
}
