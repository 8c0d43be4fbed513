// Campaigns: accepted durably in one transaction (the broadcast, its calls as queued work, its event),
// looked up with counts by state, listed call by call, and cancelled.
import { randomBytes } from 'node:crypto';
import { AccountAccess, quotaExceededEvent } from '@voxmail/messaging';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import {
  AcceptedCall,
  BroadcastCallsCommand,
  BroadcastIdCommand,
  BroadcastReply,
  CallRecord,
  CallRecordCommand,
  CallRecordPage,
  CallRecordQueryCommand,
  CallReply,
  CallState,
  CreateBroadcastCommand,
  DomainError,
  ErrorCode,
  Events,
  newEvent,
  OnbukaCode,
  TenantCommand,
} from '@voxmail/contracts';
import { DIALER_SETTINGS, DialerSettings } from '../settings';
import { AccountLimitsRepository } from './account-limits.repository';
import { DialerEvents } from './app-webhooks';
import { AppsRepository } from './apps.repository';
import { BroadcastRow, BroadcastsRepository } from './broadcasts.repository';
import { CallRecordRow, CallsRepository } from './calls.repository';
import { PromptLibrary } from './prompt-library';

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

@Injectable()
export class BroadcastsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(DIALER_SETTINGS) private readonly settings: DialerSettings,
    private readonly prompts: PromptLibrary,
    private readonly apps: AppsRepository,
    private readonly broadcasts: BroadcastsRepository,
    private readonly callRows: CallsRepository,
    private readonly events: DialerEvents,
    private readonly accountLimits: AccountLimitsRepository,
    private readonly access: AccountAccess,
  ) {}

  /**
   * The account's cap on queued calls, checked under the account's voiceId counter row (locked by
   * `takeVoiceNumbers` until commit, so concurrent batches of one account take turns and each counts
   * what the others committed): a batch that does not fit is refused whole, nothing queued.
   */
  private async assertQueueRoom(m: EntityManager, tenantId: string, adding: number): Promise<void> {
    const set = await this.accountLimits.find(m, tenantId);
    const limit = set?.max_queued_calls ?? this.settings.accounts.maxQueuedCalls;
    const queued = await this.accountLimits.countQueued(m, tenantId);
    if (queued + adding <= limit) return;
    throw new DomainError(
      ErrorCode.RateLimited,
      `the account's queued calls would exceed its limit (max_queued_calls ${limit}); nothing was queued`,
      {
        quota: 'max_queued_calls',
        limit,
        used: queued,
        requested: adding,
        retry_after_s: 60,
        onbuka_status: OnbukaCode.OverLimit,
      },
    );
  }

  async create(cmd: CreateBroadcastCommand): Promise<{ id: string; calls: AcceptedCall[] }> {
    await this.access.require(cmd.actor, cmd.tenantId, { admin: true });
    if (!(await this.apps.exists(cmd.tenantId, cmd.appId)))
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
    return this.accept(cmd, id, stamp, prompt).catch(async (e: unknown) => {
      if (e instanceof DomainError && e.details?.quota === 'max_queued_calls')
        await this.quotaExceeded(cmd.tenantId, e.details).catch(() => undefined);
      throw e;
    });
  }

  /** `quota.exceeded`, in a transaction of its own: the refused batch's rolled back. */
  private async quotaExceeded(tenantId: string, d: Record<string, unknown>): Promise<void> {
    await this.ds.transaction((m) => this.events.publish(m, [quotaExceededEvent(tenantId, d)]));
  }

  private accept(
    cmd: CreateBroadcastCommand,
    id: string,
    stamp: string,
    prompt: { id: string; durationMs: number | null },
  ): Promise<{ id: string; calls: AcceptedCall[] }> {
    return this.ds.transaction(async (m) => {
      const n = await this.broadcasts.takeVoiceNumbers(m, cmd.tenantId, cmd.callees.length);
      await this.assertQueueRoom(m, cmd.tenantId, cmd.callees.length);
      const ids = voiceIds(stamp, n, cmd.callees.length);
      await this.broadcasts.insert(m, {
        tenantId: cmd.tenantId,
        id,
        appId: cmd.appId,
        fileId: cmd.fileId,
        displayNum: cmd.displayNum ?? null,
        maxDuration: cmd.maxDuration ?? null,
        maxRingingTime: cmd.maxRingingTime,
        loopCount: cmd.loopCount,
        calledInfo: cmd.calledInfo,
        source: cmd.source,
        total: cmd.callees.length,
        promptId: prompt.id,
        promptMs: prompt.durationMs,
      });
      // one statement for the whole batch: 1000 calls are one round trip
      await this.callRows.insertQueued(m, cmd.tenantId, id, cmd.appId, ids, cmd.callees);
      await this.events.publish(m, [
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
    const counts = await this.callRows.countsByState(m, tenantId, b.id);
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
    const row = await this.broadcasts.find(m, tenantId, id, lock);
    if (!row) throw DomainError.notFound('broadcast not found');
    return row;
  }

  async list(cmd: TenantCommand): Promise<BroadcastReply[]> {
    await this.access.require(cmd.actor, cmd.tenantId, { admin: true });
    const rows = await this.broadcasts.list(cmd.tenantId);
    return Promise.all(rows.map((b) => this.view(this.ds, cmd.tenantId, b)));
  }

  async get(cmd: BroadcastIdCommand): Promise<BroadcastReply> {
    await this.access.require(cmd.actor, cmd.tenantId, { admin: true });
    return this.view(this.ds, cmd.tenantId, await this.row(this.ds, cmd.tenantId, cmd.broadcastId));
  }

  async calls(cmd: BroadcastCallsCommand): Promise<{ calls: CallReply[]; next_start_key?: string }> {
    await this.access.require(cmd.actor, cmd.tenantId, { admin: true });
    await this.row(this.ds, cmd.tenantId, cmd.broadcastId);
    const after = cmd.startKey !== undefined ? Number(cmd.startKey) : 0;
    if (!Number.isInteger(after) || after < 0)
      throw new DomainError(ErrorCode.ValidationFailed, 'invalid start_key', {
        start_key: { type: { message: 'start_key must be one a previous page gave' } },
      });
    const rows = await this.callRows.page(
      cmd.tenantId,
      cmd.broadcastId,
      after,
      cmd.state ?? null,
      cmd.pageSize + 1,
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
    await this.access.require(cmd.actor, cmd.tenantId, { admin: true });
    const c = await this.callRows.record(cmd.tenantId, cmd.voiceId);
    if (!c) throw DomainError.notFound('the voiceId does not exist');
    return callRecord(cmd.voiceId, c);
  }

  /**
   * Onbuka's `recordGroupQuery`: the account's calls submitted in the window, a page at a time, each as
   * `recordGroup/{voiceId}` reports it. At most 31 days; pages end 100,000 records in (a deeper page is
   * empty, as one past the last).
   */
  async recordQuery(cmd: CallRecordQueryCommand): Promise<CallRecordPage> {
    await this.access.require(cmd.actor, cmd.tenantId, { admin: true });
    const from = new Date(cmd.from);
    const to = new Date(cmd.to);
    if (!(to.getTime() >= from.getTime()) || to.getTime() - from.getTime() > MAX_RECORD_WINDOW_MS)
      throw new DomainError(
        ErrorCode.ValidationFailed,
        'the window must end after it starts, at most 31 days later',
      );
    const offset = (cmd.current - 1) * cmd.size;
    const { total, rows } =
      offset < MAX_RECORD_OFFSET
        ? await this.callRows.recordsBetween(cmd.tenantId, from, to, cmd.size, offset)
        : { total: 0, rows: [] };
    return {
      total,
      size: cmd.size,
      current: cmd.current,
      pages: Math.ceil(total / cmd.size),
      searchCount: true,
      records: rows.map((r) => callRecord(r.voice_id, r)),
    };
  }

  /** Queued calls are cancelled at once; calls in progress finish and are not retried. */
  async cancel(cmd: BroadcastIdCommand): Promise<BroadcastReply> {
    await this.access.require(cmd.actor, cmd.tenantId, { admin: true });
    return this.ds.transaction(async (m) => {
      // the queued calls first, then the broadcast row: the order a claim takes them in
      await this.callRows.lockQueued(m, cmd.tenantId, cmd.broadcastId);
      const b = await this.row(m, cmd.tenantId, cmd.broadcastId, true);
      if (b.state === 'completed' || b.state === 'cancelled') return this.view(m, cmd.tenantId, b);
      await this.broadcasts.setCancelled(m, cmd.tenantId, b.id);
      const cancelled = await this.callRows.cancelQueued(m, cmd.tenantId, b.id);
      await this.events.publish(m, [
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

const MAX_RECORD_WINDOW_MS = 31 * 24 * 3600 * 1000;
const MAX_RECORD_OFFSET = 100_000;

/** A call as Onbuka's records report it, keys in the document's order. */
function callRecord(voiceId: string, c: CallRecordRow): CallRecord {
  const talkS =
    c.answered_at && c.ended_at
      ? Math.max(0, Math.round((c.ended_at.getTime() - c.answered_at.getTime()) / 1000))
      : 0;
  const [terminationCode, terminationReason] = TERMINATION[c.state];
  return {
    voiceId,
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
