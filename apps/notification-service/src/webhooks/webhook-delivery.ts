// Sends due deliveries: one POST per attempt with the event envelope as body, signed; retried with
// exponential backoff up to the webhook's `retries`; a webhook whose deliveries keep failing is disabled
// (with a `webhook.disabled` event). A delivery is claimed with a lease, so one that a crash interrupted
// is sent again (at least once; the receiver dedupes by the delivery id header).
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { NotificationConfig } from '@voxmail/config';
import { EventEnvelope, Events, JsonObject } from '@voxmail/contracts';
import { appendEvent, AttemptResult, postOnce } from '@voxmail/messaging';
import { NOTIFICATION_CONFIG, NOTIFICATION_SCHEMA } from '../tokens';
import { retryDelayMs, SecretSealer, signBody } from './sealing';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER } from './webhook-doc';

interface Due {
  id: string;
  tenant_id: string;
  webhook_id: string;
  event_id: string;
  event_type: string;
  envelope: EventEnvelope;
  attempts: number;
  doc: JsonObject;
  secret_sealed: string;
}

const BATCH = 32;

@Injectable()
export class WebhookDelivery implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('WebhookDelivery');
  private readonly sealer: SecretSealer;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private again = false;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(NOTIFICATION_CONFIG) private readonly config: NotificationConfig,
  ) {
    this.sealer = new SecretSealer(config.secret);
  }

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** New deliveries were queued: run soon rather than at the next poll. */
  wakeSoon(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(5);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((e) => this.log.error(`delivery tick failed: ${(e as Error).message}`))
        .finally(() => {
          this.running = undefined;
          const more = this.again;
          this.again = false;
          this.schedule(more ? 0 : this.config.webhooks.pollMs);
        });
    }, ms);
  }

  private async tick(): Promise<void> {
    for (;;) {
      const due = await this.claim();
      if (!due.length) return;
      await Promise.all(due.map((d) => this.deliver(d)));
      if (this.stopped || due.length < BATCH) return;
    }
  }

  /** Claims due deliveries for longer than an attempt may take; a crash lets the lease run out. */
  private async claim(): Promise<Due[]> {
    const leaseMs = this.config.webhooks.timeoutMs * 2 + 1000;
    return this.ds
      .query(
        `WITH due AS (
         SELECT d.id FROM notification.webhook_deliveries d
          WHERE d.status = 'pending' AND d.next_at <= now()
          ORDER BY d.next_at, d.created_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
       UPDATE notification.webhook_deliveries d SET next_at = now() + ($1::int * interval '1 millisecond')
         FROM due, notification.webhooks w
        WHERE d.id = due.id AND w.tenant_id = d.tenant_id AND w.id = d.webhook_id
        RETURNING d.id, d.tenant_id, d.webhook_id, d.event_id, d.event_type, d.envelope, d.attempts,
                  w.doc, w.secret_sealed`,
        [leaseMs],
      )
      .then((r: [Due[], number]) => r[0]);
  }

  private async deliver(d: Due): Promise<void> {
    const body = Buffer.from(JSON.stringify(d.envelope));
    const headers: Record<string, string> = {
      ...((d.doc.headers as Record<string, string>) ?? {}),
      'content-type': 'application/json',
      'user-agent': 'voxmail-webhooks/1',
      [SIGNATURE_HEADER]: signBody(this.sealer.open(d.secret_sealed), body),
      [DELIVERY_HEADER]: d.id,
      [EVENT_HEADER]: d.event_type,
    };
    const result = await postOnce(String(d.doc.uri), headers, body, {
      timeoutMs: this.config.webhooks.timeoutMs,
      allowPrivate: this.config.webhooks.allowPrivateTargets,
    });
    await this.record(d, result).catch((e) =>
      this.log.error(`could not record delivery ${d.id}: ${(e as Error).message}`),
    );
  }

  private async record(d: Due, r: AttemptResult): Promise<void> {
    const attempt = d.attempts + 1;
    const retries = typeof d.doc.retries === 'number' ? d.doc.retries : 0;
    await this.ds.transaction(async (m) => {
      await m.query(
        `INSERT INTO notification.webhook_attempts (tenant_id, webhook_id, delivery_id, event_id, event_type,
           attempt, ok, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          d.tenant_id,
          d.webhook_id,
          d.id,
          d.event_id,
          d.event_type,
          attempt,
          r.ok,
          r.statusCode,
          r.error,
          r.durationMs,
        ],
      );
      if (r.ok) {
        await m.query(
          `UPDATE notification.webhook_deliveries SET status = 'delivered', attempts = $2 WHERE id = $1`,
          [d.id, attempt],
        );
        await m.query(
          `UPDATE notification.webhooks SET failures = 0 WHERE tenant_id = $1 AND id = $2 AND failures > 0`,
          [d.tenant_id, d.webhook_id],
        );
        return;
      }
      if (attempt <= retries) {
        const delay = retryDelayMs(this.config.webhooks.retryBaseMs, attempt);
        await m.query(
          `UPDATE notification.webhook_deliveries SET attempts = $2,
                  next_at = now() + ($3::int * interval '1 millisecond') WHERE id = $1`,
          [d.id, attempt, delay],
        );
        return;
      }
      await m.query(
        `UPDATE notification.webhook_deliveries SET status = 'failed', attempts = $2 WHERE id = $1`,
        [d.id, attempt],
      );
      // an UPDATE answers [rows, count]
      const [[row]]: [{ failures: number; enabled: boolean; doc: JsonObject }[], number] = await m.query(
        `UPDATE notification.webhooks SET failures = failures + 1 WHERE tenant_id = $1 AND id = $2
         RETURNING failures, enabled, doc`,
        [d.tenant_id, d.webhook_id],
      );
      if (row && row.enabled && row.failures >= this.config.webhooks.disableAfterFailures) {
        await m.query(
          `UPDATE notification.webhooks SET enabled = false, version = version + 1 WHERE tenant_id = $1 AND id = $2`,
          [d.tenant_id, d.webhook_id],
        );
        // what is still queued for it stops too: a disabled webhook is not called
        await m.query(
          `UPDATE notification.webhook_deliveries SET status = 'cancelled'
            WHERE webhook_id = $1 AND status = 'pending'`,
          [d.webhook_id],
        );
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
