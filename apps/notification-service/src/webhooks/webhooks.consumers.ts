// What the webhooks read from the event stream: every event, fanned out to the tenant's matching webhooks
// (webhook-fanout.ts), and the account's `max_webhooks` (its copy, which WebhookQuota checks).
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DataOf, EventEnvelope, Events, isHexId } from '@voxmail/contracts';
import { AfterCommit, ANY_EVENT, EventMeta, HandleEvent, ReceivedEvent } from '@voxmail/messaging';
import { WebhookDelivery } from './webhook-delivery';
import { WebhookFanout } from './webhook-fanout';

export const WEBHOOK_FANOUT_DURABLE = 'notification-webhooks';

@Injectable()
export class WebhooksConsumers {
  constructor(
    private readonly fanout: WebhookFanout,
    private readonly delivery: WebhookDelivery,
  ) {}

  /** Every event, even a type the registry does not know: a webhook may subscribe to any. */
  @HandleEvent(ANY_EVENT, { durable: WEBHOOK_FANOUT_DURABLE })
  async anyEvent(e: EventEnvelope, m: EntityManager, meta: EventMeta): Promise<AfterCommit | undefined> {
    // the first attempt is made as soon as the rows are committed, not at the next poll
    return (await this.fanout.apply(e, m, meta)) ? () => this.delivery.wakeNow() : undefined;
  }

  /** The account's webhook limit; an older event than the one applied changes nothing. */
  @HandleEvent(Events.AccountLimitsUpdated, { durable: 'notification-limits', perDatabase: true })
  async accountLimitsUpdated(
    e: ReceivedEvent<DataOf<typeof Events.AccountLimitsUpdated>>,
    m: EntityManager,
  ): Promise<void> {
    if (!isHexId(e.tenantId)) return;
    const v = e.data.max_webhooks;
    const max = typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null;
    await m.query(
      `INSERT INTO notification.account_limits (tenant_id, max_webhooks, occurred_at) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id) DO UPDATE SET max_webhooks = EXCLUDED.max_webhooks, occurred_at = EXCLUDED.occurred_at
           WHERE notification.account_limits.occurred_at <= EXCLUDED.occurred_at`,
      [e.tenantId, max, e.occurredAt],
    );
  }
}
