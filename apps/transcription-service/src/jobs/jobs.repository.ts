// transcription.jobs: one row per message to transcribe, leased by the replica working on it.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

export interface Job {
  tenantId: string;
  messageId: string;
  vmboxId: string;
  attempts: number;
}

interface JobRow {
  tenant_id: string;
  message_id: string;
  vmbox_id: string;
  attempts: number;
}

@Injectable()
export class JobsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Queues a message once, however often its event comes; false when it was queued before. */
  async enqueue(m: EntityManager, tenantId: string, messageId: string, vmboxId: string): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `INSERT INTO transcription.jobs (tenant_id, message_id, vmbox_id) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING message_id`,
      [tenantId, messageId, vmboxId],
    );
    return rows.length > 0;
  }

  /** A deleted message's queued job is dropped (one already running finds the message gone). */
  async cancel(m: EntityManager, tenantId: string, messageId: string): Promise<void> {
    await m.query(
      `UPDATE transcription.jobs SET state = 'done', outcome = 'gone', updated_at = now()
        WHERE tenant_id = $1 AND message_id = $2 AND state = 'queued' AND (lease_until IS NULL OR lease_until < now())`,
      [tenantId, messageId],
    );
  }

  /**
   * Leases the oldest due job whose account runs fewer than `perAccount` jobs right now (over all
   * replicas); null when there is none. SKIP LOCKED: replicas claiming at once take different jobs.
   */
  async claim(owner: string, leaseMs: number, perAccount: number): Promise<Job | null> {
    // TypeORM answers an UPDATE with [rows, affected count]
    const [rows]: [JobRow[], number] = await this.ds.query(
      `UPDATE transcription.jobs j
          SET lease_until = now() + $2 * interval '1 millisecond', leased_by = $1,
              attempts = j.attempts + 1, updated_at = now()
        WHERE (j.tenant_id, j.message_id) = (
          SELECT c.tenant_id, c.message_id FROM transcription.jobs c
           WHERE c.state = 'queued' AND (c.lease_until IS NULL OR c.lease_until < now())
             AND (SELECT count(*) FROM transcription.jobs r
                   WHERE r.tenant_id = c.tenant_id AND r.state = 'queued' AND r.leased_by IS NOT NULL
                     AND r.lease_until >= now()) < $3
           ORDER BY c.created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING j.tenant_id, j.message_id, j.vmbox_id, j.attempts`,
      [owner, leaseMs, perAccount],
    );
    const r = rows[0];
    return r
      ? { tenantId: r.tenant_id, messageId: r.message_id, vmboxId: r.vmbox_id, attempts: r.attempts }
      : null;
  }

  /** Keeps the lease while the work goes on; false when the job is no longer this replica's. */
  async renew(job: Job, owner: string, leaseMs: number): Promise<boolean> {
    const [rows]: [unknown[], number] = await this.ds.query(
      `UPDATE transcription.jobs SET lease_until = now() + $4 * interval '1 millisecond'
        WHERE tenant_id = $1 AND message_id = $2 AND leased_by = $3 AND state = 'queued' RETURNING 1`,
      [job.tenantId, job.messageId, owner, leaseMs],
    );
    return rows.length > 0;
  }

  async finish(job: Job, owner: string, outcome: string, seconds: number | null): Promise<void> {
    await this.ds.query(
      `UPDATE transcription.jobs SET state = 'done', outcome = $4, seconds = $5, lease_until = NULL,
              last_error = NULL, updated_at = now()
        WHERE tenant_id = $1 AND message_id = $2 AND leased_by = $3`,
      [job.tenantId, job.messageId, owner, outcome, seconds],
    );
  }

  /** Gives the job back for a later attempt, after `delayMs`. */
  async retryLater(job: Job, owner: string, delayMs: number, error: string): Promise<void> {
    await this.ds.query(
      `UPDATE transcription.jobs SET lease_until = now() + $4 * interval '1 millisecond', leased_by = NULL,
              last_error = $5, updated_at = now()
        WHERE tenant_id = $1 AND message_id = $2 AND leased_by = $3`,
      [job.tenantId, job.messageId, owner, delayMs, error.slice(0, 1000)],
    );
  }

  /** A replica that stops hands its job back at once (not counted as an attempt) instead of letting it lapse. */
  async release(job: Job, owner: string): Promise<void> {
    await this.ds.query(
      `UPDATE transcription.jobs SET lease_until = NULL, leased_by = NULL,
              attempts = greatest(attempts - 1, 0), updated_at = now()
        WHERE tenant_id = $1 AND message_id = $2 AND leased_by = $3 AND state = 'queued'`,
      [job.tenantId, job.messageId, owner],
    );
  }
}
