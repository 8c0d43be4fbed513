// Queries on voicemail slots; every one is scoped by tenant.
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EntityRepository } from '@voxmail/persistence';
import { VoicemailSlotEntity } from './voicemail-slot.entity';

const MAX_LISTED_SLOTS = 1000;

@Injectable()
export class VoicemailSlotsRepository extends EntityRepository(VoicemailSlotEntity) {
  insert(e: VoicemailSlotEntity): Promise<VoicemailSlotEntity> {
    return this.repo().save(e);
  }

  find(tenantId: string, id: string, m?: EntityManager): Promise<VoicemailSlotEntity | null> {
    return this.repo(m).findOne({ where: { tenantId, id } });
  }

  findOfUser(tenantId: string, userId: string, id: string): Promise<VoicemailSlotEntity | null> {
    return this.repo().findOne({ where: { tenantId, userId, id } });
  }

  lock(m: EntityManager, tenantId: string, id: string): Promise<VoicemailSlotEntity | null> {
    return this.repo(m).findOne({ where: { tenantId, id }, lock: { mode: 'pessimistic_write' } });
  }

  /**
   * A user's slots, oldest first: filled ones whose message still exists, and empty ones not yet expired.
   */
  listOfUser(tenantId: string, userId: string): Promise<VoicemailSlotEntity[]> {
    return this.repo()
      .createQueryBuilder('s')
      .where('s.tenant_id = :tenantId AND s.user_id = :userId', { tenantId, userId })
      .andWhere(
        `((s.uploaded_at IS NULL AND s.expires_at > now()) OR EXISTS (
           SELECT 1 FROM message.messages msg
            WHERE msg.tenant_id = s.tenant_id AND msg.id = s.message_id AND msg.folder <> 'deleted'))`,
      )
      .orderBy('s.created_at', 'ASC')
      .addOrderBy('s.id', 'ASC')
      .limit(MAX_LISTED_SLOTS)
      .getMany();
  }

  async setUpload(tenantId: string, id: string, uploadId: string): Promise<void> {
    await this.repo().update({ tenantId, id }, { uploadId });
  }

  async save(m: EntityManager, e: VoicemailSlotEntity): Promise<void> {
    await this.repo(m).save(e);
  }

  async remove(m: EntityManager, tenantId: string, id: string): Promise<void> {
    await this.repo(m).delete({ tenantId, id });
  }

  /** Removes empty slots past their expiry (those with an upload under way get `graceMs` more). */
  async removeExpired(
    graceMs: number,
    limit = 500,
  ): Promise<{ tenant_id: string; upload_id: string | null }[]> {
    const rows: [{ tenant_id: string; upload_id: string | null }[], number] = await this.ds.query(
      `DELETE FROM message.voicemail_slots WHERE (tenant_id, id) IN (
         SELECT tenant_id, id FROM message.voicemail_slots
          WHERE uploaded_at IS NULL AND expires_at < now()
            AND (upload_id IS NULL OR expires_at < now() - ($1 || ' milliseconds')::interval)
          LIMIT $2)
       RETURNING tenant_id, upload_id`,
      [String(graceMs), limit],
    );
    return rows[0];
  }
}
