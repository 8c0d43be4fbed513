// Deliveries (notification.webhook_deliveries: one row per webhook and event, its id the delivery id) and
// their attempts (notification.webhook_attempts).
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { EventEnvelope, JsonObject } from '@voxmail/contracts';
import type { AttemptResult } from '@voxmail/messaging';

/** A claimed delivery with what sending it needs from its webhook. */
export interface DueDelivery {
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

/** One attempt as recorded: what the POST answered, and which delivery it was. */
export interface AttemptRow extends AttemptResult {
  tenantId: string;
  webhookId: string;
  deliveryId: string;
  eventId: string;
  eventType: string;
  attempt: number;
}

@Injectable()
export class WebhookDeliveriesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** One delivery of the event to the webhook; a second call for the same pair adds nothing. */
  async queue(m: EntityManager, webhookId: string, e: EventEnvelope): Promise<void> {
    await m.query(
      `INSERT INTO notification.webhook_deliveries (id, tenant_id, webhook_id, event_id, event_type, envelope)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (webhook_id, event_id) DO NOTHING`,
      [randomUUID(), e.tenantId, webhookId, e.id, e.type, e],
    );
  }

  /** Claims up to `batch` due deliveries for `leaseMs`; a crash lets the lease run out. */
  claim(batch: number, leaseMs: number): Promise<DueDelivery[]> {
    return this.ds
      .query(
        `WITH due AS (
         SELECT d.id FROM notification.webhook_deliveries d
          WHERE d.status = 'pending' AND d.next_at <= now()
          ORDER BY d.next_at, d.created_at LIMIT ${Number(batch)} FOR UPDATE SKIP LOCKED)
       UPDATE notification.webhook_deliveries d SET next_at = now() + ($1::int * interval '1 millisecond')
         FROM due, notification.webhooks w
        WHERE d.id = due.id AND w.tenant_id = d.tenant_id AND w.id = d.webhook_id
        RETURNING d.id, d.tenant_id, d.webhook_id, d.event_id, d.event_type, d.envelope, d.attempts,
                  w.doc, w.secret_sealed`,
        [leaseMs],
      )
      .then((r: [DueDelivery[], number]) => r[0]);
  }

  async delivered(m: EntityManager, id: string, attempts: number): Promise<void> {
    await m.query(
      `UPDATE notification.webhook_deliveries SET status = 'delivered', attempts = $2 WHERE id = $1`,
      [id, attempts],
    );
  }

  async retryIn(m: EntityManager, id: string, attempts: number, delayMs: number): Promise<void> {
    await m.query(
      `UPDATE notification.webhook_deliveries SET attempts = $2,
              next_at = now() + ($3::int * interval '1 millisecond') WHERE id = $1`,
      [id, attempts, delayMs],
    );
  }

  async failed(m: EntityManager, id: string, attempts: number): Promise<void> {
    await m.query(
      `UPDATE notification.webhook_deliveries SET status = 'failed', attempts = $2 WHERE id = $1`,
      [id, attempts],
    );
  }

  /** What is still queued for a webhook stops: a disabled webhook is not called. */
  async cancelPending(m: EntityManager, webhookId: string): Promise<void> {
    await m.query(
      `UPDATE notification.webhook_deliveries SET status = 'cancelled'
        WHERE webhook_id = $1 AND status = 'pending'`,
      [webhookId],
    );
  }

  async recordAttempt(m: EntityManager, a: AttemptRow): Promise<void> {
    await m.query(
      `INSERT INTO notification.webhook_attempts (tenant_id, webhook_id, delivery_id, event_id, event_type,
         attempt, ok, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        a.tenantId,
        a.webhookId,
        a.deliveryId,
        a.eventId,
        a.eventType,
        a.attempt,
        a.ok,
        a.statusCode,
        a.error,
        a.durationMs,
      ],
    );
  }

  /** A webhook's attempts, newest first (the last 500). */
  attempts(tenantId: string, webhookId: string): Promise<JsonObject[]> {
    return this.ds.query(
      `SELECT delivery_id, event_id, event_type, attempt, to_char(at AT TIME ZONE 'UTC',
              'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, ok, status_code, error, duration_ms
         FROM notification.webhook_attempts WHERE tenant_id = $1 AND webhook_id = $2
        ORDER BY seq DESC LIMIT 500`,
      [tenantId, webhookId],
    );
  }
}
