// Message rows and box counters, always scoped by tenant (and box).
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ListQuery, MessageFolder, Page } from '@voxmail/contracts';
import { documentColumns, EntityRepository, getPlainOne, keysetPage } from '@voxmail/persistence';
import { MessageEntity } from './message.entity';

export interface BoxCounts {
  new: number;
  saved: number;
}

/** How a change moves a message between the counted folders: -1/+1 per folder. */
export function countDelta(from: MessageFolder | null, to: MessageFolder | null): BoxCounts {
  const d = { new: 0, saved: 0 };
  if (from === 'new' || from === 'saved') d[from] -= 1;
  if (to === 'new' || to === 'saved') d[to] += 1;
  return d;
}

@Injectable()
export class MessagesRepository extends EntityRepository(MessageEntity) {
  find(tenantId: string, vmboxId: string, id: string, m?: EntityManager): Promise<MessageEntity | null> {
    return getPlainOne(this.byKey(tenantId, vmboxId, id, m));
  }

  lock(tenantId: string, vmboxId: string, id: string, m: EntityManager): Promise<MessageEntity | null> {
    return getPlainOne(this.byKey(tenantId, vmboxId, id, m).setLock('pessimistic_write'));
  }

  /** The box's message (not deleted) deposited for `callId`, if any: a deposit is unique per box and call. */
  byCallId(
    tenantId: string,
    vmboxId: string,
    callId: string,
    m?: EntityManager,
  ): Promise<MessageEntity | null> {
    return getPlainOne(
      this.repo(m)
        .createQueryBuilder('m')
        .where('m.tenant_id = :tenantId AND m.vmbox_id = :vmboxId', { tenantId, vmboxId })
        .andWhere(`m.doc ? 'call_id' AND m.doc->>'call_id' = :callId AND m.folder <> 'deleted'`, { callId }),
    );
  }

  /** A message by its id alone (it may have moved box since an event named one). */
  findInTenant(tenantId: string, id: string): Promise<MessageEntity | null> {
    return getPlainOne(
      this.repo().createQueryBuilder('m').where('m.tenant_id = :tenantId AND m.id = :id', { tenantId, id }),
    );
  }

  lockInTenant(m: EntityManager, tenantId: string, id: string): Promise<MessageEntity | null> {
    return getPlainOne(
      this.repo(m)
        .createQueryBuilder('m')
        .where('m.tenant_id = :tenantId AND m.id = :id', { tenantId, id })
        .setLock('pessimistic_write'),
    );
  }

  private byKey(tenantId: string, vmboxId: string, id: string, m?: EntityManager) {
    return this.repo(m)
      .createQueryBuilder('m')
      .where('m.tenant_id = :tenantId AND m.vmbox_id = :vmboxId AND m.id = :id', { tenantId, vmboxId, id });
  }

  /** Ids of a box's messages in a folder, or in every folder but `deleted`. */
  async idsOfBox(
    tenantId: string,
    vmboxId: string,
    folder: MessageFolder | undefined,
    limit: number,
  ): Promise<string[]> {
    const qb = this.repo()
      .createQueryBuilder('m')
      .select('m.id', 'id')
      .where('m.tenant_id = :tenantId AND m.vmbox_id = :vmboxId', { tenantId, vmboxId });
    if (folder) qb.andWhere('m.folder = :folder', { folder });
    else qb.andWhere(`m.folder <> 'deleted'`);
    const rows = await qb
      .orderBy('m.ts', 'ASC')
      .addOrderBy('m.id', 'ASC')
      .limit(limit)
      .getRawMany<{ id: string }>();
    return rows.map((r) => r.id);
  }

  async insert(m: EntityManager, e: Partial<MessageEntity>): Promise<MessageEntity> {
    return this.repo(m).save(this.repo(m).create(e));
  }

  save(m: EntityManager, e: MessageEntity): Promise<MessageEntity> {
    return this.repo(m).save(e);
  }

  async remove(m: EntityManager, tenantId: string, ids: string[]): Promise<void> {
    if (ids.length)
      await this.repo(m)
        .createQueryBuilder()
        .delete()
        .where('tenant_id = :tenantId AND id IN (:...ids)', { tenantId, ids })
        .execute();
  }

  list(
    tenantId: string,
    vmboxId: string,
    query: ListQuery,
    folder?: MessageFolder,
  ): Promise<Page<MessageEntity>> {
    const qb = this.repo()
      .createQueryBuilder('m')
      .where('m.tenant_id = :tenantId AND m.vmbox_id = :vmboxId', { tenantId, vmboxId });
    if (folder) qb.andWhere('m.folder = :folder', { folder });
    else qb.andWhere(`m.folder <> 'deleted'`);
    return keysetPage(qb, query, documentColumns('m', { sortColumn: 'm.ts', sortValue: (r) => r.ts }));
  }

  /** Locks the box's counter row (creating it at zero), so changes to one box serialize and count exactly. */
  async lockCounts(m: EntityManager, tenantId: string, vmboxId: string): Promise<BoxCounts> {
    await m.query(
      `INSERT INTO message.box_counters (tenant_id, vmbox_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [tenantId, vmboxId],
    );
    const [row] = await m.query(
      `SELECT new_count, saved_count FROM message.box_counters WHERE tenant_id = $1 AND vmbox_id = $2 FOR UPDATE`,
      [tenantId, vmboxId],
    );
    return { new: row.new_count, saved: row.saved_count };
  }

  async counts(tenantId: string, vmboxId: string): Promise<BoxCounts> {
    const rows = await this.ds.query(
      `SELECT new_count, saved_count FROM message.box_counters WHERE tenant_id = $1 AND vmbox_id = $2`,
      [tenantId, vmboxId],
    );
    return rows.length ? { new: rows[0].new_count, saved: rows[0].saved_count } : { new: 0, saved: 0 };
  }

  /** Applies a delta to a box's counters (row locked by lockCounts first) and returns the counts after it. */
  async adjustCounts(m: EntityManager, tenantId: string, vmboxId: string, d: BoxCounts): Promise<BoxCounts> {
    const [rows] = await m.query(
      `UPDATE message.box_counters SET new_count = new_count + $3, saved_count = saved_count + $4
        WHERE tenant_id = $1 AND vmbox_id = $2 RETURNING new_count, saved_count`,
      [tenantId, vmboxId, d.new, d.saved],
    );
    const row = rows[0];
    return { new: row.new_count, saved: row.saved_count };
  }

  async dropCounts(m: EntityManager, tenantId: string, vmboxId: string): Promise<void> {
    await m.query(`DELETE FROM message.box_counters WHERE tenant_id = $1 AND vmbox_id = $2`, [
      tenantId,
      vmboxId,
    ]);
  }

  /** Every message of a box, locked, for purging the box. */
  lockAllOfBox(m: EntityManager, tenantId: string, vmboxId: string): Promise<MessageEntity[]> {
    return this.repo(m)
      .createQueryBuilder('m')
      .where('m.tenant_id = :tenantId AND m.vmbox_id = :vmboxId', { tenantId, vmboxId })
      .setLock('pessimistic_write')
      .getMany();
  }

  /** Deleted messages whose retention is over, locked so concurrent sweepers take different rows. */
  lockExpired(m: EntityManager, limit: number): Promise<MessageEntity[]> {
    return this.repo(m)
      .createQueryBuilder('m')
      .where(`m.folder = 'deleted' AND m.purge_at <= now()`)
      .orderBy('m.purge_at', 'ASC')
      .limit(limit)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
  }
}
