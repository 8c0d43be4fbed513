// Turns each event of the stream into one delivery row per matching webhook of the event's own tenant,
// in the inbox transaction: a redelivered event (a restart mid-burst) finds its rows and adds none, so
// each (webhook, event) has exactly one delivery id. A webhook only gets events from after its creation:
// past its stream position (start_seq) and occurred at or after its created_at.
//
// The durable starts with DeliverPolicy.All, deliberately: created anew (first start, or after an
// operator removed it) it replays what the stream still holds, and that replay is harmless (the inbox
// skips events already handled, the start filter skips events older than each webhook) while a start at
// "new" would lose the events published while no instance was running.
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { NatsConnection } from 'nats';
import { DataSource, EntityManager } from 'typeorm';
import { EVENT_SUBJECT_PREFIX, EventEnvelope, isHexId } from '@voxmail/contracts';
import { EventConsumer, EventMeta, MessagingLifecycle, NATS_CONNECTION } from '@voxmail/messaging';
import { NOTIFICATION_SCHEMA } from '../tokens';
import { WebhookDelivery } from './webhook-delivery';

export const WEBHOOK_FANOUT_DURABLE = 'notification-webhooks';

@Injectable()
export class WebhookFanout implements OnApplicationBootstrap {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly lifecycle: MessagingLifecycle,
    private readonly delivery: WebhookDelivery,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.lifecycle.addConsumer(
      new EventConsumer(
        this.nc,
        this.ds,
        NOTIFICATION_SCHEMA,
        { durable: WEBHOOK_FANOUT_DURABLE, filterSubjects: [`${EVENT_SUBJECT_PREFIX}.>`] },
        // the first attempt is made as soon as the rows are committed, not at the next poll
        async (e, m, meta) => ((await this.apply(e, m, meta)) ? () => this.delivery.wakeNow() : undefined),
      ),
    );
  }

  /** Returns whether any delivery was queued. */
  async apply(e: EventEnvelope, m: EntityManager, meta?: EventMeta): Promise<boolean> {
    if (!isHexId(e.tenantId) || typeof e.type !== 'string') return false;
    const occurred = typeof e.occurredAt === 'string' ? new Date(e.occurredAt) : null;
    const occurredAt = occurred && !Number.isNaN(occurred.getTime()) ? occurred.toISOString() : null;
    const hooks: { id: string }[] = await m.query(
      `SELECT id FROM notification.webhooks
        WHERE tenant_id = $1 AND enabled AND (hook = $2 OR hook = 'all')
          AND (start_seq IS NULL OR $3::bigint IS NULL OR start_seq < $3::bigint)
          AND ($4::timestamptz IS NULL OR created_at <= $4::timestamptz)`,
      [e.tenantId, e.type, meta?.streamSequence ?? null, occurredAt],
    );
    for (const h of hooks) {
      await m.query(
        `INSERT INTO notification.webhook_deliveries (id, tenant_id, webhook_id, event_id, event_type, envelope)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (webhook_id, event_id) DO NOTHING`,
        [randomUUID(), e.tenantId, h.id, e.id, e.type, e],
      );
    }
    return hooks.length > 0;
  }
}
