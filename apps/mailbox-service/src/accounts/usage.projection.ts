// Each account's usage (`GET /v2/accounts/{id}/usage`), projected from the event stream by two durable
// consumers (usage.consumers.ts; replicas share them, their inbox applies each event once): bytes and
// objects stored (media.stored adds an object's size, media.deleted takes away exactly what was added),
// messages (created or copied, until purged), boxes and users, and per month the calls placed (each dial)
// and their talk time (from `answered` to the call's end). The usage of an account is answered to whoever
// reaches the account: its own holders, a reseller above it, the operator.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AccountUsage, EventEnvelope, Events, TenantCommand } from '@voxmail/contracts';
import { AccountsService } from './accounts.service';

const FINAL = ['completed', 'busy', 'no_answer', 'failed', 'cancelled', 'rejected_dnc', 'queued'];

export type UsageReply = AccountUsage;

const monthOf = (iso: string) => new Date(iso).toISOString().slice(0, 7);

/** The counting behind the usage consumers (usage.consumers.ts), and the usage as an account reads it. */
@Injectable()
export class UsageProjection {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly accounts: AccountsService,
  ) {}

  private async add(m: EntityManager, tenantId: string, column: string, n: number): Promise<void> {
    await m.query(
      `INSERT INTO mailbox.account_usage (tenant_id, ${column}) VALUES ($1, GREATEST($2::bigint, 0))
         ON CONFLICT (tenant_id) DO UPDATE
           SET ${column} = GREATEST(mailbox.account_usage.${column} + $2::bigint, 0)`,
      [tenantId, n],
    );
  }

  async apply(e: EventEnvelope, m: EntityManager): Promise<void> {
    const t = e.tenantId;
    const d = (e.data ?? {}) as Record<string, unknown>;
    switch (e.type) {
      case Events.MediaStored.type: {
        if (typeof d.object_id !== 'string' || typeof d.size !== 'number') return;
        const added: unknown[] = await m.query(
          `INSERT INTO mailbox.usage_objects (tenant_id, object_id, size) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING RETURNING size`,
          [t, d.object_id, d.size],
        );
        if (added.length) {
          await this.add(m, t, 'bytes_stored', d.size);
          await this.add(m, t, 'objects', 1);
        }
        return;
      }
      case Events.MediaDeleted.type: {
        if (typeof d.object_id !== 'string') return;
        const r: unknown = await m.query(
          `DELETE FROM mailbox.usage_objects WHERE tenant_id = $1 AND object_id = $2 RETURNING size`,
          [t, d.object_id],
        );
        const rows = (Array.isArray(r) && Array.isArray(r[0]) ? r[0] : r) as { size: string }[];
        if (rows.length) {
          await this.add(m, t, 'bytes_stored', -Number(rows[0].size));
          await this.add(m, t, 'objects', -1);
        }
        return;
      }
      case Events.MessageCreated.type:
      case Events.MessageCopied.type:
        return this.add(m, t, 'messages', 1);
      case Events.MessageDeleted.type:
        if (d.purged === true) await this.add(m, t, 'messages', -1);
        return;
      case Events.MailboxCreated.type:
        return this.add(m, t, 'vmboxes', 1);
      case Events.MailboxDeleted.type:
        return this.add(m, t, 'vmboxes', -1);
      case Events.UserCreated.type:
        return this.add(m, t, 'users', 1);
      case Events.UserDeleted.type:
        return this.add(m, t, 'users', -1);
      case Events.BroadcastCallUpdated.type:
        return this.call(m, e, d);
      case Events.MessageTranscribed.type:
        return this.transcribed(m, e, d);
    }
  }

  /** Issue 21: the seconds an engine transcribed (message.transcribed comes once per message). */
  private async transcribed(m: EntityManager, e: EventEnvelope, d: Record<string, unknown>): Promise<void> {
    const t = (d.transcription ?? {}) as Record<string, unknown>;
    const seconds = typeof t.seconds === 'number' && t.seconds > 0 ? Math.round(t.seconds) : 0;
    if (!seconds) return;
    await m.query(
      `INSERT INTO mailbox.account_usage_monthly (tenant_id, month, transcribed_seconds) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id, month) DO UPDATE
           SET transcribed_seconds = mailbox.account_usage_monthly.transcribed_seconds + $3`,
      [e.tenantId, monthOf(e.occurredAt), seconds],
    );
  }

  private async call(m: EntityManager, e: EventEnvelope, d: Record<string, unknown>): Promise<void> {
    const t = e.tenantId;
    const month = monthOf(e.occurredAt);
    if (d.state === 'dialing') {
      await m.query(
        `INSERT INTO mailbox.account_usage_monthly (tenant_id, month, calls_placed) VALUES ($1, $2, 1)
           ON CONFLICT (tenant_id, month) DO UPDATE SET calls_placed = mailbox.account_usage_monthly.calls_placed + 1`,
        [t, month],
      );
    } else if (d.state === 'answered') {
      await m.query(
        `INSERT INTO mailbox.usage_answered_calls (tenant_id, call_id, attempt, answered_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING`,
        [t, d.id, d.attempt, e.occurredAt],
      );
    } else if (FINAL.includes(String(d.state))) {
      const r: unknown = await m.query(
        `DELETE FROM mailbox.usage_answered_calls WHERE tenant_id = $1 AND call_id = $2 AND attempt = $3
           RETURNING GREATEST(extract(epoch FROM $4::timestamptz - answered_at), 0)::bigint AS s`,
        [t, d.id, d.attempt, e.occurredAt],
      );
      const rows = (Array.isArray(r) && Array.isArray(r[0]) ? r[0] : r) as { s: string }[];
      if (!rows.length) return;
      await m.query(
        `INSERT INTO mailbox.account_usage_monthly (tenant_id, month, talk_seconds) VALUES ($1, $2, $3)
           ON CONFLICT (tenant_id, month) DO UPDATE SET talk_seconds = mailbox.account_usage_monthly.talk_seconds + $3`,
        [t, month, Number(rows[0].s)],
      );
    }
  }

  /** The account's usage now (this month's calls), to whoever reaches the account. */
  async usage(cmd: TenantCommand, now = new Date()): Promise<UsageReply> {
    await this.accounts.requireVisible(cmd.actor, cmd.tenantId);
    const month = now.toISOString().slice(0, 7);
    const [u]: Record<string, string>[] = await this.ds.query(
      `SELECT bytes_stored, objects, messages, vmboxes, users FROM mailbox.account_usage WHERE tenant_id = $1`,
      [cmd.tenantId],
    );
    const [c]: Record<string, string>[] = await this.ds.query(
      `SELECT calls_placed, talk_seconds, transcribed_seconds FROM mailbox.account_usage_monthly WHERE tenant_id = $1 AND month = $2`,
      [cmd.tenantId, month],
    );
    return {
      account_id: cmd.tenantId,
      bytes_stored: Number(u?.bytes_stored ?? 0),
      objects: Number(u?.objects ?? 0),
      messages: Number(u?.messages ?? 0),
      vmboxes: Number(u?.vmboxes ?? 0),
      users: Number(u?.users ?? 0),
      month,
      calls_placed: Number(c?.calls_placed ?? 0),
      call_minutes: Math.round((Number(c?.talk_seconds ?? 0) / 60) * 100) / 100,
      transcription_minutes: Math.round((Number(c?.transcribed_seconds ?? 0) / 60) * 100) / 100,
    };
  }
}
