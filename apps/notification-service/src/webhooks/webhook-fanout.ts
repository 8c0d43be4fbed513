// Turns each event of the stream into one delivery row per matching webhook of the event's own tenant,
// in the inbox transaction: a redelivered event (a restart mid-burst) finds its rows and adds none, so
// each (webhook, event) has exactly one delivery id.
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { NatsConnection } from 'nats';
import { DataSource, EntityManager } from 'typeorm';
import { EVENT_SUBJECT_PREFIX, EventEnvelope, isHexId } from '@voxmail/contracts';
import { EventConsumer, MessagingLifecycle, NATS_CONNECTION } from '@voxmail/messaging';
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
        async (e, m) => {
          if (await this.apply(e, m)) this.delivery.wakeSoon();
        },
      ),
    );
  }

  /** Returns whether any delivery was queued. */
  async apply(e: EventEnvelope, m: EntityManager): Promise<boolean> {
    if (!isHexId(e.tenantId) || typeof e.type !== 'string') return false;
    const hooks: { id: string }[] = await m.query(
      `SELECT id FROM notification.webhooks WHERE tenant_id = $1 AND enabled AND (hook = $2 OR hook = 'all')`,
      [e.tenantId, e.type],
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
