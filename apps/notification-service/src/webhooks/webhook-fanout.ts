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
import { NatsConnection } from 'nats';
import { DataSource, EntityManager } from 'typeorm';
import { EVENT_SUBJECT_PREFIX, EventEnvelope, isHexId } from '@voxmail/contracts';
import { EventConsumer, EventMeta, MessagingLifecycle, NATS_CONNECTION } from '@voxmail/messaging';
import { NOTIFICATION_SCHEMA } from '../tokens';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookDelivery } from './webhook-delivery';
import { WebhooksRepository } from './webhooks.repository';

export const WEBHOOK_FANOUT_DURABLE = 'notification-webhooks';

@Injectable()
export class WebhookFanout implements OnApplicationBootstrap {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly lifecycle: MessagingLifecycle,
    private readonly delivery: WebhookDelivery,
    private readonly webhooks: WebhooksRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
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
    const hooks = await this.webhooks.matching(m, {
      tenantId: e.tenantId,
      type: e.type,
      streamSequence: meta?.streamSequence ?? null,
      occurredAt,
    });
    for (const h of hooks) await this.deliveries.queue(m, h.id, e);
    return hooks.length > 0;
  }
}
