// The account's `max_storage_bytes` (messages, greetings, prompts): its copy projected from
// `account.limits_updated`, and the check a commit runs in its transaction under a per-account advisory
// lock, so parallel uploads take turns and the stored bytes never pass the limit; a deleted object's
// bytes leave the sum at once. A refusal is announced as `quota.exceeded` once rolled back.
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { NatsConnection } from 'nats';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError, ErrorCode, EventEnvelope, eventSubject, Events, isHexId } from '@voxmail/contracts';
import {
  announceQuotaRefusal,
  EventConsumer,
  MessagingLifecycle,
  NATS_CONNECTION,
  perDatabaseDurable,
} from '@voxmail/messaging';
import { advisoryXactLock } from '@voxmail/persistence';
import { MEDIA_SCHEMA } from '../tokens';

export const MEDIA_DATABASE_URL = Symbol('MEDIA_DATABASE_URL');

@Injectable()
export class StorageQuota implements OnApplicationBootstrap {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @InjectDataSource() private readonly ds: DataSource,
    private readonly lifecycle: MessagingLifecycle,
    @Inject(MEDIA_DATABASE_URL) private readonly databaseUrl: string,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.lifecycle.addConsumer(
      new EventConsumer(
        this.nc,
        this.ds,
        MEDIA_SCHEMA,
        {
          durable: perDatabaseDurable('media-limits', this.databaseUrl),
          filterSubjects: [eventSubject('*', Events.AccountLimitsUpdated.type)],
        },
        (e, m) => this.apply(e, m),
      ),
    );
  }

  async apply(e: EventEnvelope, m: EntityManager): Promise<void> {
    if (e.type !== Events.AccountLimitsUpdated.type || !isHexId(e.tenantId)) return;
    const v = (e.data as Record<string, unknown>).max_storage_bytes;
    const max = typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null;
    await m.query(
      `INSERT INTO media.account_limits (tenant_id, max_storage_bytes, occurred_at) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id) DO UPDATE SET max_storage_bytes = EXCLUDED.max_storage_bytes,
              occurred_at = EXCLUDED.occurred_at
           WHERE media.account_limits.occurred_at <= EXCLUDED.occurred_at`,
      [e.tenantId, max, e.occurredAt],
    );
  }

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
