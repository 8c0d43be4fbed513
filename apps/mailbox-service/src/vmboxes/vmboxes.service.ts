// Voicemail boxes (Kazoo vmboxes): admins manage them; a user sees boxes it owns or is a member of and
// may edit the boxes it owns. Their PINs are vmbox-pins.ts's.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import {
  Actor,
  OwnedVmboxCommand,
  OwnedVmboxReply,
  CreateDocCommand,
  DeleteVmboxCommand,
  DocIdCommand,
  DocReply,
  DomainError,
  DataOf,
  EventDef,
  Events,
  JsonObject,
  ListCommand,
  ListReply,
  newId,
  NewEvent,
  newEvent,
  revisionOf,
  StoredDocument,
  UpdateDocCommand,
  validateVmbox,
  VMBOX_READ_ONLY_KEYS,
  VmboxLimits,
  VmboxReply,
  withoutReservedKeys,
  listReply,
} from '@voxmail/contracts';
import { AccountAccess, appendEvents } from '@voxmail/messaging';
import { assertAdmin } from '../access';
import { AccountsService } from '../accounts/accounts.service';
import { checkRevision, updatedDoc } from '../documents';
import { MAILBOX_SCHEMA } from '../tokens';
import { BoxGreetings } from './box-greetings';
import { VmboxPins } from './vmbox-pins';
import { canSee, PinChange } from './vmbox-visibility';
import { VmboxEntity, VmboxType } from './vmbox.entity';
import { AccountLimitDefaults, isMailboxTaken, VmboxesRepository } from './vmboxes.repository';
import { Quotas } from '../accounts/quotas';

/** Fields only an admin may change; a box owner editing its own box keeps them as they are. */
const ADMIN_ONLY_FIELDS = [
  'mailbox',
  'owner_id',
  'type',
  'members',
  'not_configurable',
  'max_message_count',
  'max_message_length',
];

/** OWASP's argon2id baseline: slow enough offline, quick enough for a caller waiting at the menu. */

/** The box as clients see it: never the PIN, `pin_set` instead. */
export function vmboxView(b: VmboxEntity): StoredDocument {
  return { ...b.doc, id: b.id, pin_set: b.pinHash !== null };
}

function vmboxReply(b: VmboxEntity): DocReply {
  return { doc: vmboxView(b), revision: revisionOf(b.id, b.version) };
}

const limit = (own: unknown, dflt: unknown): number | null =>
  typeof own === 'number' ? own : typeof dflt === 'number' ? dflt : null;

export function effectiveLimits(doc: JsonObject, defaults: AccountLimitDefaults): VmboxLimits {
  return {
    max_message_count: limit(doc.max_message_count, defaults.maxMessageCount),
    max_message_length: limit(doc.max_message_length, defaults.maxMessageLength),
  };
}

/** What a write asks of the PIN: keep it (key absent), clear it (`null`) or set it (a string). */

export interface ShapedBox {
  doc: JsonObject;
  type: VmboxType;
  members: string[];
  ownerId: string | null;
  pin: PinChange;
}

/**
 * Validates a full box document (after a PATCH merge, or as given to PUT/POST): Kazoo schema and
 * defaults, group rules, and the PIN pulled out of the document. `pinInput` is what the request itself
 * said about `pin` (a merge keeps the key only when the patch names it).
 */
export function shapeBox(input: JsonObject, pinInput: unknown): ShapedBox {
  const doc = withoutReservedKeys(input);
  for (const k of VMBOX_READ_ONLY_KEYS) delete doc[k];
  if (doc.pin === null) delete doc.pin;
  validateVmbox(doc);
  delete doc.pin;
  const type = (doc.type as VmboxType | undefined) ?? 'personal';
  const members = (doc.members as string[] | undefined) ?? [];
  if (members.length && type !== 'group') {
    throw DomainError.invalid(
      'members',
      'dependencies',
      'members can only be set on a group box ("type": "group")',
    );
  }
  const pin: PinChange =
    pinInput === undefined
      ? { kind: 'keep' }
      : pinInput === null
        ? { kind: 'clear' }
        : { kind: 'set', pin: String(pinInput) };
  return { doc, type, members, ownerId: (doc.owner_id as string | undefined) ?? null, pin };
}

