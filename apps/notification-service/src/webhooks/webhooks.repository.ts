// The webhook documents (notification.webhooks), always scoped by account. No SQL outside this file and
// its siblings (the deliveries and attempts repositories).
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { JsonObject } from '@voxmail/contracts';

export interface WebhookRow {
  id: string;
  doc: JsonObject;
  enabled: boolean;
  failures: number;
  version: number;
}

@Injectable()
export class WebhooksRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async find(tenantId: string, id: string): Promise<WebhookRow | undefined> {
    const rows: WebhookRow[] = await this.ds.query(
      `SELECT id, doc, enabled, failures, version FROM notification.webhooks WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return rows[0];
  }

  async count(tenantId: string): Promise<number> {
    const [{ n }] = await this.ds.query(
      `SELECT count(*)::int AS n FROM notification.webhooks WHERE tenant_id = $1`,
      [tenantId],
    );
    return n;
  }

  /** A new webhook, starting after stream sequence `startSeq` and now (clock_timestamp). */
  async insert(
    w: {
      tenantId: string;
      id: string;
      doc: JsonObject;
      hook: string;
      enabled: boolean;
      secretSealed: string;
      startSeq: number;
    },
    m?: EntityManager,
  ): Promise<void> {
    await (m ?? this.ds).query(
      `INSERT INTO notification.webhooks (tenant_id, id, doc, hook, enabled, secret_sealed, start_seq, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, clock_timestamp())`,
      [w.tenantId, w.id, w.doc, w.hook, w.enabled, w.secretSealed, w.startSeq],
    );
  }

  list(tenantId: string): Promise<WebhookRow[]> {
    return this.ds.query(
      `SELECT id, doc, enabled, failures, version FROM notification.webhooks WHERE tenant_id = $1
        ORDER BY created_at, id`,
      [tenantId],
    );
  }

  /** Replaces the document if it is still at `version`; enabling again resets the failures. */
  async update(w: {
    tenantId: string;
    id: string;
    doc: JsonObject;
    hook: string;
    enabled: boolean;
    version: number;
  }): Promise<WebhookRow | undefined> {
    const [rows]: [WebhookRow[], number] = await this.ds.query(
      `UPDATE notification.webhooks SET doc = $3, hook = $4, enabled = $5, version = version + 1,
              failures = CASE WHEN $5 AND NOT enabled THEN 0 ELSE failures END
        WHERE tenant_id = $1 AND id = $2 AND version = $6
        RETURNING id, doc, enabled, failures, version`,
      [w.tenantId, w.id, w.doc, w.hook, w.enabled, w.version],
    );
    return rows[0];
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.ds.query(`DELETE FROM notification.webhooks WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  }

  /**
   * The enabled webhooks of the tenant that take this event: its type or `all`, created before it
   * occurred and before its stream sequence (a null bound is not checked).
   */
  matching(
    m: EntityManager,
    e: { tenantId: string; type: string; streamSequence: number | null; occurredAt: string | null },
  ): Promise<{ id: string }[]> {
    return m.query(
      `SELECT id FROM notification.webhooks
        WHERE tenant_id = $1 AND enabled AND (hook = $2 OR hook = 'all')
          AND (start_seq IS NULL OR $3::bigint IS NULL OR start_seq < $3::bigint)
          AND ($4::timestamptz IS NULL OR created_at <= $4::timestamptz)`,
      [e.tenantId, e.type, e.streamSequence, e.occurredAt],
    );
  }

  async resetFailures(m: EntityManager, tenantId: string, id: string): Promise<void> {
    await m.query(
      `UPDATE notification.webhooks SET failures = 0 WHERE tenant_id = $1 AND id = $2 AND failures > 0`,
      [tenantId, id],
    );
  }

  /** One more failed delivery in a row; the webhook as it is after it. */
  async addFailure(
    m: EntityManager,
    tenantId: string,
    id: string,
  ): Promise<{ failures: number; enabled: boolean; doc: JsonObject } | undefined> {
    // an UPDATE answers [rows, count]
    const [[row]]: [{ failures: number; enabled: boolean; doc: JsonObject }[], number] = await m.query(
      `UPDATE notification.webhooks SET failures = failures + 1 WHERE tenant_id = $1 AND id = $2
       RETURNING failures, enabled, doc`,
      [tenantId, id],
    );
    return row;
  }

  async disable(m: EntityManager, tenantId: string, id: string): Promise<void> {
    await m.query(
      `UPDATE notification.webhooks SET enabled = false, version = version + 1 WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
  }
}
