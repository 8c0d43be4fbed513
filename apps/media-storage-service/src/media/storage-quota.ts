// The account's `max_storage_bytes` (messages, greetings, prompts): its copy projected from
// `account.limits_updated` (media.consumers.ts), and the check a commit runs in its transaction under a
// per-account advisory lock, so parallel uploads take turns and the stored bytes never pass the limit; a
// deleted object's bytes leave the sum at once. A refusal is announced as `quota.exceeded` once rolled back.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError, ErrorCode } from '@voxmail/contracts';
import { announceQuotaRefusal } from '@voxmail/messaging';
import { advisoryXactLock } from '@voxmail/persistence';
import { MEDIA_SCHEMA } from '../tokens';

@Injectable()
export class StorageQuota {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Throws (402, naming max_storage_bytes) when `adding` more bytes would pass the account's limit. */
  async assertRoom(m: EntityManager, tenantId: string, adding: number): Promise<void> {
    await advisoryXactLock(m, `voxmail-quota:max_storage_bytes:${tenantId}`);
    const [l]: { max: string | null }[] = await m.query(
      `SELECT max_storage_bytes AS max FROM media.account_limits WHERE tenant_id = $1`,
      [tenantId],
    );
    if (!l || l.max === null) return;
    const limit = Number(l.max);
    const [{ used }]: { used: string }[] = await m.query(
      `SELECT coalesce(sum(size), 0) AS used FROM media.objects
        WHERE tenant_id = $1 AND status = 'stored' AND derived_from IS NULL`,
      [tenantId],
    );
    if (Number(used) + adding <= limit) return;
    throw new DomainError(
      ErrorCode.QuotaExceeded,
      `the account's stored audio would exceed its limit (max_storage_bytes ${limit})`,
      { quota: 'max_storage_bytes', limit, used: Number(used), requested: adding },
    );
  }

  /** Announces a refusal over the quota (after its transaction rolled back); never throws. */
  reportIfQuota(tenantId: string, e: unknown): Promise<void> {
    return announceQuotaRefusal(this.ds, MEDIA_SCHEMA, tenantId, e);
  }
}