@Injectable()
export class VmboxesService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly vmboxes: VmboxesRepository,
    private readonly accounts: AccountsService,
    private readonly pins: VmboxPins,
    private readonly greetings: BoxGreetings,
    private readonly quotas: Quotas,
  ) {}

  /** Owners and members must be users of the box's account. */
  private async checkPeople(accountId: string, s: ShapedBox, m: EntityManager): Promise<void> {
    if (s.ownerId && (await this.vmboxes.unknownUsers(accountId, [s.ownerId], m)).length) {
      throw DomainError.invalid('owner_id', 'not_found', 'owner_id is not a user of this account', s.ownerId);
    }
    const unknown = await this.vmboxes.unknownUsers(accountId, s.members, m);
    if (unknown.length)
      throw DomainError.invalid(
        'members',
        'not_found',
        'Every member must be a user of this account',
        unknown,
      );
  }

  /** Writes that fail on the unique mailbox number answer 409 naming `mailbox`. */
  private async uniqueMailbox<T>(mailbox: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (e) {
      if (isMailboxTaken(e))
        throw DomainError.taken('mailbox', 'Mailbox number is already in use in this account', mailbox);
      throw e;
    }
  }

  private event<E extends EventDef>(def: E, b: VmboxEntity, data: DataOf<E>): NewEvent<DataOf<E>> {
    return newEvent(def, { tenantId: b.accountId, aggregateId: b.id, data });
  }

  async create(cmd: CreateDocCommand): Promise<DocReply> {
    await this.accounts.requireVisible(cmd.actor, cmd.tenantId);
    assertAdmin(cmd.actor);
    const shaped = shapeBox(cmd.doc, cmd.doc.pin);
    await this.greetings.check(cmd.tenantId, shaped.doc);
    const id = newId();
    const pinHash = await this.pins.hashFor(id, shaped.pin, null);
    const created = this.ds.transaction(async (m) => {
      await this.quotas.assertRoom(m, cmd.tenantId, 'max_vmboxes');
      await this.checkPeople(cmd.tenantId, shaped, m);
      const b = Object.assign(new VmboxEntity(), {
        id,
        accountId: cmd.tenantId,
        mailbox: String(shaped.doc.mailbox),
        ownerId: shaped.ownerId,
        type: shaped.type,
        members: shaped.members,
        doc: shaped.doc,
        pinHash,
        pinFailures: 0,
        lockedUntil: null,
        version: 1,
      });
      await this.uniqueMailbox(b.mailbox, () => this.vmboxes.insert(m, b));
      await appendEvents(m, MAILBOX_SCHEMA, [this.event(Events.MailboxCreated, b, vmboxView(b))]);
      return vmboxReply(b);
    });
    return this.quotas.reported(cmd.tenantId, created);
  }

  /**
   * One indexed lookup (box joined with its account) for other services authorizing message requests:
   * another tenant's box, or one a user-level actor may not see, is 404 like a missing one.
   */
  async get(cmd: DocIdCommand): Promise<VmboxReply> {
    const found = await this.vmboxes.findWithAccountDefaults(cmd.tenantId, cmd.id);
    if (!found) throw DomainError.notFound();
    AccountAccess.requireWithTree(cmd.actor, { id: cmd.tenantId, tree: found.accountTree });
    if (!canSee(cmd.actor, found.box)) throw DomainError.notFound();
    return { ...vmboxReply(found.box), limits: effectiveLimits(found.box.doc, found.defaults) };
  }

  /** `GET .../vmboxes/{id}/greetings`: the box as the actor may see it, and its greetings' audio. */
  async greetingsOf(cmd: DocIdCommand) {
    const box = await this.get(cmd);
    return this.greetings.of(cmd.tenantId, cmd.id, box.doc);
  }

  /** For voicemail slots: the box a user of the account owns; an unknown (or foreign) user is 404. */
  async ownedBy(cmd: OwnedVmboxCommand): Promise<OwnedVmboxReply> {
    await this.accounts.requireVisible(cmd.actor, cmd.tenantId);
    if (cmd.actor.role === 'user' && cmd.actor.userId !== cmd.userId) throw DomainError.notFound();
    if ((await this.vmboxes.unknownUsers(cmd.tenantId, [cmd.userId])).length) throw DomainError.notFound();
    return { vmboxId: await this.vmboxes.ownedBy(cmd.tenantId, cmd.userId) };
  }

  async list(cmd: ListCommand): Promise<ListReply> {
    await this.accounts.requireVisible(cmd.actor, cmd.tenantId);
    const visibleTo = cmd.actor.role === 'user' ? (cmd.actor.userId ?? '-') : undefined;
    const page = await this.vmboxes.list(cmd.tenantId, cmd.query, visibleTo);
    const counts = await this.vmboxes.messageCounts(
      cmd.tenantId,
      page.items.map((b) => b.id),
    );
    const items = page.items.map((b) => ({
      id: b.id,
      name: b.doc.name,
      mailbox: b.mailbox,
      owner_id: b.ownerId ?? undefined,
      messages: counts.get(b.id) ?? 0,
      ...(b.type === 'group' ? { type: b.type } : {}),
    }));
    return listReply(page, items);
  }

  /** A user-level actor may edit a box it owns, unless the box is `not_configurable`. */
  private assertMayEdit(actor: Actor, b: VmboxEntity, next: JsonObject): void {
    if (actor.role !== 'user') return;
    if (b.ownerId !== actor.userId)
      throw DomainError.forbidden('only the owner of the box or an admin may change it');
    if (b.doc.not_configurable === true) {
      throw DomainError.forbidden('this voicemail box is not configurable by its user', {
        not_configurable: { forbidden: { message: 'The box is set not_configurable; ask an admin' } },
      });
    }
    for (const field of ADMIN_ONLY_FIELDS) {
      if (JSON.stringify(b.doc[field]) !== JSON.stringify(next[field])) {
        throw DomainError.forbidden(`only an admin may change ${field}`, {
          [field]: { forbidden: { message: `Only an admin may change ${field}` } },
        });
      }
    }
  }

  async update(cmd: UpdateDocCommand): Promise<DocReply> {
    await this.accounts.requireVisible(cmd.actor, cmd.tenantId);
    return this.ds.transaction(async (m) => {
      const b = await this.vmboxes.lock(cmd.tenantId, cmd.id, m);
      if (!b || !canSee(cmd.actor, b)) throw DomainError.notFound();
      const shaped = shapeBox(updatedDoc(b, cmd), cmd.doc.pin);
      this.assertMayEdit(cmd.actor, b, shaped.doc);
      await this.checkPeople(cmd.tenantId, shaped, m);
      await this.greetings.check(cmd.tenantId, shaped.doc);
      const pinChanged = shaped.pin.kind !== 'keep';
      const next = Object.assign(new VmboxEntity(), b, {
        mailbox: String(shaped.doc.mailbox),
        ownerId: shaped.ownerId,
        type: shaped.type,
        members: shaped.members,
        doc: shaped.doc,
        pinHash: await this.pins.hashFor(b.id, shaped.pin, b.pinHash),
        // a new (or removed) PIN is the admin's way to unlock a box
        pinFailures: pinChanged ? 0 : b.pinFailures,
        lockedUntil: pinChanged ? null : b.lockedUntil,
        version: b.version + 1,
      });
      await this.uniqueMailbox(next.mailbox, () => this.vmboxes.update(m, next));
      await appendEvents(m, MAILBOX_SCHEMA, [this.event(Events.MailboxUpdated, next, vmboxView(next))]);
      return vmboxReply(next);
    });
  }

  /** Deletes the box; `mailbox.deleted` lets message-service and media-storage remove what belonged to it. */
  async delete(cmd: DeleteVmboxCommand): Promise<DocReply> {
    await this.accounts.requireVisible(cmd.actor, cmd.tenantId);
    return this.ds.transaction(async (m) => {
      const b = await this.vmboxes.lock(cmd.tenantId, cmd.id, m);
      if (!b || !canSee(cmd.actor, b)) throw DomainError.notFound();
      assertAdmin(cmd.actor);
      checkRevision(b.id, b.version, cmd.ifRevision);
      await this.vmboxes.remove(m, b);
      const view = vmboxView(b);
      await appendEvents(m, MAILBOX_SCHEMA, [this.event(Events.MailboxDeleted, b, view)]);
      return { doc: { ...view, _read_only: { deleted: true } }, revision: revisionOf(b.id, b.version + 1) };
    });
  }
}

export { canSee };
