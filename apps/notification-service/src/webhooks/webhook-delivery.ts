// Sends due deliveries: one POST per attempt with the event envelope as body, signed; retried with
// exponential backoff up to the webhook's `retries`; a webhook whose deliveries keep failing is disabled
// (with a `webhook.disabled` event). A delivery is claimed with a lease, so one that a crash interrupted
// is sent again (at least once; the receiver dedupes by the delivery id header).
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { NotificationConfig } from '@voxmail/config';
import { Events } from '@voxmail/contracts';
import { appendEvent, AttemptResult, PollLoop, postOnce, retryDelayMs } from '@voxmail/messaging';
import { NOTIFICATION_CONFIG, NOTIFICATION_SCHEMA } from '../tokens';
import { SecretSealer, signBody } from './sealing';
import { DueDelivery as Due, WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhooksRepository } from './webhooks.repository';
import { DELIVERY_HEADER, EVENT_HEADER, isSendableHeader, SIGNATURE_HEADER } from './webhook-doc';

const BATCH = 32;

@Injectable()
export class WebhookDelivery implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('WebhookDelivery');
  private readonly sealer: SecretSealer;
  private readonly loop: PollLoop;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(NOTIFICATION_CONFIG) private readonly config: NotificationConfig,
    private readonly webhooks: WebhooksRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
  ) {
    this.sealer = new SecretSealer(config.secret);
    this.loop = new PollLoop(
      () => this.tick(),
      config.webhooks.pollMs,
      (e) => this.log.error(`delivery tick failed: ${e.message}`),
    );
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }

  /**
   * New deliveries were committed: claim them now rather than at the next poll (the poll stays as the
   * safety net for retries, expired leases and another instance's rows). A tick in progress runs again.
   */
  wakeNow(): void {
    if (this.loop.stopped || !this.config.webhooks.wakeOnCommit) return;
    this.loop.wake();
  }

  private async tick(): Promise<void> {
    for (;;) {
      const due = await this.claim();
      if (!due.length) return;
      await Promise.all(due.map((d) => this.deliver(d)));
      if (this.loop.stopped || due.length < BATCH) return;
    }
  }

  /** Claims due deliveries for longer than an attempt may take; a crash lets the lease run out. */
  private claim(): Promise<Due[]> {
    return this.deliveries.claim(BATCH, this.config.webhooks.timeoutMs * 2 + 1000);
  }

  /** The delivery's request: its custom headers (each one checked: a row stored before the check may
   * hold a value no HTTP client can send) and the platform's. */
  private request(d: Due, body: Buffer): Record<string, string> {
    const custom = (d.doc.headers ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(custom))
      if (!isSendableHeader(k, v)) throw new Error(`the custom header ${k.slice(0, 64)} cannot be sent`);
    return {
      ...(custom as Record<string, string>),
      'content-type': 'application/json',
      'user-agent': 'voxmail-webhooks/1',
      [SIGNATURE_HEADER]: signBody(this.sealer.open(d.secret_sealed), body),
      [DELIVERY_HEADER]: d.id,
      [EVENT_HEADER]: d.event_type,
    };
  }

  private async deliver(d: Due): Promise<void> {
    const started = Date.now();
    let result: AttemptResult;
    try {
      const body = Buffer.from(JSON.stringify(d.envelope));
      result = await postOnce(String(d.doc.uri), this.request(d, body), body, {
        timeoutMs: this.config.webhooks.timeoutMs,
        allowPrivate: this.config.webhooks.allowPrivateTargets,
      });
    } catch (e) {
      // a delivery that cannot even be sent is a failed attempt like any other: recorded, retried,
      // counted toward auto-disable (it used to throw out of the tick, unrecorded, for ever)
      const error = `not sent: ${(e as Error).message}`.slice(0, 500);
      result = { ok: false, statusCode: null, error, durationMs: Date.now() - started };
    }
    await this.record(d, result).catch((e) =>
      this.log.error(`could not record delivery ${d.id}: ${(e as Error).message}`),
    );
  }

  private async record(d: Due, r: AttemptResult): Promise<void> {
    const attempt = d.attempts + 1;
    const retries = typeof d.doc.retries === 'number' ? d.doc.retries : 0;
    await this.ds.transaction(async (m) => {
      await this.deliveries.recordAttempt(m, {
        tenantId: d.tenant_id,
        webhookId: d.webhook_id,
        deliveryId: d.id,
        eventId: d.event_id,
        eventType: d.event_type,
        attempt,
        ...r,
      });
      if (r.ok) {
        await this.deliveries.delivered(m, d.id, attempt);
        await this.webhooks.resetFailures(m, d.tenant_id, d.webhook_id);
        return;
      }
      if (attempt <= retries) {
        await this.deliveries.retryIn(
          m,
          d.id,
          attempt,
          retryDelayMs(this.config.webhooks.retryBaseMs, attempt),
        );
        return;
      }
      await this.deliveries.failed(m, d.id, attempt);
      const row = await this.webhooks.addFailure(m, d.tenant_id, d.webhook_id);
      if (row && row.enabled && row.failures >= this.config.webhooks.disableAfterFailures) {
        await this.webhooks.disable(m, d.tenant_id, d.webhook_id);
        await this.deliveries.cancelPending(m, d.webhook_id);
        await appendEvent(m, NOTIFICATION_SCHEMA, Events.WebhookDisabled, {
          tenantId: d.tenant_id,
          aggregateId: d.webhook_id,
          data: {
            id: d.webhook_id,
            name: String(row.doc.name),
            uri: String(row.doc.uri),
            failures: row.failures,
            ...(r.error ? { last_error: r.error } : {}),
          },
        });
      }
    });
  }
}
