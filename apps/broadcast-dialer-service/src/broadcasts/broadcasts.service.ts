// Campaigns: accepted durably in one transaction (the broadcast, its calls as queued work, its event),
// looked up with counts by state, listed call by call, and cancelled.
import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import {
  AcceptedCall,
  BroadcastCallsCommand,
  BroadcastIdCommand,
  BroadcastReply,
  BroadcastState,
  CallRecord,
  CallRecordCommand,
  CallReply,
  CallState,
  CreateBroadcastCommand,
  DomainError,
  ErrorCode,
  Events,
  newEvent,
  TenantCommand,
} from '@voxmail/contracts';
import { DIALER_SETTINGS, DialerSettings } from '../settings';
import { assertAdmin, assertTenant } from './access';
import { publishEvents } from './app-webhooks';
import { PromptLibrary } from './prompt-library';
import { returning } from './sql';

export const DIALER_SCHEMA_NAME = 'dialer';

/** `yyMMddHHmmss` of `ms` in UTC, as Onbuka's voiceIds begin. */
export function idStamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    p(d.getUTCFullYear() % 100) +
    p(d.getUTCMonth() + 1) +
    p(d.getUTCDate()) +
    p(d.getUTCHours()) +
    p(d.getUTCMinutes()) +
    p(d.getUTCSeconds())
  );
}

/** voiceIds: the stamp and a per-account counter, 19 digits as Onbuka's (`2203031134011000001`). */
export function voiceIds(stamp: string, last: number, count: number): string[] {
  const out: string[] = [];
  for (let n = last - count + 1; n <= last; n++) out.push(stamp + String(1_000_000 + (n % 1_000_000)));
  return out;
}

/** ISO 8601 to the second with its offset, as Onbuka writes times (`2022-02-18T14:42:40+08:00`); '' if not yet. */
export function onbukaTime(d: Date | null): string {
  return d ? new Date(d).toISOString().replace(/\.\d{3}Z$/, '+00:00') : '';
}

/** A call's state as Onbuka's record reports it: the SIP code the call ended with, and its description. */
const TERMINATION: Record<CallState, [string, string]> = {
  queued: ['', 'queued'],
  dialing: ['', 'dialing'],
  ringing: ['180', 'ringing'],
  answered: ['200', 'answered'],
  completed: ['200', 'success'],
  busy: ['486', 'busy'],
  no_answer: ['480', 'no answer'],
  failed: ['500', 'failed'],
  cancelled: ['487', 'cancelled'],
  rejected_dnc: ['603', 'do not call'],
};

interface BroadcastRow {
  id: string;
  app_id: string;
  file_id: string;
  state: BroadcastState;
  total: number;
  created_at: Date;
}

