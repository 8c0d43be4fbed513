// dialer.webhook_deliveries: one row per event and broadcast app webhook, claimed FOR UPDATE SKIP LOCKED
// under a lease by any replica.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { EventEnvelope } from '@voxmail/contracts';

export interface DueDelivery {
  id: string;
  url: string;
  event_type: string;
  envelope: EventEnvelope;
  attempts: number;
  seq: string;
}

@Injectable()
export class WebhookDeliveriesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * One delivery of each event to its broadcast's app's `webhook_url` (none for an app without one), in
   * `m`'s transaction; in the order given.
   */
  async queue(m: EntityManager, rows: { e: EventEnvelope; broadcastId: string }[]): Promise<void> {
    await m.query(
      `INSERT INTO dialer.webhook_deliveries (id, tenant_id, app_id, url, event_type, envelope)
     SELECT v.id, v.tenant_id, a.id, a.doc->>'webhook_url', v.type, v.envelope
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[]) WITH ORDINALITY
            AS v(id, tenant_id, broadcast_id, type, envelope, n)
       JOIN dialer.broadcasts b ON b.tenant_id = v.tenant_id AND b.id = v.broadcast_id
       JOIN dialer.apps a ON a.tenant_id = b.tenant_id AND a.id = b.app_id
      WHERE a.doc->>'webhook_url' IS NOT NULL
      ORDER BY v.n`,
      [
        rows.map((x) => x.e.id),
        rows.map((x) => x.e.tenantId),
        rows.map((x) => x.broadcastId),
        rows.map((x) => x.e.type),
        rows.map((x) => JSON.stringify(x.e)),
      ],
    );
  }

  /** Claims up to `batch` due deliveries, not due again for `leaseMs` (a crash mid-POST). */
  async claim(batch: number, leaseMs: number): Promise<DueDelivery[]> {
    const [due]: [DueDelivery[], number] = await this.ds.query(
      `WITH due AS (
         SELECT id FROM dialer.webhook_deliveries WHERE status = 'pending' AND next_at <= now()
          ORDER BY seq LIMIT ${Number(batch)} FOR UPDATE SKIP LOCKED)
       UPDATE dialer.webhook_deliveries d SET next_at = now() + ($1::int * interval '1 millisecond')
         FROM due WHERE d.id = due.id
       RETURNING d.id, d.url, d.event_type, d.envelope, d.attempts, d.seq`,
      [leaseMs],
    );
    return due;
  }

  /** The outcome of an attempt: its count, the status now, the error, and when it is due again. */
  async record(
    id: string,
    attempts: number,
    status: 'delivered' | 'failed' | 'pending',
    error: string | null,
    retryInMs: number,
  ): Promise<void> {
    await this.ds.query(
      `UPDATE dialer.webhook_deliveries SET attempts = $2, status = $3, last_error = $4,
                next_at = now() + ($5::int * interval '1 millisecond') WHERE id = $1`,
      [id, attempts, status, error, retryInMs],
    );
  }
}
