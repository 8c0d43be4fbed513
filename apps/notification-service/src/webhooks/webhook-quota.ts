// The account's `max_webhooks`: notification-service's copy projected from `account.limits_updated`,
// and the check a webhook create runs in its transaction under a per-account advisory lock, so parallel
// creates never pass the limit; a delete frees its row at once. Without a limit set, the platform's
// default of 100 webhooks per account holds (409, as before). A refusal over a set limit is 402 naming the
// quota, and is announced as `quota.exceeded`.
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { NatsConnection } from 'nats';
import { DataSource, EntityManager } from 'typeorm';
import type { NotificationConfig } from '@voxmail/config';
import { DomainError, ErrorCode, EventEnvelope, eventSubject, Events, isHexId } from '@voxmail/contracts';
import {
  announceQuotaRefusal,
  EventConsumer,
  MessagingLifecycle,
  NATS_CONNECTION,
  perDatabaseDurable,
} from '@voxmail/messaging';
import { advisoryXactLock } from '@voxmail/persistence';
import { NOTIFICATION_CONFIG, NOTIFICATION_SCHEMA } from '../tokens';

/** Webhooks an account may have when no limit is set for it. */
export const DEFAULT_MAX_WEBHOOKS = 100;

@Injectable()
export class WebhookQuota implements OnApplicationBootstrap {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @InjectDataSource() private readonly ds: DataSource,
    private readonly lifecycle: MessagingLifecycle,
    @Inject(NOTIFICATION_CONFIG) private readonly config: NotificationConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.lifecycle.addConsumer(
      new EventConsumer(
        this.nc,
        this.ds,
        NOTIFICATION_SCHEMA,
        {
          durable: perDatabaseDurable('notification-limits', this.config.databaseUrl),
          filterSubjects: [eventSubject('*', Events.AccountLimitsUpdated.type)],
        },
        (e, m) => this.apply(e, m),
      ),
    );
  }

  async apply(e: EventEnvelope, m: EntityManager): Promise<void> {
    if (e.type !== Events.AccountLimitsUpdated.type || !isHexId(e.tenantId)) return;
    const v = (e.data as Record<string, unknown>).max_webhooks;
    const max = typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null;
    await m.query(
      `INSERT INTO notification.account_limits (tenant_id, max_webhooks, occurred_at) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id) DO UPDATE SET max_webhooks = EXCLUDED.max_webhooks, occurred_at = EXCLUDED.occurred_at
           WHERE notification.account_limits.occurred_at <= EXCLUDED.occurred_at`,
      [e.tenantId, max, e.occurredAt],
    );
  }

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
