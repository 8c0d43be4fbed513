// Sends due deliveries: one POST per attempt with the event envelope as body, signed; retried with
// exponential backoff up to the webhook's `retries`; a webhook whose deliveries keep failing is disabled
// (with a `webhook.disabled` event). A delivery is claimed with a lease, so one that a crash interrupted
// is sent again (at least once; the receiver dedupes by the delivery id header).
import http from 'node:http';
import https from 'node:https';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { NotificationConfig } from '@voxmail/config';
import { Events } from '@voxmail/contracts';
import { appendEvent } from '@voxmail/messaging';
import { NOTIFICATION_CONFIG, NOTIFICATION_SCHEMA } from '../tokens';
import { retryDelayMs, SecretSealer, signBody } from './sealing';
import { guardedLookup } from './target-guard';
import { DueDelivery as Due, WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhooksRepository } from './webhooks.repository';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER } from './webhook-doc';

export interface AttemptResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
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
    private readonly webhooks: WebhooksRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
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

  /**
   * New deliveries were committed: claim them now rather than at the next poll (the poll stays as the
   * safety net for retries, expired leases and another instance's rows). A tick in progress runs again.
   */
  wakeNow(): void {
    if (this.stopped || !this.config.webhooks.wakeOnCommit) return;
    if (this.running) this.again = true;
    else this.schedule(0);
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
  private claim(): Promise<Due[]> {
    return this.deliveries.claim(BATCH, this.config.webhooks.timeoutMs * 2 + 1000);
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
      await this.deliveries.recordAttempt(m, {
        tenantId: d.tenant_id,
        webhookId: d.webhook_id,
        deliveryId: d.id,
        eventId: d.event_id,
        eventType: d.event_type,
        attempt,
        ok: r.ok,
        statusCode: r.statusCode,
        error: r.error,
        durationMs: r.durationMs,
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

/** One POST: no redirect followed (a 3xx is a failure), a bounded time, only allowed addresses. */
export function postOnce(
  uri: string,
  headers: Record<string, string>,
  body: Buffer,
  o: { timeoutMs: number; allowPrivate: NotificationConfig['webhooks']['allowPrivateTargets'] },
): Promise<AttemptResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean, statusCode: number | null, error: string | null) => {
      if (settled) return;
      settled = true;
      resolve({ ok, statusCode, error: error?.slice(0, 500) ?? null, durationMs: Date.now() - started });
    };
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      return done(false, null, 'bad uri');
    }
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(body.length) },
        lookup: guardedLookup(o.allowPrivate) as never,
        timeout: o.timeoutMs,
        agent: false,
      },
      (res) => {
        // the status line is the receiver's answer: the attempt is decided here, the body only drained
        // (waiting for its end let a timeout that fired meanwhile turn an answered 200 into a failure,
        // and the retry then delivered the same delivery id again after the receiver had accepted it)
        const code = res.statusCode ?? 0;
        done(code >= 200 && code < 300, code, code >= 200 && code < 300 ? null : `HTTP ${code}`);
        res.on('error', () => undefined);
        res.resume();
      },
    );
    // a timer that fires in the same turn as the answer arrives (a busy event loop) yields to it: the
    // destroy waits for the I/O callbacks of this turn (after an answer it only cuts a body that drags)
    const timeOut = () => setImmediate(() => req.destroy(new Error(`timed out after ${o.timeoutMs} ms`)));
    const deadline = setTimeout(timeOut, o.timeoutMs);
    req.on('timeout', timeOut);
    req.on('error', (e) => done(false, null, e.message));
    req.on('close', () => clearTimeout(deadline));
    req.end(body);
  });
}
