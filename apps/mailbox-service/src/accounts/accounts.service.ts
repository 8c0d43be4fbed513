// Accounts (tenants): the operator creates them; each has an API key that Kazoo clients can read back.
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import {
  AccountTreeCommand,
  AccountTreeReply,
  AccountSchema,
  Actor,
  CreateDocCommand,
  DocIdCommand,
  DocReply,
  DomainError,
  ErrorCode,
  Events,
  newEvent,
  JsonObject,
  ListCommand,
  ListReply,
  Page,
  mergePatch,
  newId,
  revisionOf,
  TenantCommand,
  UpdateDocCommand,
  validateDocument,
  withoutReservedKeys,
  listReply,
} from '@voxmail/contracts';
import { appendEvents } from '@voxmail/messaging';
import { advisoryXactLock } from '@voxmail/persistence';
import { assertAdmin, assertMayEnableOrDisable, assertReachable, isAncestorActor } from '../access';
import { Revocations } from '../auth/revocations';
import { SecretBox, newApiKey } from '../auth/secrets';
import { checkRevision } from '../documents';
import { MAILBOX_CONFIG, MAILBOX_SCHEMA } from '../tokens';
import type { MailboxConfig } from '@voxmail/config';
import { AccountEntity } from './account.entity';
import { AccountsRepository } from './accounts.repository';

export function accountView(a: AccountEntity): JsonObject & { id: string } {
  return { ...a.doc, id: a.id };
}

export function accountReply(a: AccountEntity): DocReply {
  return { doc: accountView(a), revision: revisionOf(a.id, a.version) };
}

