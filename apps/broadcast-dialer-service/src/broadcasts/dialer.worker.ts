// The dialer loop of one replica. Work is the `dialer.calls` table: a replica claims due calls with
// FOR UPDATE SKIP LOCKED under a lease, after taking tokens from the app's bucket row (locked FOR UPDATE,
// so every replica draws from one bucket: 2 replicas at 10 CPS dial 10 CPS) and counting the app's calls
// in progress against its max. Each claim writes a dial_log row keyed by (call, attempt): a call is
// dialed at most once per attempt. A replica renews its leases while its calls run; a lease that lapses
// (the replica died) is swept by any replica and the call failed or retried per the app's policy.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CallState, Events, newEvent, NewEvent } from '@voxmail/contracts';
import { CarrierAdapter, DialOutcome, DialResult } from '../carriers/carrier';
import { SimulatedCarrier } from '../carriers/simulated.carrier';
import { DIALER_SETTINGS, DialerSettings } from '../settings';
import { AccountLimitsRepository } from './account-limits.repository';
import { AppConfig, inWindow, parseAppDoc } from './app-doc';
import { DialerEvents } from './app-webhooks';
import { AppsService } from './apps.service';
import { BackgroundGate } from './background-gate';
import { BroadcastsRepository, BroadcastSummary } from './broadcasts.repository';
import { CallsRepository, ClaimedCall } from './calls.repository';
import { allowance, Contender, fairOrder } from './fair-share';
import { PacingRepository } from './pacing.repository';

export const CARRIERS = Symbol('CARRIERS');
export type CarrierRegistry = Record<string, CarrierAdapter>;

/**
 * Tokens a bucket holds at most: half a second's worth (at least 2), so a late tick loses no tokens and
 * the rate holds, while a burst after an idle spell stays small.
 */
const burstOf = (cps: number) => Math.max(2, cps / 2);

/** A broadcast started (its first dial) or completed (every call final). */
const broadcastEvent = (tenantId: string, b: BroadcastSummary, state: 'running' | 'completed') =>
  newEvent(state === 'running' ? Events.BroadcastStarted : Events.BroadcastCompleted, {
    tenantId,
    aggregateId: b.id,
    data: { id: b.id, app_id: b.app_id, state, total: b.total },
  });

const callEvent = (
  c: { tenant_id: string; id: string; broadcast_id: string; callee: string },
  state: CallState,
  attempt: number,
  reason?: string,
) =>
  newEvent(Events.BroadcastCallUpdated, {
    tenantId: c.tenant_id,
    aggregateId: c.id,
    data: {
      id: c.id,
      broadcast_id: c.broadcast_id,
      callee: c.callee,
      state,
      attempt,
      ...(reason ? { reason } : {}),
    },
  });

/**
 * Waits before a final or progress write is tried again: the write is fenced by owner and attempt, so
 * trying it again after an error whose effect is unknown (a deadlock, a lost connection, a commit that
 * may have landed) can never apply it twice.
 */
const WRITE_RETRY_MS = [50, 100, 200, 400, 800, 1600, 3200, 5000];
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

