// dialer.broadcasts (a campaign and its state) and dialer.voice_counters (the per-account counter its
// calls' voiceIds end with).
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { BroadcastState } from '@voxmail/contracts';
import { returning } from './calls.repository';

export interface BroadcastRow {
  id: string;
  app_id: string;
  file_id: string;
  state: BroadcastState;
  total: number;
  created_at: Date;
}

export interface NewBroadcast {
  tenantId: string;
  id: string;
  appId: string;
  fileId: string;
  displayNum: string | null;
  maxDuration: number | null;
  maxRingingTime: number;
  loopCount: number;
  calledInfo: string;
  source: string;
  total: number;
  promptId: string;
  promptMs: number | null;
}

/** A broadcast's id, app and size, as its events carry them. */
export interface BroadcastSummary {
  id: string;
  app_id: string;
  total: number;
}

@Injectable()
export class BroadcastsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Takes `count` numbers from the account's voiceId counter; the last one taken. */
  async takeVoiceNumbers(m: EntityManager, tenantId: string, count: number): Promise<number> {
    const [{ n }]: { n: string }[] = await m.query(
      `INSERT INTO dialer.voice_counters (tenant_id, n) VALUES ($1, $2)
         ON CONFLICT (tenant_id) DO UPDATE SET n = dialer.voice_counters.n + EXCLUDED.n RETURNING n`,
      [tenantId, count],
    );
    return Number(n);
  }

  async insert(m: EntityManager, b: NewBroadcast): Promise<void> {
    await m.query(
      `INSERT INTO dialer.broadcasts (tenant_id, id, app_id, file_id, display_num, max_duration,
           max_ringing_time, loop_count, called_info, source, state, total, prompt_id, prompt_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'queued', $11, $12, $13)`,
      [
        b.tenantId,
        b.id,
        b.appId,
        b.fileId,
        b.displayNum,
        b.maxDuration,
        b.maxRingingTime,
        b.loopCount,
        b.calledInfo,
        b.source,
        b.total,
        b.promptId,
        b.promptMs,
      ],
    );
  }

  /** One broadcast (locked FOR UPDATE with `lock`). */
  async find(
    m: EntityManager | DataSource,
    tenantId: string,
    id: string,
    lock = false,
  ): Promise<BroadcastRow | undefined> {
    const rows: BroadcastRow[] = await m.query(
      `SELECT id, app_id, file_id, state, total, created_at FROM dialer.broadcasts
        WHERE tenant_id = $1 AND id = $2 ${lock ? 'FOR UPDATE' : ''}`,
      [tenantId, id],
    );
    return rows[0];
  }

  list(tenantId: string): Promise<BroadcastRow[]> {
    return this.ds.query(
      `SELECT id, app_id, file_id, state, total, created_at FROM dialer.broadcasts
        WHERE tenant_id = $1 ORDER BY created_at DESC, id LIMIT 1000`,
      [tenantId],
    );
  }

  async setCancelled(m: EntityManager, tenantId: string, id: string): Promise<void> {
    await m.query(`UPDATE dialer.broadcasts SET state = 'cancelled' WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      id,
    ]);
  }

  /** The queued ones of `ids` become running; those. */
  markRunning(m: EntityManager, tenantId: string, ids: string[]): Promise<BroadcastSummary[]> {
    return returning<BroadcastSummary>(
      m,
      `UPDATE dialer.broadcasts SET state = 'running'
              WHERE tenant_id = $1 AND id = ANY($2::char(32)[]) AND state = 'queued' RETURNING id, app_id, total`,
      [tenantId, ids],
    );
  }

  /** Locks one broadcast FOR UPDATE; its state (undefined when there is none). */
  async lockState(m: EntityManager, tenantId: string, id: string): Promise<string | undefined> {
    const [b]: { state: string }[] = await m.query(
      `SELECT state FROM dialer.broadcasts WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
      [tenantId, id],
    );
    return b?.state;
  }

  /**
   * Broadcasts of `ids` whose calls are all final become completed (a cancelled one stays cancelled); those.
   * Locks first, then looks: the update's snapshot sees every finish committed before the lock.
   */
  async completeIfDone(m: EntityManager, tenantId: string, ids: string[]): Promise<BroadcastSummary[]> {
    await m.query(
      `SELECT id FROM dialer.broadcasts WHERE tenant_id = $1 AND id = ANY($2::char(32)[]) ORDER BY id FOR UPDATE`,
      [tenantId, ids],
    );
    return returning<BroadcastSummary>(
      m,
      `UPDATE dialer.broadcasts b SET state = 'completed'
        WHERE b.tenant_id = $1 AND b.id = ANY($2::char(32)[]) AND b.state IN ('queued', 'running')
          AND NOT EXISTS (SELECT 1 FROM dialer.calls c WHERE c.tenant_id = b.tenant_id AND c.broadcast_id = b.id
                           AND c.state IN ('queued', 'dialing', 'ringing', 'answered'))
        RETURNING b.id, b.app_id, b.total`,
      [tenantId, ids],
    );
  }
}