@Injectable()
export class AccountsService implements OnApplicationBootstrap {
  private readonly log = new Logger(AccountsService.name);
  private readonly box: SecretBox;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly accounts: AccountsRepository,
    @Inject(MAILBOX_CONFIG) private readonly config: MailboxConfig,
    private readonly revocations: Revocations,
  ) {
    this.box = new SecretBox(config.secret);
  }

  /** The operator (root) account exists from the first start; its key follows VOXMAIL_OPERATOR_API_KEY. */
  async onApplicationBootstrap(): Promise<void> {
    await this.ds.transaction(async (m) => {
      await advisoryXactLock(m, 'voxmail-operator-account');
      const hash = this.box.mac(this.config.operatorApiKey);
      const existing = await this.accounts.findOperator(m);
      if (!existing) {
        const id = newId();
        await this.accounts.insert(m, {
          id,
          parentId: null,
          isOperator: true,
          nameLower: 'operator',
          tree: [],
          doc: { name: 'Operator', enabled: true, is_reseller: true },
          version: 1,
          apiKeyHash: hash,
          apiKeyEnc: this.box.encrypt(this.config.operatorApiKey),
        });
        await appendEvents(m, MAILBOX_SCHEMA, [
          newEvent(Events.AccountCreated, { tenantId: id, aggregateId: id, data: { id, name: 'Operator' } }),
        ]);
        this.log.log(`operator account ${id} created`);
      } else if (existing.apiKeyHash !== hash) {
        existing.apiKeyHash = hash;
        existing.apiKeyEnc = this.box.encrypt(this.config.operatorApiKey);
        await this.accounts.save(m, existing);
        await this.revocations.revokeTokens(m, 'api_key', existing.id, existing.id, 'api_key_rotated');
        this.log.log('operator API key changed from the environment');
      }
    });
  }

  /**
   * Loads an account the actor may see (its own or, for an admin, a descendant), or answers 404 as for
   * a missing one: the tree check runs on the row this lookup reads anyway, so it costs nothing extra.
   */
  async requireVisible(actor: Actor, id: string, m?: EntityManager): Promise<AccountEntity> {
    const a = await this.accounts.findActive(id, m);
    assertReachable(actor, a);
    return a;
  }

  /** The operator, or an admin of a reseller account; anyone else may not create accounts. */
  private async assertMayCreateAccounts(actor: Actor): Promise<void> {
    if (actor.role === 'operator') return;
    const own = actor.role === 'admin' ? await this.accounts.findActive(actor.accountId) : null;
    if (own?.doc.is_reseller !== true)
      throw new DomainError(ErrorCode.Forbidden, 'only the operator or a reseller may create accounts');
  }

  private async validated(doc: JsonObject, selfId: string | null, m: EntityManager): Promise<JsonObject> {
    const clean = validateDocument(AccountSchema, withoutReservedKeys(doc));
    if (typeof clean.realm === 'string' && (await this.accounts.realmTaken(clean.realm, selfId, m))) {
      throw DomainError.taken('realm', 'Realm is already in use by another account', clean.realm);
    }
    return clean;
  }

  /** `PUT /v2/accounts/{parent}`: a child of the path's account, by the operator or a reseller above it. */
  async create(cmd: CreateDocCommand): Promise<DocReply> {
    const parent = await this.requireVisible(cmd.actor, cmd.tenantId);
    await this.assertMayCreateAccounts(cmd.actor);
    this.assertOperatorOnlyKeys(cmd.actor, {}, withoutReservedKeys(cmd.doc));
    return this.ds.transaction(async (m) => {
      await advisoryXactLock(m, 'voxmail-account-realms');
      const doc = await this.validated(cmd.doc, null, m);
      const id = newId();
      const apiKey = newApiKey();
      const a = await this.accounts.insert(m, {
        id,
        parentId: cmd.tenantId,
        tree: [...parent.tree, parent.id],
        isOperator: false,
        nameLower: String(doc.name).toLowerCase(),
        doc,
        version: 1,
        apiKeyHash: this.box.mac(apiKey),
        apiKeyEnc: this.box.encrypt(apiKey),
      });
      await appendEvents(m, MAILBOX_SCHEMA, [
        newEvent(Events.AccountCreated, {
          tenantId: id,
          aggregateId: id,
          data: { ...accountView(a), parent_id: cmd.tenantId, tree: a.tree },
        }),
      ]);
      return accountReply(a);
    });
  }

  /** A live account's ancestors, for a service that applies canReach itself (libs/messaging AccountAccess). */
  async tree(cmd: AccountTreeCommand): Promise<AccountTreeReply> {
    const a = await this.accounts.findActive(cmd.tenantId);
    if (!a) throw DomainError.notFound();
    return { id: a.id, tree: a.tree };
  }

  async get(cmd: DocIdCommand): Promise<DocReply> {
    return accountReply(await this.requireVisible(cmd.actor, cmd.id));
  }

  async update(cmd: UpdateDocCommand): Promise<DocReply> {
    await this.requireVisible(cmd.actor, cmd.id);
    assertAdmin(cmd.actor);
    return this.ds.transaction(async (m) => {
      await advisoryXactLock(m, 'voxmail-account-realms');
      const a = await this.accounts.lockActive(cmd.id, m);
      if (!a) throw DomainError.notFound();
      checkRevision(a.id, a.version, cmd.ifRevision);
      const next = cmd.mode === 'merge' ? mergePatch(a.doc, withoutReservedKeys(cmd.doc)) : cmd.doc;
      this.assertOperatorOnlyKeys(cmd.actor, a.doc, next);
      const disabling = a.doc.enabled !== false && next.enabled === false;
      if ((a.doc.enabled === false) !== (next.enabled === false)) assertMayEnableOrDisable(cmd.actor, a);
      a.doc = await this.validated(next, a.id, m);
      a.nameLower = String(a.doc.name).toLowerCase();
      a.version += 1;
      await this.accounts.save(m, a);
      await appendEvents(m, MAILBOX_SCHEMA, [
        newEvent(Events.AccountUpdated, {
          tenantId: a.id,
          aggregateId: a.id,
          data: { ...accountView(a), tree: a.tree },
        }),
      ]);
      // disabling signs everyone out for good: enabling again does not bring old tokens back
      if (disabling) await this.revocations.revokeTokens(m, 'account', a.id, a.id, 'account_disabled');
      return accountReply(a);
    });
  }

  /**
   * Keys only the operator sets. Realms are unique across tenants (users log in by realm): an account
   * admin or a reseller must not learn from a conflict which realms other tenants use. `is_reseller`
   * hands out the power to create accounts.
   */
  private assertOperatorOnlyKeys(actor: Actor, before: JsonObject, after: JsonObject): void {
    if (actor.role === 'operator') return;
    if ((after.realm ?? null) !== (before.realm ?? null))
      throw new DomainError(ErrorCode.Forbidden, "only the operator may set an account's realm");
    if ((after.is_reseller ?? false) !== (before.is_reseller ?? false))
      throw new DomainError(ErrorCode.Forbidden, 'only the operator may make an account a reseller');
  }

  async delete(cmd: DocIdCommand): Promise<DocReply> {
    const a = await this.requireVisible(cmd.actor, cmd.id);
    if (!isAncestorActor(cmd.actor, a))
      throw new DomainError(
        ErrorCode.Forbidden,
        'only the operator or a reseller above the account may delete it',
      );
    if (a.isOperator) throw new DomainError(ErrorCode.Forbidden, 'the operator account cannot be deleted');
    return this.ds.transaction(async (m) => {
      const locked = await this.accounts.lockActive(cmd.id, m);
      if (!locked) throw DomainError.notFound();
      // as Kazoo: a subtree is removed from the leaves up, so no account is left under a deleted one
      if (await this.accounts.hasChildren(locked.id, m))
        throw new DomainError(ErrorCode.Conflict, 'the account has child accounts; delete them first', {
          account: { has_descendants: { message: 'the account has child accounts' } },
        });
      locked.deletedAt = new Date();
      locked.version += 1;
      await this.accounts.save(m, locked);
      await this.revocations.revokeTokens(m, 'account', locked.id, locked.id, 'account_deleted');
      await appendEvents(m, MAILBOX_SCHEMA, [
        newEvent(Events.AccountDeleted, {
          tenantId: locked.id,
          aggregateId: locked.id,
          data: accountView(locked),
        }),
      ]);
      const reply = accountReply(locked);
      return { ...reply, doc: { ...reply.doc, _read_only: { deleted: true } } };
    });
  }

  async listChildren(cmd: ListCommand): Promise<ListReply> {
    return this.listBelow(cmd, (id, q) => this.accounts.listChildren(id, q));
  }

  /** `GET /v2/accounts/{id}/descendants`: the whole subtree below the account, each with its tree. */
  async listDescendants(cmd: ListCommand): Promise<ListReply> {
    return this.listBelow(cmd, (id, q) => this.accounts.listDescendants(id, q));
  }

  private async listBelow(
    cmd: ListCommand,
    load: (id: string, q: ListCommand['query']) => Promise<Page<AccountEntity>>,
  ): Promise<ListReply> {
    await this.requireVisible(cmd.actor, cmd.tenantId);
    assertAdmin(cmd.actor);
    const page = await load(cmd.tenantId, cmd.query);
    const items = page.items.map((a) => ({ id: a.id, name: a.doc.name, realm: a.doc.realm, tree: a.tree }));
    return listReply(page, items);
  }

  async getApiKey(cmd: TenantCommand): Promise<{ api_key: string }> {
    const a = await this.requireVisible(cmd.actor, cmd.tenantId);
    assertAdmin(cmd.actor);
    return { api_key: this.box.decrypt(a.apiKeyEnc) };
  }

  async rotateApiKey(cmd: TenantCommand): Promise<{ api_key: string }> {
    await this.requireVisible(cmd.actor, cmd.tenantId);
    assertAdmin(cmd.actor);
    return this.ds.transaction(async (m) => {
      const a = await this.accounts.lockActive(cmd.tenantId, m);
      if (!a) throw DomainError.notFound();
      const apiKey = newApiKey();
      a.apiKeyHash = this.box.mac(apiKey);
      a.apiKeyEnc = this.box.encrypt(apiKey);
      await this.accounts.save(m, a);
      await this.revocations.revokeTokens(m, 'api_key', a.id, a.id, 'api_key_rotated');
      await appendEvents(m, MAILBOX_SCHEMA, [
        newEvent(Events.ApiKeyRotated, { tenantId: a.id, aggregateId: a.id, data: { id: a.id } }),
      ]);
      return { api_key: apiKey };
    });
  }
}
