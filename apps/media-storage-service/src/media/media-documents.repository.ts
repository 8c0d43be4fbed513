// Media document rows (prompts, greetings), always scoped by tenant.
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { advisoryXactLock, EntityRepository } from '@voxmail/persistence';
import { MediaDocumentEntity } from './media-document.entity';

@Injectable()
export class MediaDocumentsRepository extends EntityRepository(MediaDocumentEntity) {
  find(tenantId: string, id: string, m?: EntityManager, lock = false): Promise<MediaDocumentEntity | null> {
    return this.repo(m).findOne({
      where: { tenantId, id },
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
  }

  /** The tenant's documents (those of one box when `vmboxId` is given), oldest first, at most 1000. */
  list(tenantId: string, vmboxId?: string): Promise<MediaDocumentEntity[]> {
    return this.repo().find({
      where: { tenantId, ...(vmboxId ? { vmboxId } : {}) },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: 1000,
    });
  }

  /**
   * The prompt with audio named by id or by name (of several with one name, the latest upload), or null.
   * `id` is '' when the caller's fileId is not an id.
   */
  async findPromptId(tenantId: string, id: string, name: string): Promise<string | null> {
    const rows: { id: string }[] = await this.ds.query(
      `SELECT id FROM media.documents
        WHERE tenant_id = $1 AND kind = 'prompt' AND object_id IS NOT NULL AND (id = $2 OR name = $3)
        ORDER BY id = $2 DESC, uploaded_at DESC, id LIMIT 1`,
      [tenantId, id, name],
    );
    return rows[0]?.id ?? null;
  }

  /** The box's greeting of that name; with `m`, locked for the transaction. */
  findBoxGreeting(
    tenantId: string,
    vmboxId: string,
    name: string,
    m?: EntityManager,
  ): Promise<MediaDocumentEntity | null> {
    return this.repo(m).findOne({
      where: { tenantId, vmboxId, name },
      ...(m ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
  }

  /** Serialises, until `m` ends, two first uploads of the same greeting name (no row to lock yet). */
  lockBoxGreetingName(m: EntityManager, tenantId: string, vmboxId: string, name: string): Promise<void> {
    return advisoryXactLock(m, `${tenantId}:${vmboxId}:${name}`);
  }

  insert(m: EntityManager, e: Partial<MediaDocumentEntity>): Promise<MediaDocumentEntity> {
    return this.repo(m).save(this.repo(m).create(e));
  }

  save(m: EntityManager, e: MediaDocumentEntity): Promise<MediaDocumentEntity> {
    return this.repo(m).save(e);
  }

  async remove(m: EntityManager, tenantId: string, id: string): Promise<void> {
    await this.repo(m).delete({ tenantId, id });
  }
}
