// The account's `max_webhooks`: notification-service's copy projected from `account.limits_updated`
// (webhooks.consumers.ts), and the check a webhook create runs in its transaction under a per-account advisory lock, so parallel
// creates never pass the limit; a delete frees its row at once. Without a limit set, the platform's
// default of 100 webhooks per account holds (409, as before). A refusal over a set limit is 402 naming the
// quota, and is announced as `quota.exceeded`.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError, ErrorCode } from '@voxmail/contracts';
import { announceQuotaRefusal } from '@voxmail/messaging';
import { advisoryXactLock } from '@voxmail/persistence';
import { NOTIFICATION_SCHEMA } from '../tokens';

/** Webhooks an account may have when no limit is set for it. */
export const DEFAULT_MAX_WEBHOOKS = 100;

@Injectable()
export class WebhookQuota {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Throws when one more webhook would pass the account's limit; in `m`'s transaction, under its lock. */
  async assertRoom(m: EntityManager, tenantId: string): Promise<void> {
    await advisoryXactLock(m, `voxmail-quota:max_webhooks:${tenantId}`);
    const [l]: { max: number | null }[] = await m.query(
      `SELECT max_webhooks AS max FROM notification.account_limits WHERE tenant_id = $1`,
      [tenantId],
    );
    const [{ n }]: { n: number }[] = await m.query(
      `SELECT count(*)::int AS n FROM notification.webhooks WHERE tenant_id = $1`,
      [tenantId],
    );
    const set = l?.max ?? null;
    if (n + 1 <= (set ?? DEFAULT_MAX_WEBHOOKS)) return;
    if (set === null)
      throw new DomainError(
        ErrorCode.Conflict,
        `an account may have at most ${DEFAULT_MAX_WEBHOOKS} webhooks`,
      );
    throw new DomainError(
      ErrorCode.QuotaExceeded,
      `the account's webhooks would exceed its limit (max_webhooks ${set})`,
      { quota: 'max_webhooks', limit: set, used: n, requested: 1 },
    );
  }

  /** Runs a webhook's create in a transaction behind the quota check; a refusal over a set limit is announced. */
  async create<T>(tenantId: string, work: (m: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.ds.transaction(async (m) => {
        await this.assertRoom(m, tenantId);
        return work(m);
      });
    } catch (e) {
      await this.reportIfQuota(tenantId, e);
      throw e;
    }
  }

  /** Announces a refusal over the quota (after its transaction rolled back); never throws. */
  reportIfQuota(tenantId: string, e: unknown): Promise<void> {
    return announceQuotaRefusal(this.ds, NOTIFICATION_SCHEMA, tenantId, e);
  }
}
