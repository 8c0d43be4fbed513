// Voicemail box rows and their message-count projection, always scoped by account.
import { Injectable } from '@nestjs/common';
import { EntityManager, QueryFailedError } from 'typeorm';
import { ListQuery, Page } from '@voxmail/contracts';
import {
  documentColumns,
  EntityRepository,
  getPlainOne,
  getPlainRows,
  keysetPage,
} from '@voxmail/persistence';
import { AccountEntity } from '../accounts/account.entity';
import { VmboxEntity } from './vmbox.entity';

const MAILBOX_UNIQUE = 'vmboxes_account_mailbox_uq';

/** A box's stored fields after its two keys: `$3` to `$11` of its INSERT and UPDATE. */
const boxValues = (b: VmboxEntity) => [
  b.mailbox,
  b.ownerId,
  b.type,
  b.members,
  b.doc,
  b.pinHash,
  b.pinFailures,
  b.lockedUntil,
  b.version,
];

/** The account's defaults for the per-box limits, read with the box in the same query. */
export interface AccountLimitDefaults {
  maxMessageCount: unknown;
  maxMessageLength: unknown;
}

export interface MessageCounts {
  vmboxId: string;
  new: number;
  saved: number;
}

/** True when `e` is the unique violation of a mailbox number within an account. */
export function isMailboxTaken(e: unknown): boolean {
  const d = (e as QueryFailedError & { driverError?: { code?: string; constraint?: string } }).driverError;
  return e instanceof QueryFailedError && d?.code === '23505' && d.constraint === MAILBOX_UNIQUE;
}

@Injectable()
export class VmboxesRepository extends EntityRepository(VmboxEntity) {
  find(accountId: string, id: string, m?: EntityManager): Promise<VmboxEntity | null> {
    return getPlainOne(
      this.repo(m)
        .createQueryBuilder('b')
        .where('b.account_id = :accountId AND b.id = :id', { accountId, id }),
    );
  }

  lock(accountId: string, id: string, m: EntityManager): Promise<VmboxEntity | null> {
    return getPlainOne(
      this.repo(m)
        .createQueryBuilder('b')
        .setLock('pessimistic_write')
        .where('b.account_id = :accountId AND b.id = :id', { accountId, id }),
    );
  }

  /**
   * The box and its live account's limit defaults in one primary-key lookup: other services call
   * this before every message request.
   */
  async findWithAccountDefaults(
    accountId: string,
    id: string,
  ): Promise<{ box: VmboxEntity; defaults: AccountLimitDefaults; accountTree: string[] } | null> {
    const [row] = await getPlainRows(
      this.repo()
        .createQueryBuilder('b')
        .innerJoin(AccountEntity, 'a', 'a.id = b.account_id AND a.deleted_at IS NULL')
        .where('b.account_id = :accountId AND b.id = :id', { accountId, id }),
      {
        account_max_message_count: `a.doc -> 'max_message_count'`,
        account_max_message_length: `a.doc -> 'max_message_length'`,
        account_tree: 'a.tree',
      },
    );
    if (!row) return null;
    return {
      box: row.entity,
      accountTree: row.raw.account_tree as string[],
      defaults: {
        maxMessageCount: row.raw.account_max_message_count,
        maxMessageLength: row.raw.account_max_message_length,
      },
    };
  }

  async insert(m: EntityManager, b: VmboxEntity): Promise<void> {
    const [row]: { seq: string; created_at: Date }[] = await m.query(
      `INSERT INTO mailbox.vmboxes (id, account_id, mailbox, owner_id, type, members, doc, pin_hash, pin_failures, locked_until, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING seq, created_at`,
      [b.id, b.accountId, ...boxValues(b)],
    );
    b.seq = row.seq;
    b.createdAt = b.updatedAt = row.created_at;
  }

  async update(m: EntityManager, b: VmboxEntity): Promise<void> {
    await m.query(
      `UPDATE mailbox.vmboxes SET mailbox = $3, owner_id = $4, type = $5, members = $6, doc = $7, pin_hash = $8,
         pin_failures = $9, locked_until = $10, version = $11, updated_at = now()
       WHERE account_id = $1 AND id = $2`,
      [b.accountId, b.id, ...boxValues(b)],
    );
  }

  /** Lockout state only: not a change of the document, so neither the revision nor updated_at move. */
  async saveLockState(
    m: EntityManager,
    b: Pick<VmboxEntity, 'accountId' | 'id'>,
    failures: number,
    lockedUntil: Date | null,
  ): Promise<void> {
    await m.query(
      `UPDATE mailbox.vmboxes SET pin_failures = $3, locked_until = $4 WHERE account_id = $1 AND id = $2`,
      [b.accountId, b.id, failures, lockedUntil],
    );
  }

