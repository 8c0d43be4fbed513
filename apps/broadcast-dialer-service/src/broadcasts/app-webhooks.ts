// A broadcast app's optional `webhook_url`: every event of its broadcasts (broadcast.created|started|
// completed|cancelled, broadcast.call.updated) is POSTed to it, the event envelope as body. A delivery row
// is written in the transaction of the event itself (nothing announced that did not commit, nothing lost
// in a crash), then sent by any replica (FOR UPDATE SKIP LOCKED under a lease) through the same SSRF guard
// as notification-service's webhooks (libs/messaging postOnce), retried with backoff. Within one URL a
// replica sends in event order; across replicas and retries order is not promised: the envelope's
// `occurredAt` and the call's `attempt` and state tell a receiver what came last.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventEnvelope, NewEvent } from '@voxmail/contracts';
import { appendEvents, postOnce, retryDelayMs } from '@voxmail/messaging';
import { DIALER_SETTINGS, DialerSettings } from '../settings';
import { BackgroundGate } from './background-gate';
import { DueDelivery, WebhookDeliveriesRepository } from './webhook-deliveries.repository';

export const DIALER_EVENTS_SCHEMA = 'dialer';
export const DELIVERY_HEADER = 'x-voxmail-delivery';
export const EVENT_HEADER = 'x-voxmail-event';
const BATCH = 32;

/** The broadcast an event of the dialer belongs to. */
function broadcastOf(e: EventEnvelope): string | null {
  const id = e.type === 'broadcast.call.updated' ? e.data.broadcast_id : e.data.id;
  return typeof id === 'string' ? id : null;
}

@Injectable()
export class DialerEvents {
  constructor(private readonly deliveries: WebhookDeliveriesRepository) {}

  /** Appends the dialer's events to its outbox and queues them for their apps' webhooks, in `m`'s transaction. */
  async publish(m: EntityManager, events: NewEvent[]): Promise<void> {
    if (!events.length) return;
    // previous-version copies (a deprecation release) go to the stream only; a webhook gets the current one
    const envelopes = (await appendEvents(m, DIALER_EVENTS_SCHEMA, events)).filter((e) => !e.legacyOf);
    const rows = envelopes
      .map((e) => ({ e, broadcastId: broadcastOf(e) }))
      .filter((x): x is { e: EventEnvelope; broadcastId: string } => x.broadcastId !== null);
    if (!rows.length) return;
    await this.deliveries.queue(m, rows);
  }
}

@Injectable()
export class AppWebhookDelivery implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(AppWebhookDelivery.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopping = false;

  constructor(
    private readonly deliveries: WebhookDeliveriesRepository,
    @Inject(DIALER_SETTINGS) private readonly settings: DialerSettings,
    private readonly gate: BackgroundGate,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.settings.webhooks.pollMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  tick(): Promise<void> {
    if (this.running || this.stopping) return this.running ?? Promise.resolve();
    this.running = this.sendDue()
      .catch((e: Error) => this.log.warn(`app webhook delivery failed: ${e.message}`))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async sendDue(): Promise<void> {
    // the lease: a claimed delivery is due again only after a full attempt's time (a crash mid-POST)
    // background work: through the gate that leaves connections to the commands
    const due = await this.gate.run(() =>
      this.deliveries.claim(BATCH, 2 * this.settings.webhooks.timeoutMs + 1000),
    );
    if (!due.length) return;
    const byUrl = new Map<string, DueDelivery[]>();
    for (const d of due) byUrl.set(d.url, [...(byUrl.get(d.url) ?? []), d]);
    // one slow receiver does not hold the others up; one receiver's events go in order
    await Promise.all(
      [...byUrl.values()].map(async (list) => {
        list.sort((a, b) => Number(a.seq) - Number(b.seq));
        for (const d of list) await this.deliver(d);
      }),
    );
  }

  private async deliver(d: DueDelivery): Promise<void> {
    const w = this.settings.webhooks;
    const r = await postOnce(
      d.url,
      {
        'content-type': 'application/json',
        'user-agent': 'voxmail-broadcast-webhooks/1',
        [DELIVERY_HEADER]: d.id,
        [EVENT_HEADER]: d.event_type,
      },
      Buffer.from(JSON.stringify(d.envelope)),
      { timeoutMs: w.timeoutMs, allowPrivate: w.allowPrivateTargets },
    );
    const attempt = d.attempts + 1;
    const give = !r.ok && attempt >= w.attempts;
    await this.gate
      .run(() =>
        this.deliveries.record(
          d.id,
          attempt,
          r.ok ? 'delivered' : give ? 'failed' : 'pending',
          r.error,
          r.ok || give ? 0 : retryDelayMs(w.retryBaseMs, attempt),
        ),
      )
      .catch((e: Error) => this.log.error(`could not record app webhook delivery ${d.id}: ${e.message}`));
  }
}
