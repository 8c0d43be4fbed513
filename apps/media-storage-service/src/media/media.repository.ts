// Media object rows, always scoped by tenant.
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EntityRepository } from '@voxmail/persistence';
import { MediaObjectEntity } from './media-object.entity';

@Injectable()
export class MediaRepository extends EntityRepository(MediaObjectEntity) {
  find(tenantId: string, id: string, m?: EntityManager): Promise<MediaObjectEntity | null> {
    return this.repo(m).findOne({ where: { tenantId, id } });
  }

  lock(tenantId: string, id: string, m: EntityManager): Promise<MediaObjectEntity | null> {
    return this.repo(m).findOne({ where: { tenantId, id }, lock: { mode: 'pessimistic_write' } });
  }

  rendition(tenantId: string, originalId: string, format: string): Promise<MediaObjectEntity | null> {
    return this.repo().findOne({ where: { tenantId, derivedFrom: originalId, format: format as never } });
  }

  renditionsOf(tenantId: string, originalId: string, m?: EntityManager): Promise<MediaObjectEntity[]> {
    return this.repo(m).find({ where: { tenantId, derivedFrom: originalId } });
  }

  insert(m: EntityManager | undefined, e: Partial<MediaObjectEntity>): Promise<MediaObjectEntity> {
    return this.repo(m).save(this.repo(m).create(e));
  }

  save(m: EntityManager | undefined, e: MediaObjectEntity): Promise<MediaObjectEntity> {
    return this.repo(m).save(e);
  }

  async remove(m: EntityManager | undefined, tenantId: string, ids: string[]): Promise<void> {
    if (ids.length) {
      await this.repo(m)
        .createQueryBuilder()
        .delete()
        .where('tenant_id = :tenantId AND id IN (:...ids)', { tenantId, ids })
        .execute();
    }
  }

  async claim(m: EntityManager, tenantId: string, id: string): Promise<void> {
    await m.query(`UPDATE media.objects SET claimed = true WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  }

  /** Uploads never committed before their ticket expired, and message objects no message claimed. */
  lockAbandoned(m: EntityManager, unclaimedTtlS: number, limit: number): Promise<MediaObjectEntity[]> {
    return this.repo(m)
      .createQueryBuilder('o')
      .where(`(o.status = 'pending' AND o.expires_at < now())`)
      .orWhere(
        `(o.status = 'stored' AND NOT o.claimed AND o.derived_from IS NULL AND o.kind = 'message'
          AND o.stored_at < now() - make_interval(secs => :ttl))`,
        { ttl: unclaimedTtlS },
      )
      .limit(limit)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
  }
}
