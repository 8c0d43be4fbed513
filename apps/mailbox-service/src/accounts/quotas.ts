// The account quotas mailbox-service enforces at write time: boxes (max_vmboxes) and users (max_users).
// Race-free: the count and the insert run in one transaction under a per-account advisory lock, so
// parallel creates take turns and never pass the limit; a delete frees its row, so room comes back.
// A refused create is announced as `quota.exceeded` once its transaction rolled back.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError, ErrorCode } from '@voxmail/contracts';
import { announceQuotaRefusal } from '@voxmail/messaging';
import { advisoryXactLock } from '@voxmail/persistence';
import { MAILBOX_SCHEMA } from '../tokens';
import { LimitsService } from './limits.service';

const COUNTED = {
  max_vmboxes: { table: 'mailbox.vmboxes', what: 'voicemail boxes' },
  max_users: { table: 'mailbox.users', what: 'users' },
} as const;

export type MailboxQuota = keyof typeof COUNTED;

@Injectable()
export class Quotas {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly limits: LimitsService,
  ) {}

  /** Throws (402, naming the quota) when one more would take the account over `quota`; in `m`'s transaction. */
  async assertRoom(m: EntityManager, tenantId: string, quota: MailboxQuota): Promise<void> {
    await advisoryXactLock(m, `voxmail-quota:${quota}:${tenantId}`);
    const limit = (await this.limits.limitsOf(tenantId, m))[quota];
    if (limit === null) return;
    const c = COUNTED[quota];
    const [{ n }]: { n: number }[] = await m.query(
      `SELECT count(*)::int AS n FROM ${c.table} WHERE account_id = $1`,
      [tenantId],
    );
    if (n + 1 <= limit) return;
    throw new DomainError(
      ErrorCode.QuotaExceeded,
      `the account's ${c.what} would exceed its limit (${quota} ${limit})`,
      { quota, limit, used: n, requested: 1 },
    );
  }

  /** Runs a create; a refusal over a quota is announced as `quota.exceeded` after its rollback. */
  async reported<T>(tenantId: string, work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (e) {
      await announceQuotaRefusal(this.ds, MAILBOX_SCHEMA, tenantId, e);
      throw e;
    }
  }
}
