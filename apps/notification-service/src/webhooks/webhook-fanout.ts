// Turns each event of the stream into one delivery row per matching webhook of the event's own tenant,
// in the inbox transaction: a redelivered event (a restart mid-burst) finds its rows and adds none, so
// each (webhook, event) has exactly one delivery id. A webhook only gets events from after its creation:
// past its stream position (start_seq) and occurred at or after its created_at.
//
// The durable starts with DeliverPolicy.All, deliberately: created anew (first start, or after an
// operator removed it) it replays what the stream still holds, and that replay is harmless (the inbox
// skips events already handled, the start filter skips events older than each webhook) while a start at
// "new" would lose the events published while no instance was running.
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventEnvelope, isHexId } from '@voxmail/contracts';
import { EventMeta } from '@voxmail/messaging';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhooksRepository } from './webhooks.repository';

/** What the webhooks' consumer (webhooks.consumers.ts) does with each event. */
@Injectable()
export class WebhookFanout {
  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
  ) {}

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
