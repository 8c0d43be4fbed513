// notification-service's own copies of what e-mail needs from mailbox-service's events (boxes, users'
// e-mail, accounts' time zone), and the record of which messages were mailed (notification.emails_sent).
// An older event than the one applied changes nothing; a deleted box or user stays deleted.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { JsonObject } from '@voxmail/contracts';

@Injectable()
export class ProjectionsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async upsertBox(
    m: EntityManager,
    b: { tenantId: string; id: string; doc: JsonObject; deleted: boolean; at: Date },
  ): Promise<void> {
    await this.upsertProjection(m, 'box_projection', 'doc', b, b.doc);
  }

  async upsertUser(
    m: EntityManager,
    u: { tenantId: string; id: string; email: string | null; deleted: boolean; at: Date },
  ): Promise<void> {
    await this.upsertProjection(m, 'user_projection', 'email', u, u.email);
  }

  /** One row of a box or user projection, unless the row is deleted or changed by a later event. */
  private async upsertProjection(
    m: EntityManager,
    table: 'box_projection' | 'user_projection',
    column: 'doc' | 'email',
    row: { tenantId: string; id: string; deleted: boolean; at: Date },
    value: unknown,
  ): Promise<void> {
    const t = `notification.${table}`;
    await m.query(
      `INSERT INTO ${t} (tenant_id, id, ${column}, deleted, changed_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, id) DO UPDATE SET ${column} = EXCLUDED.${column}, deleted = EXCLUDED.deleted,
         changed_at = EXCLUDED.changed_at
       WHERE NOT ${t}.deleted AND ${t}.changed_at <= EXCLUDED.changed_at`,
      [row.tenantId, row.id, value, row.deleted, row.at],
    );
  }

  async upsertAccount(
    m: EntityManager,
    tenantId: string,
    timezone: string | null,
    transcriptionEnabled: boolean | null,
    at: Date,
  ): Promise<void> {
    await m.query(
      `INSERT INTO notification.account_projection (tenant_id, timezone, transcription_enabled, changed_at)
       VALUES ($1, $2, $4, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET timezone = EXCLUDED.timezone,
         transcription_enabled = EXCLUDED.transcription_enabled, changed_at = EXCLUDED.changed_at
       WHERE notification.account_projection.changed_at <= EXCLUDED.changed_at`,
      [tenantId, timezone, at, transcriptionEnabled],
    );
  }

  /** A box with its account's time zone and `transcription.enabled`. */
  async box(m: EntityManager, tenantId: string, id: string): Promise<ProjectedBox | undefined> {
    const [box]: ProjectedBox[] = await m.query(
      `SELECT b.doc, b.deleted, a.timezone, a.transcription_enabled FROM notification.box_projection b
         LEFT JOIN notification.account_projection a ON a.tenant_id = b.tenant_id
        WHERE b.tenant_id = $1 AND b.id = $2`,
      [tenantId, id],
    );
    return box;
  }

  /** A user's e-mail, unless the user is deleted or has none. */
  async userEmail(m: EntityManager, tenantId: string, id: string): Promise<string | null> {
    const [owner]: { email: string | null }[] = await m.query(
      `SELECT email FROM notification.user_projection WHERE tenant_id = $1 AND id = $2 AND NOT deleted`,
      [tenantId, id],
    );
    return owner?.email ?? null;
  }

  /**
   * Records the e-mail of a message as due, in the consumer's transaction: false when one was already
   * recorded (one e-mail per message, whatever redelivers its event). The sender mails it after commit.
   */
  /** Records an e-mail as due, after `delayMs` (waiting for a transcription) or now. */
  async recordEmail(
    m: EntityManager,
    e: { tenantId: string; messageId: string; vmboxId: string; recipients: number; job: EmailJob },
    delayMs = 0,
  ): Promise<boolean> {
    const claimed: unknown[] = await m.query(
      `INSERT INTO notification.emails_sent (tenant_id, message_id, vmbox_id, recipients, state, job, next_attempt_at)
       VALUES ($1, $2, $3, $4, 'due', $5, now() + ($6 || ' milliseconds')::interval)
       ON CONFLICT DO NOTHING RETURNING message_id`,
      [e.tenantId, e.messageId, e.vmboxId, e.recipients, e.job, String(delayMs)],
    );
    return claimed.length > 0;
  }

  /**
   * The transcription came: an e-mail still waiting for it (not yet taken by a sender: taking it clears
   * `awaitTranscription`) carries `transcription` and is due now; true when one was waiting.
   */
  async transcriptionArrived(
    m: EntityManager,
    tenantId: string,
    messageId: string,
    transcription: string,
  ): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `UPDATE notification.emails_sent
          SET job = jsonb_set(job - 'awaitTranscription', '{values,transcription}', to_jsonb($3::text)),
              next_attempt_at = now()
        WHERE tenant_id = $1 AND message_id = $2 AND state = 'due' AND job ? 'awaitTranscription'
        RETURNING message_id`,
      [tenantId, messageId, transcription],
    );
    return rows.length > 0;
  }

  /**
   * Takes e-mails whose next step (mail, or after-notify) is due, for `leaseMs`: another instance, or
   * this one after a crash, takes them again only once the lease ran out. One statement, no transaction
   * left open.
   */
  async claimPending(limit: number, leaseMs: number): Promise<PendingEmail[]> {
    // TypeORM answers an UPDATE … RETURNING with [rows, count]
    const [rows]: [PendingEmail[], number] = await this.ds.query(
      `UPDATE notification.emails_sent e SET next_attempt_at = now() + ($2 || ' milliseconds')::interval,
              job = e.job - 'awaitTranscription'
        WHERE (e.tenant_id, e.message_id) IN (
          SELECT tenant_id, message_id FROM notification.emails_sent
           WHERE state IN ('due', 'sent') AND next_attempt_at <= now()
           ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING e.tenant_id, e.message_id, e.vmbox_id, e.state, e.job, e.attempts`,
      [limit, String(leaseMs)],
    );
    return rows;
  }

  /** The e-mail went out: `sent` (its after-notify move still to make) or `done`. */
  async markSent(e: PendingEmail, next: 'sent' | 'done'): Promise<void> {
    await this.ds.query(
      `UPDATE notification.emails_sent SET state = $3, sent_at = now(), attempts = 0, last_error = NULL,
              next_attempt_at = now()
        WHERE tenant_id = $1 AND message_id = $2 AND state = 'due'`,
      [e.tenant_id, e.message_id, next],
    );
  }

  async markDone(e: PendingEmail): Promise<void> {
    await this.ds.query(
      `UPDATE notification.emails_sent SET state = 'done', last_error = NULL
        WHERE tenant_id = $1 AND message_id = $2`,
      [e.tenant_id, e.message_id],
    );
  }

  /** A failed step: tried again after `delayMs`, or given up (`failed`) when `giveUp`. */
  async markFailed(e: PendingEmail, error: string, delayMs: number, giveUp: boolean): Promise<void> {
    await this.ds.query(
      `UPDATE notification.emails_sent
          SET attempts = attempts + 1, last_error = $3,
              next_attempt_at = now() + ($4 || ' milliseconds')::interval,
              state = CASE WHEN $5 THEN 'failed' ELSE state END
        WHERE tenant_id = $1 AND message_id = $2`,
      [e.tenant_id, e.message_id, error.slice(0, 500), String(delayMs), giveUp],
    );
  }
}

/** What the sender needs to mail a message and move it after: decided when the e-mail was recorded. */
export interface EmailJob {
  recipients: string[];
  /** The template's macros. */
  values: Record<string, string>;
  includeMessage: boolean;
  /** Kazoo's save_after_notify (wins) or delete_after_notify. */
  after: 'save' | 'delete' | null;
  /** Waiting for the message's transcription (cleared when it comes or a sender takes the e-mail). */
  awaitTranscription?: true;
}

export interface ProjectedBox {
  doc: JsonObject;
  deleted: boolean;
  timezone: string | null;
  /** The account's `transcription.enabled`; null when it says nothing (the box decides). */
  transcription_enabled: boolean | null;
}

export interface PendingEmail {
  tenant_id: string;
  message_id: string;
  vmbox_id: string;
  state: 'due' | 'sent';
  job: EmailJob;
  attempts: number;
}