@Injectable()
export class DialerWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(DialerWorker.name);
  private timer?: NodeJS.Timeout;
  private leaseTimer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private renewing?: Promise<void>;
  private stopping = false;
  /** Calls this replica is dialing now, until their final write: key `tenant/id`. */
  private readonly inFlight = new Map<string, { call: ClaimedCall; done: Promise<void> }>();
  private lastSweep = 0;
  /** Slots each account holds on this replica now (fair sharing). */
  private readonly held = new Map<string, number>();
  /** Rotates the claiming order among accounts (and apps) that hold alike. */
  private turn = 0;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(DIALER_SETTINGS) private readonly settings: DialerSettings,
    @Inject(CARRIERS) private readonly carriers: CarrierRegistry,
    private readonly apps: AppsService,
    private readonly calls: CallsRepository,
    private readonly broadcasts: BroadcastsRepository,
    private readonly pacing: PacingRepository,
    private readonly events: DialerEvents,
    private readonly accountLimits: AccountLimitsRepository,
    private readonly gate: BackgroundGate,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.settings.tickMs);
    this.timer.unref();
    this.leaseTimer = setInterval(() => void this.renewLeases(), Math.max(50, this.settings.leaseMs / 3));
    this.leaseTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking?.catch(() => undefined);
    // calls in progress finish (their leases are renewed until then)
    await Promise.allSettled([...this.inFlight.values()].map((f) => f.done));
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    await Promise.allSettled(Object.values(this.carriers).map((c) => c.close?.()));
  }

  tick(): Promise<void> {
    if (this.ticking || this.stopping) return this.ticking ?? Promise.resolve();
    this.ticking = this.run()
      .catch((e: Error) => this.log.warn(`dialer tick failed: ${e.message}`))
      .finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async run(): Promise<void> {
    if (Date.now() - this.lastSweep > Math.max(100, this.settings.leaseMs / 4)) {
      this.lastSweep = Date.now();
      await this.sweepLapsed();
    }
    const due = await this.gate.run(() => this.calls.dueApps(), { first: true });
    // dialer capacity is shared among accounts, never first-come by campaign (see fair-share.ts)
    const appsOf = new Map<string, string[]>();
    const weights = new Map<string, number>();
    for (const d of due) {
      appsOf.set(d.tenant_id, [...(appsOf.get(d.tenant_id) ?? []), d.app_id]);
      weights.set(d.tenant_id, Math.max(1, d.weight));
    }
    const contenders: Contender[] = [...appsOf.keys()].map((t) => ({
      tenantId: t,
      held: this.held.get(t) ?? 0,
      weight: weights.get(t) ?? 1,
    }));
    const dueWeight = contenders.reduce((a, c) => a + c.weight, 0);
    const max = this.settings.maxInFlight;
    const reserved = Math.min(this.settings.accounts.reservedSlots, Math.floor(max / 2));
    const turn = this.turn++;
    for (const c of fairOrder(contenders, turn)) {
      if (this.stopping) return;
      const free = max - this.inFlight.size;
      if (free <= 0) return;
      let k = allowance({ ...c, held: this.held.get(c.tenantId) ?? 0 }, { free, reserved, dueWeight });
      const apps = appsOf.get(c.tenantId) ?? [];
      for (let i = 0; i < apps.length && k > 0; i++) {
        const appId = apps[(i + turn) % apps.length];
        // one app's trouble (a bad document, a lock timeout) does not stop the others
        const claimed = await this.gate
          .run(() => this.claim(c.tenantId, appId, k), { first: true })
          .catch((e: Error) => {
            this.log.warn(`claiming calls of app ${appId} failed: ${e.message}`);
            return [];
          });
        k -= claimed.length;
        for (const x of claimed) this.start(x);
      }
    }
  }

  private async claim(
    tenantId: string,
    appId: string,
    room: number,
  ): Promise<{ call: ClaimedCall; cfg: AppConfig }[]> {
    const events: NewEvent[] = [];
    const out = await this.ds.transaction(async (m) => {
      // the account's bucket row first (then the app's): one lock order, and the account's ceilings
      // (set by the operator or a reseller above) bound every app of the account on every replica
      const account = await this.accountLimits.lock(m, tenantId);
      // the bucket row is the app's lock: replicas claiming for one app take turns
      const bucket = await this.pacing.lock(m, tenantId, appId);
      if (!bucket) {
        // the app was deleted: its calls cannot be dialed
        const failed = await this.calls.failQueuedOfApp(m, tenantId, appId);
        for (const c of failed) events.push(callEvent(c, 'failed', c.attempts, 'app_deleted'));
        await this.completeBroadcasts(m, tenantId, [...new Set(failed.map((c) => c.broadcast_id))], events);
        return [];
      }
      const cfg = parseAppDoc(bucket.doc);
      if (!inWindow(cfg.window, new Date(this.settings.clock()))) {
        // outside the calling window: look again in a minute
        await this.calls.deferDue(m, tenantId, appId);
        return [];
      }
      let tokens = Infinity;
      if (cfg.cps > 0) tokens = Math.min(burstOf(cfg.cps), bucket.tokens + bucket.elapsed * cfg.cps);
      const accountCps = account.calls_per_second ?? this.settings.accounts.callsPerSecond;
      const accountTokens = Math.min(burstOf(accountCps), account.tokens + account.elapsed * accountCps);
      const accountMax = account.max_concurrent_calls ?? this.settings.accounts.maxConcurrentCalls;
      const accountActive = await this.accountLimits.countActive(m, tenantId);
      const active = await this.calls.countActive(m, tenantId, appId);
      const k = Math.min(
        Math.floor(tokens),
        Math.floor(accountTokens),
        cfg.maxConcurrent - active,
        accountMax - accountActive,
        room,
        200,
      );
      let dialed: ClaimedCall[] = [];
      if (k > 0) {
        const picked = await this.calls.pickDue(m, tenantId, appId, k);
        const dnc = picked.filter((c) => c.dnc);
        const go = picked.filter((c) => !c.dnc);
        if (dnc.length) {
          await this.calls.rejectDnc(
            m,
            tenantId,
            dnc.map((c) => c.id),
          );
          for (const c of dnc) events.push(callEvent(c, 'rejected_dnc', c.attempts));
        }
        if (go.length) {
          dialed = await this.calls.startDialing(
            m,
            tenantId,
            go.map((c) => c.id),
            this.settings.replicaId,
            this.settings.leaseMs,
          );
          // at most once per attempt: a second claim of the same attempt would break this key
          await this.calls.logDials(m, tenantId, dialed, this.settings.replicaId);
          for (const c of dialed) events.push(callEvent(c, 'dialing', c.attempts));
          const started = await this.broadcasts.markRunning(m, tenantId, [
            ...new Set(dialed.map((c) => c.broadcast_id)),
          ]);
          for (const b of started) events.push(broadcastEvent(tenantId, b, 'running'));
        }
        if (dnc.length)
          await this.completeBroadcasts(m, tenantId, [...new Set(dnc.map((c) => c.broadcast_id))], events);
      }
      if (cfg.cps > 0) {
        const left = Math.max(0, tokens - dialed.length);
        await this.pacing.refill(m, tenantId, appId, left, bucket.at);
      }
      await this.accountLimits.refill(m, tenantId, Math.max(0, accountTokens - dialed.length), account.at);
      await this.events.publish(m, events);
      return dialed.map((call) => ({ call, cfg }));
    });
    return out;
  }

  private start({ call, cfg }: { call: ClaimedCall; cfg: AppConfig }): void {
    const key = `${call.tenant_id}/${call.id}`;
    const tenant = call.tenant_id;
    this.held.set(tenant, (this.held.get(tenant) ?? 0) + 1);
    const done = this.dial(call, cfg)
      .catch((e: Error) => this.log.warn(`call ${call.id} failed in the dialer: ${e.message}`))
      .finally(() => {
        this.inFlight.delete(key);
        const n = (this.held.get(tenant) ?? 1) - 1;
        if (n > 0) this.held.set(tenant, n);
        else this.held.delete(tenant);
      });
    this.inFlight.set(key, { call, done });
  }

  private async dial(call: ClaimedCall, cfg: AppConfig): Promise<void> {
    const carrier = this.carriers[cfg.carrier] ?? new SimulatedCarrier();
    const password =
      cfg.carrier === 'sip'
        ? await this.gate.run(() => this.apps.password(call.tenant_id, call.app_id))
        : undefined;
    let result: DialResult;
    try {
      result = await carrier.dial(
        {
          tenantId: call.tenant_id,
          callId: call.id,
          callee: call.callee,
          callerId: call.display_num ?? cfg.callerId,
          maxRingingMs: call.max_ringing_time * 1000,
          maxDurationMs: call.max_duration !== null ? call.max_duration * 1000 : null,
          loopCount: call.loop_count,
          // the media document the campaign resolved fileId to (by id or name) is what the carrier plays
          fileId: call.prompt_id ?? call.file_id,
          promptMs: call.prompt_ms,
          settings: { ...cfg.settings, ...(password !== undefined ? { password } : {}) },
        },
        {
          ringing: () => this.progress(call, 'ringing'),
          answered: () => this.progress(call, 'answered'),
        },
      );
    } catch (e) {
      result = { outcome: 'failed', reason: (e as Error).message.slice(0, 200) };
    }
    await this.finish(call, cfg, result.outcome, result.reason);
  }

  /**
   * A write of a call this replica holds, through the background gate, tried again after an error (a
   * deadlock, a serialization failure, a connection lost or not had): a call's outcome is never lost to
   * an error that passes. Its lease is renewed meanwhile (the call is still in flight).
   */
  private async persist(what: string, f: () => Promise<void>, tries = WRITE_RETRY_MS.length): Promise<void> {
    for (let i = 0; ; i++) {
      try {
        return await this.gate.run(f);
      } catch (e) {
        if (i >= tries) throw e;
        this.log.warn(`${what} failed (${(e as Error).message}); trying again in ${WRITE_RETRY_MS[i]} ms`);
        await sleep(WRITE_RETRY_MS[i]);
      }
    }
  }

  /** A state change of a call this replica holds (fenced by owner and attempt). */
  private async progress(call: ClaimedCall, state: CallState): Promise<void> {
    await this.persist(`call ${call.id} ${state}`, () => this.progressNow(call, state), 3);
  }

  private async progressNow(call: ClaimedCall, state: CallState): Promise<void> {
    await this.ds.transaction(async (m) => {
      const applied = await this.calls.progress(m, call, this.settings.replicaId, state);
      if (applied) await this.events.publish(m, [callEvent(call, state, call.attempts)]);
    });
  }

  private async finish(
    call: ClaimedCall,
    cfg: AppConfig,
    outcome: DialOutcome,
    reason?: string,
  ): Promise<void> {
    await this.persist(`call ${call.id} final write`, () => this.finishNow(call, cfg, outcome, reason));
  }

  private async finishNow(
    call: ClaimedCall,
    cfg: AppConfig,
    outcome: DialOutcome,
    reason?: string,
  ): Promise<void> {
    await this.ds.transaction(async (m) => {
      // the broadcast row first: finishes of one broadcast take turns, so the last one sees it complete
      const bstate = await this.broadcasts.lockState(m, call.tenant_id, call.broadcast_id);
      const retry =
        bstate !== 'cancelled' &&
        outcome !== 'completed' &&
        cfg.retry.on.includes(outcome) &&
        call.attempts < cfg.retry.attempts;
      const state: CallState = retry ? 'queued' : outcome;
      const applied = await this.calls.finish(
        m,
        call,
        this.settings.replicaId,
        state,
        reason ?? (retry ? outcome : null),
        retry ? cfg.retry.intervalS : 0,
      );
      // the lease was lost (swept): the sweeper already decided this attempt
      if (!applied) return;
      const events: NewEvent[] = [
        callEvent(call, state, call.attempts, retry ? `retry after ${outcome}` : reason),
      ];
      if (!retry) await this.completeBroadcasts(m, call.tenant_id, [call.broadcast_id], events);
      await this.events.publish(m, events);
    });
  }

  /** Broadcasts of `ids` whose calls are all final become completed (a cancelled one stays cancelled). */
  private async completeBroadcasts(
    m: EntityManager,
    tenantId: string,
    ids: string[],
    events: NewEvent[],
  ): Promise<void> {
    if (!ids.length) return;
    // lock first, then look: the update's snapshot sees every finish committed before the lock
    const done = await this.broadcasts.completeIfDone(m, tenantId, ids);
    for (const b of done) events.push(broadcastEvent(tenantId, b, 'completed'));
  }

  /** Renews the leases of the calls in flight here; one renewal at a time (a slow one is not doubled). */
  private renewLeases(): Promise<void> {
    if (this.renewing || !this.inFlight.size) return this.renewing ?? Promise.resolve();
    const held = [...this.inFlight.values()].map((f) => f.call);
    this.renewing = this.calls
      .renewLeases(this.settings.replicaId, this.settings.leaseMs, held)
      .catch((e: Error) => this.log.warn(`lease renewal failed: ${e.message}`))
      .finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  /**
   * Calls whose lease lapsed: their replica died (or lost the database) mid-call. The attempt may have
   * been dialed, so it is never dialed again: failed, or queued as the next attempt per the retry policy.
   * Calls this replica still has in flight are left to it (it is alive, its final write is on the way).
   * Broadcast rows are locked before call rows, as a final write locks them.
   */
  async sweepLapsed(): Promise<number> {
    const held = [...this.inFlight.keys()];
    const owner = this.settings.replicaId;
    const broadcasts = await this.gate.run(() => this.calls.lapsedBroadcasts(owner, held));
    if (!broadcasts.length) return 0;
    return this.gate.run(() =>
      this.ds.transaction(async (m) => {
        const lapsed = await this.calls.lockLapsed(m, owner, held, broadcasts);
        const events: NewEvent[] = [];
        const byTenant = new Map<string, Set<string>>();
        for (const c of lapsed) {
          const retry = c.doc ? parseAppDoc(c.doc).retry : null;
          const again =
            !!retry && c.bstate !== 'cancelled' && retry.on.includes('failed') && c.attempts < retry.attempts;
          await this.calls.expireLease(m, c.tenant_id, c.id, again, retry?.intervalS ?? 0);
          events.push(callEvent(c, again ? 'queued' : 'failed', c.attempts, 'lease_expired'));
          if (!again) {
            const s = byTenant.get(c.tenant_id) ?? new Set<string>();
            s.add(c.broadcast_id);
            byTenant.set(c.tenant_id, s);
          }
        }
        for (const [t, ids] of byTenant) await this.completeBroadcasts(m, t, [...ids], events);
        await this.events.publish(m, events);
        return lapsed.length;
      }),
    );
  }
}
