// notification-service's own copies of what e-mail needs from mailbox-service's events (boxes, users'
// e-mail, accounts' time zone), and the record of which messages were mailed (notification.emails_sent).
// An older event than the one applied changes nothing; a deleted box or user stays deleted.
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { JsonObject } from '@voxmail/contracts';

@Injectable()
export class ProjectionsRepository {
  async upsertBox(
    m: EntityManager,
    b: { tenantId: string; id: string; doc: JsonObject; deleted: boolean; at: Date },
  ): Promise<void> {
    await m.query(
      `INSERT INTO notification.box_projection (tenant_id, id, doc, deleted, changed_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, id) DO UPDATE SET doc = EXCLUDED.doc, deleted = EXCLUDED.deleted,
         changed_at = EXCLUDED.changed_at
       WHERE NOT notification.box_projection.deleted AND notification.box_projection.changed_at <= EXCLUDED.changed_at`,
      [b.tenantId, b.id, b.doc, b.deleted, b.at],
    );
  }

  async upsertUser(
    m: EntityManager,
    u: { tenantId: string; id: string; email: string | null; deleted: boolean; at: Date },
  ): Promise<void> {
    await m.query(
      `INSERT INTO notification.user_projection (tenant_id, id, email, deleted, changed_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, id) DO UPDATE SET email = EXCLUDED.email, deleted = EXCLUDED.deleted,
         changed_at = EXCLUDED.changed_at
       WHERE NOT notification.user_projection.deleted AND notification.user_projection.changed_at <= EXCLUDED.changed_at`,
      [u.tenantId, u.id, u.email, u.deleted, u.at],
    );
  }

  async upsertAccount(m: EntityManager, tenantId: string, timezone: string | null, at: Date): Promise<void> {
    await m.query(
      `INSERT INTO notification.account_projection (tenant_id, timezone, changed_at) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET timezone = EXCLUDED.timezone, changed_at = EXCLUDED.changed_at
       WHERE notification.account_projection.changed_at <= EXCLUDED.changed_at`,
      [tenantId, timezone, at],
    );
  }

  /** A box with its account's time zone. */
  async box(
    m: EntityManager,
    tenantId: string,
    id: string,
  ): Promise<{ doc: JsonObject; deleted: boolean; timezone: string | null } | undefined> {
    const [box]: { doc: JsonObject; deleted: boolean; timezone: string | null }[] = await m.query(
      `SELECT b.doc, b.deleted, a.timezone FROM notification.box_projection b
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

  /** Claims the e-mail of a message: false when it was already sent (one e-mail per message). */
  async claimEmail(
    m: EntityManager,
    e: { tenantId: string; messageId: string; vmboxId: string; recipients: number },
  ): Promise<boolean> {
    const claimed: unknown[] = await m.query(
      `INSERT INTO notification.emails_sent (tenant_id, message_id, vmbox_id, recipients) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING message_id`,
      [e.tenantId, e.messageId, e.vmboxId, e.recipients],
    );
    return claimed.length > 0;
  }
}