@Injectable()
export class BroadcastsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(DIALER_SETTINGS) private readonly settings: DialerSettings,
    private readonly prompts: PromptLibrary,
  ) {}

  async create(cmd: CreateBroadcastCommand): Promise<{ id: string; calls: AcceptedCall[] }> {
    assertAdmin(cmd.actor, cmd.tenantId);
    const app: unknown[] = await this.ds.query(`SELECT 1 FROM dialer.apps WHERE tenant_id = $1 AND id = $2`, [
      cmd.tenantId,
      cmd.appId,
    ]);
    if (!app.length)
      throw new DomainError(ErrorCode.NotFound, 'the app does not exist', {
        appId: { exists: { message: 'no such app' } },
      });
    // a prompt of this account with its audio uploaded (another account's answers as a missing one)
    const prompt = await this.prompts.resolve(cmd.actor, cmd.tenantId, cmd.fileId);
    if (!prompt)
      throw new DomainError(ErrorCode.NotFound, 'the file does not exist', {
        fileId: { exists: { message: 'no such prompt' } },
      });
    const id = randomBytes(16).toString('hex');
    const stamp = idStamp((this.settings.idClock ?? this.settings.clock)());
    return this.ds.transaction(async (m) => {
      const [{ n }]: { n: string }[] = await m.query(
        `INSERT INTO dialer.voice_counters (tenant_id, n) VALUES ($1, $2)
         ON CONFLICT (tenant_id) DO UPDATE SET n = dialer.voice_counters.n + EXCLUDED.n RETURNING n`,
        [cmd.tenantId, cmd.callees.length],
      );
      const ids = voiceIds(stamp, Number(n), cmd.callees.length);
      await m.query(
        `INSERT INTO dialer.broadcasts (tenant_id, id, app_id, file_id, display_num, max_duration,
           max_ringing_time, loop_count, called_info, source, state, total, prompt_id, prompt_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'queued', $11, $12, $13)`,
        [
          cmd.tenantId,
          id,
          cmd.appId,
          cmd.fileId,
          cmd.displayNum ?? null,
          cmd.maxDuration ?? null,
          cmd.maxRingingTime,
          cmd.loopCount,
          cmd.calledInfo,
          cmd.source,
          cmd.callees.length,
          prompt.id,
          prompt.durationMs,
        ],
      );
      // one statement for the whole batch: 1000 calls are one round trip
      await m.query(
        `INSERT INTO dialer.calls (tenant_id, id, broadcast_id, app_id, seq, callee, state)
         SELECT $1, v.id, $2, $3, v.seq, v.callee, 'queued'
           FROM unnest($4::text[], $5::text[]) WITH ORDINALITY AS v(id, callee, seq)`,
        [cmd.tenantId, id, cmd.appId, ids, cmd.callees],
      );
      await publishEvents(m, [
        newEvent(Events.BroadcastCreated, {
          tenantId: cmd.tenantId,
          aggregateId: id,
          data: {
            id,
            app_id: cmd.appId,
            state: 'queued',
            total: cmd.callees.length,
            file_id: cmd.fileId,
            source: cmd.source,
          },
        }),
      ]);
      return { id, calls: ids.map((voiceId, i) => ({ voiceId, callee: cmd.callees[i] })) };
    });
  }

  private async view(
    m: EntityManager | DataSource,
    tenantId: string,
    b: BroadcastRow,
  ): Promise<BroadcastReply> {
    const counts: { state: CallState; n: string }[] = await m.query(
      `SELECT state, count(*) AS n FROM dialer.calls WHERE tenant_id = $1 AND broadcast_id = $2 GROUP BY state`,
      [tenantId, b.id],
    );
    return {
      id: b.id,
      app_id: b.app_id,
      file_id: b.file_id,
      state: b.state,
      created_at: new Date(b.created_at).toISOString(),
      total: b.total,
      counts: Object.fromEntries(counts.map((c) => [c.state, Number(c.n)])),
    };
  }

  private async row(m: EntityManager | DataSource, tenantId: string, id: string, lock = false) {
    const rows: BroadcastRow[] = await m.query(
      `SELECT id, app_id, file_id, state, total, created_at FROM dialer.broadcasts
        WHERE tenant_id = $1 AND id = $2 ${lock ? 'FOR UPDATE' : ''}`,
      [tenantId, id],
    );
    if (!rows[0]) throw DomainError.notFound('broadcast not found');
    return rows[0];
  }

  async list(cmd: TenantCommand): Promise<BroadcastReply[]> {
    assertTenant(cmd.actor, cmd.tenantId);
    const rows: BroadcastRow[] = await this.ds.query(
      `SELECT id, app_id, file_id, state, total, created_at FROM dialer.broadcasts
        WHERE tenant_id = $1 ORDER BY created_at DESC, id LIMIT 1000`,
      [cmd.tenantId],
    );
    return Promise.all(rows.map((b) => this.view(this.ds, cmd.tenantId, b)));
  }

  async get(cmd: BroadcastIdCommand): Promise<BroadcastReply> {
    assertTenant(cmd.actor, cmd.tenantId);
    return this.view(this.ds, cmd.tenantId, await this.row(this.ds, cmd.tenantId, cmd.broadcastId));
  }

  async calls(cmd: BroadcastCallsCommand): Promise<{ calls: CallReply[]; next_start_key?: string }> {
    assertTenant(cmd.actor, cmd.tenantId);
    await this.row(this.ds, cmd.tenantId, cmd.broadcastId);
    const after = cmd.startKey !== undefined ? Number(cmd.startKey) : 0;
    if (!Number.isInteger(after) || after < 0)
      throw new DomainError(ErrorCode.ValidationFailed, 'invalid start_key', {
        start_key: { type: { message: 'start_key must be one a previous page gave' } },
      });
    const rows: {
      id: string;
      callee: string;
      state: CallState;
      attempts: number;
      updated_at: Date;
      seq: number;
    }[] = await this.ds.query(
      `SELECT id, callee, state, attempts, updated_at, seq FROM dialer.calls
          WHERE tenant_id = $1 AND broadcast_id = $2 AND seq > $3 AND ($4::text IS NULL OR state = $4)
          ORDER BY seq LIMIT $5`,
      [cmd.tenantId, cmd.broadcastId, after, cmd.state ?? null, cmd.pageSize + 1],
    );
    const page = rows.slice(0, cmd.pageSize);
    return {
      calls: page.map((c) => ({
        id: c.id,
        broadcast_id: cmd.broadcastId,
        callee: c.callee,
        state: c.state,
        attempts: c.attempts,
        updated_at: new Date(c.updated_at).toISOString(),
      })),
      ...(rows.length > cmd.pageSize ? { next_start_key: String(page[page.length - 1].seq) } : {}),
    };
  }

  /** One call as Onbuka's `recordGroup/{voiceId}` reports it; another account's voiceId is not found. */
  async record(cmd: CallRecordCommand): Promise<CallRecord> {
    assertTenant(cmd.actor, cmd.tenantId);
    const rows: {
      callee: string;
      state: CallState;
      display_num: string | null;
      file_id: string;
      called_info: string;
      submitted: Date;
      called_at: Date | null;
      ringing_at: Date | null;
      answered_at: Date | null;
      ended_at: Date | null;
    }[] = await this.ds.query(
      `SELECT c.callee, c.state, b.display_num, b.file_id, b.called_info, b.created_at AS submitted,
              c.called_at, c.ringing_at, c.answered_at, c.ended_at
         FROM dialer.calls c JOIN dialer.broadcasts b ON b.tenant_id = c.tenant_id AND b.id = c.broadcast_id
        WHERE c.tenant_id = $1 AND c.id = $2`,
      [cmd.tenantId, cmd.voiceId],
    );
    const c = rows[0];
    if (!c) throw DomainError.notFound('the voiceId does not exist');
    const talkS =
      c.answered_at && c.ended_at
        ? Math.max(0, Math.round((c.ended_at.getTime() - c.answered_at.getTime()) / 1000))
        : 0;
    const [terminationCode, terminationReason] = TERMINATION[c.state];
    return {
      voiceId: cmd.voiceId,
      callee: c.callee,
      displayNum: c.display_num ?? '',
      code: '',
      submitTime: onbukaTime(c.submitted),
      callTime: onbukaTime(c.called_at),
      ringingTime: onbukaTime(c.ringing_at),
      answerTime: onbukaTime(c.answered_at),
      hangupTime: onbukaTime(c.ended_at),
      callDuration: talkS,
      chargedDuration: talkS,
      terminationCode,
      terminationReason,
      costEur: '0',
      billPeriod: '',
      rate: '0',
      baseCost: '0',
      voiceFileId: c.file_id,
      feedbackValue: '-1',
      calledInfo: c.called_info,
    };
  }

  /** Queued calls are cancelled at once; calls in progress finish and are not retried. */
  async cancel(cmd: BroadcastIdCommand): Promise<BroadcastReply> {
    assertAdmin(cmd.actor, cmd.tenantId);
    return this.ds.transaction(async (m) => {
      const b = await this.row(m, cmd.tenantId, cmd.broadcastId, true);
      if (b.state === 'completed' || b.state === 'cancelled') return this.view(m, cmd.tenantId, b);
      await m.query(`UPDATE dialer.broadcasts SET state = 'cancelled' WHERE tenant_id = $1 AND id = $2`, [
        cmd.tenantId,
        b.id,
      ]);
      const cancelled = await returning<{ id: string; callee: string; attempts: number }>(
        m,
        `UPDATE dialer.calls SET state = 'cancelled', updated_at = now()
          WHERE tenant_id = $1 AND broadcast_id = $2 AND state = 'queued' RETURNING id, callee, attempts`,
        [cmd.tenantId, b.id],
      );
      await publishEvents(m, [
        ...cancelled.map((c) =>
          newEvent(Events.BroadcastCallUpdated, {
            tenantId: cmd.tenantId,
            aggregateId: c.id,
            data: { id: c.id, broadcast_id: b.id, callee: c.callee, state: 'cancelled', attempt: c.attempts },
          }),
        ),
        newEvent(Events.BroadcastCancelled, {
          tenantId: cmd.tenantId,
          aggregateId: b.id,
          data: { id: b.id, app_id: b.app_id, state: 'cancelled', total: b.total },
        }),
      ]);
      return this.view(m, cmd.tenantId, { ...b, state: 'cancelled' });
    });
  }
}