  /** Deletes the box; its message-count row goes with it (ON DELETE CASCADE). */
  async remove(m: EntityManager, b: VmboxEntity): Promise<void> {
    await this.repo(m).delete({ accountId: b.accountId, id: b.id });
  }

  /** The box `userId` owns with the lowest mailbox number (numbers compare as numbers). */
  async ownedBy(accountId: string, userId: string): Promise<string | null> {
    const rows: { id: string }[] = await this.ds.query(
      `SELECT id FROM mailbox.vmboxes WHERE account_id = $1 AND owner_id = $2
        ORDER BY length(mailbox), mailbox, seq LIMIT 1`,
      [accountId, userId],
    );
    return rows[0]?.id ?? null;
  }

  /** A page of boxes; a user-level reader gets only boxes it owns or is a member of. */
  list(accountId: string, query: ListQuery, visibleTo?: string): Promise<Page<VmboxEntity>> {
    const qb = this.repo().createQueryBuilder('b').where('b.account_id = :accountId', { accountId });
    if (visibleTo !== undefined) {
      qb.andWhere('(b.owner_id = :visibleTo OR b.members @> ARRAY[:visibleTo]::text[])', { visibleTo });
    }
    return keysetPage(qb, query, documentColumns('b'));
  }

  async messageCounts(accountId: string, ids: string[]): Promise<Map<string, number>> {
    if (!ids.length) return new Map();
    const rows: { vmbox_id: string; total: number }[] = await this.ds.query(
      `SELECT vmbox_id, new_count + saved_count AS total FROM mailbox.vmbox_message_counts
        WHERE account_id = $1 AND vmbox_id = ANY($2::char(32)[])`,
      [accountId, ids],
    );
    return new Map(rows.map((r) => [r.vmbox_id, Number(r.total)]));
  }

  /**
   * Stores a box's counts from an `mwi.updated` event unless a later event was already applied, or
   * the box is not (or no longer) in that account. Returns whether the counts changed. The box row is
   * locked as the foreign key would lock it: a box being deleted meanwhile is waited for and then
   * skipped (no row), instead of failing the foreign key after the delete commits.
   */
  async applyMessageCounts(
    m: EntityManager,
    accountId: string,
    c: MessageCounts,
    occurredAt: Date,
    eventId: string,
  ): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `INSERT INTO mailbox.vmbox_message_counts AS c (vmbox_id, account_id, new_count, saved_count, last_event_at, last_event_id)
       SELECT b.id, b.account_id, $3, $4, $5, $6 FROM mailbox.vmboxes b WHERE b.account_id = $1 AND b.id = $2
         FOR KEY SHARE
       ON CONFLICT (vmbox_id) DO UPDATE SET new_count = EXCLUDED.new_count, saved_count = EXCLUDED.saved_count,
         last_event_at = EXCLUDED.last_event_at, last_event_id = EXCLUDED.last_event_id, updated_at = now()
       WHERE c.last_event_at <= EXCLUDED.last_event_at
       RETURNING c.vmbox_id`,
      [accountId, c.vmboxId, c.new, c.saved, occurredAt, eventId],
    );
    return rows.length > 0;
  }

  /** Of `ids`, those that are not users of the account (owners and members must be). */
  async unknownUsers(accountId: string, ids: string[], m?: EntityManager): Promise<string[]> {
    if (!ids.length) return [];
    const rows: { id: string }[] = await (m ?? this.ds.manager).query(
      `SELECT id FROM mailbox.users WHERE account_id = $1 AND id = ANY($2::char(32)[])`,
      [accountId, ids],
    );
    const found = new Set(rows.map((r) => r.id));
    return ids.filter((id) => !found.has(id));
  }

  /** The account's boxes (at most 100, by number) whose greetings name the media document `mediaId`. */
  usingGreeting(
    accountId: string,
    mediaId: string,
  ): Promise<{ id: string; name: string | null; mailbox: string }[]> {
    return this.ds.query(
      `SELECT id, doc->>'name' AS name, mailbox FROM mailbox.vmboxes
        WHERE account_id = $1 AND doc->'media' IS NOT NULL
          AND ($2 = doc->'media'->>'unavailable' OR $2 = doc->'media'->>'busy'
               OR $2 = doc->'media'->>'name' OR $2 = doc->'media'->>'temporary')
        ORDER BY mailbox LIMIT 100`,
      [accountId, mediaId],
    );
  }
}
