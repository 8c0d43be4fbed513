// dialer.calls, the dialer's work queue (one row per call: claimed FOR UPDATE SKIP LOCKED under a lease,
// renewed while it runs, swept when it lapses), and dialer.dial_log (one row per call and attempt).
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CallState, JsonObject } from '@voxmail/contracts';

/**
 * The rows of an UPDATE or DELETE ... RETURNING: TypeORM's `query` answers those as `[rows, affected]` and
 * SELECT/INSERT as rows.
 */
export async function returning<T>(
  m: EntityManager | DataSource,
  sql: string,
  params: unknown[],
): Promise<T[]> {
  const r: unknown = await m.query(sql, params);
  if (Array.isArray(r) && r.length === 2 && Array.isArray(r[0]) && typeof r[1] === 'number')
    return r[0] as T[];
  return r as T[];
}

/** A claimed call with what dialing it needs from its broadcast. */
export interface ClaimedCall {
  tenant_id: string;
  id: string;
  broadcast_id: string;
  app_id: string;
  callee: string;
  attempts: number;
  file_id: string;
  display_num: string | null;
  max_duration: number | null;
  max_ringing_time: number;
  loop_count: number;
  prompt_ms: number | null;
  prompt_id: string | null;
}

export interface CallPageRow {
  id: string;
  callee: string;
  state: CallState;
  attempts: number;
  updated_at: Date;
  seq: number;
}

export interface CallRecordRow {
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
}

export type LapsedCall = ClaimedCall & { doc: JsonObject | null; bstate: string };

const ACTIVE = `('dialing', 'ringing', 'answered')`;

@Injectable()
export class CallsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** A new broadcast's calls, queued: one statement for the whole batch (1000 calls are one round trip). */
  async insertQueued(
    m: EntityManager,
    tenantId: string,
    broadcastId: string,
    appId: string,
    ids: string[],
    callees: string[],
  ): Promise<void> {
    await m.query(
      `INSERT INTO dialer.calls (tenant_id, id, broadcast_id, app_id, seq, callee, state)
         SELECT $1, v.id, $2, $3, v.seq, v.callee, 'queued'
           FROM unnest($4::text[], $5::text[]) WITH ORDINALITY AS v(id, callee, seq)`,
      [tenantId, broadcastId, appId, ids, callees],
    );
  }

  countsByState(
    m: EntityManager | DataSource,
    tenantId: string,
    broadcastId: string,
  ): Promise<{ state: CallState; n: string }[]> {
    return m.query(
      `SELECT state, count(*) AS n FROM dialer.calls WHERE tenant_id = $1 AND broadcast_id = $2 GROUP BY state`,
      [tenantId, broadcastId],
    );
  }

  /** Up to `limit` calls of a broadcast after `afterSeq`, in `state` if given. */
  page(
    tenantId: string,
    broadcastId: string,
    afterSeq: number,
    state: CallState | null,
    limit: number,
  ): Promise<CallPageRow[]> {
    return this.ds.query(
      `SELECT id, callee, state, attempts, updated_at, seq FROM dialer.calls
          WHERE tenant_id = $1 AND broadcast_id = $2 AND seq > $3 AND ($4::text IS NULL OR state = $4)
          ORDER BY seq LIMIT $5`,
      [tenantId, broadcastId, afterSeq, state, limit],
    );
  }

  /** One call with its broadcast, as an Onbuka record reports it. */
  async record(tenantId: string, voiceId: string): Promise<CallRecordRow | undefined> {
    const rows: CallRecordRow[] = await this.ds.query(
      `SELECT c.callee, c.state, b.display_num, b.file_id, b.called_info, b.created_at AS submitted,
              c.called_at, c.ringing_at, c.answered_at, c.ended_at
         FROM dialer.calls c JOIN dialer.broadcasts b ON b.tenant_id = c.tenant_id AND b.id = c.broadcast_id
        WHERE c.tenant_id = $1 AND c.id = $2`,
      [tenantId, voiceId],
    );
    return rows[0];
  }

  /**
   * The calls of the tenant's broadcasts submitted in [from, to], in submission order, a page at a time
   * (the broadcasts' (tenant, created_at) index, then each one's calls by seq), with their count.
   */
  async recordsBetween(
    tenantId: string,
    from: Date,
    to: Date,
    limit: number,
    offset: number,
  ): Promise<{ total: number; rows: (CallRecordRow & { voice_id: string })[] }> {
    const counted: { n: string }[] = await this.ds.query(
      `SELECT count(*) AS n
         FROM dialer.broadcasts b JOIN dialer.calls c ON c.tenant_id = b.tenant_id AND c.broadcast_id = b.id
        WHERE b.tenant_id = $1 AND b.created_at >= $2 AND b.created_at <= $3`,
      [tenantId, from, to],
    );
    const total = Number(counted[0]?.n ?? 0);
    if (offset >= total) return { total, rows: [] };
    const rows: (CallRecordRow & { voice_id: string })[] = await this.ds.query(
      `SELECT c.id AS voice_id, c.callee, c.state, b.display_num, b.file_id, b.called_info,
              b.created_at AS submitted, c.called_at, c.ringing_at, c.answered_at, c.ended_at
         FROM dialer.broadcasts b JOIN dialer.calls c ON c.tenant_id = b.tenant_id AND c.broadcast_id = b.id
        WHERE b.tenant_id = $1 AND b.created_at >= $2 AND b.created_at <= $3
        ORDER BY b.created_at, b.id, c.seq
        LIMIT $4 OFFSET $5`,
      [tenantId, from, to, limit, offset],
    );
    return { total, rows };
  }

  /**
   * Locks a broadcast's queued calls (waiting for a claim that has some: those become dialing). A cancel
   * takes them before the broadcast row, as a claim does (its calls, then their broadcast): the two never
   * wait for each other in a circle.
   */
  async lockQueued(m: EntityManager, tenantId: string, broadcastId: string): Promise<void> {
    await m.query(
      `SELECT 1 FROM dialer.calls WHERE tenant_id = $1 AND broadcast_id = $2 AND state = 'queued'
          ORDER BY tenant_id, id FOR UPDATE`,
      [tenantId, broadcastId],
    );
  }

  /** Cancels a broadcast's queued calls; the cancelled ones. */
  cancelQueued(
    m: EntityManager,
    tenantId: string,
    broadcastId: string,
  ): Promise<{ id: string; callee: string; attempts: number }[]> {
    return returning<{ id: string; callee: string; attempts: number }>(
      m,
      `UPDATE dialer.calls SET state = 'cancelled', updated_at = now()
          WHERE tenant_id = $1 AND broadcast_id = $2 AND state = 'queued' RETURNING id, callee, attempts`,
      [tenantId, broadcastId],
    );
  }

  /**
   * The apps with calls due, each with its account's plan weight. A skip scan over the due index walks
   * the distinct (account, app) pairs, one index probe each, so an account with 20,000 queued calls costs
   * what one with a single call does, and every account with due calls is seen (none hides another).
   */
  dueApps(): Promise<{ tenant_id: string; app_id: string; weight: number }[]> {
    return this.ds.query(
      `WITH RECURSIVE pairs AS (
           (SELECT tenant_id, app_id FROM dialer.calls WHERE state = 'queued' ORDER BY tenant_id, app_id LIMIT 1)
         UNION ALL
           SELECT n.tenant_id, n.app_id FROM pairs p, LATERAL (
             SELECT c.tenant_id, c.app_id FROM dialer.calls c
              WHERE c.state = 'queued' AND (c.tenant_id, c.app_id) > (p.tenant_id, p.app_id)
              ORDER BY c.tenant_id, c.app_id LIMIT 1) n
       )
       SELECT p.tenant_id, p.app_id, coalesce(l.weight, 1)::int AS weight
         FROM pairs p LEFT JOIN dialer.account_limits l ON l.tenant_id = p.tenant_id
        WHERE EXISTS (SELECT 1 FROM dialer.calls c WHERE c.tenant_id = p.tenant_id AND c.app_id = p.app_id
                        AND c.state = 'queued' AND c.next_at <= now())
        LIMIT 2000`,
    );
  }

  /** The queued calls of a deleted app: failed. */
  failQueuedOfApp(m: EntityManager, tenantId: string, appId: string): Promise<ClaimedCall[]> {
    return returning<ClaimedCall>(
      m,
      `UPDATE dialer.calls SET state = 'failed', reason = 'app_deleted', updated_at = now()
            WHERE tenant_id = $1 AND app_id = $2 AND state = 'queued' RETURNING *`,
      [tenantId, appId],
    );
  }

  /** Outside the calling window: the app's due calls are looked at again in a minute. */
  async deferDue(m: EntityManager, tenantId: string, appId: string): Promise<void> {
    await m.query(
      `UPDATE dialer.calls SET next_at = now() + interval '60 seconds'
            WHERE tenant_id = $1 AND app_id = $2 AND state = 'queued' AND next_at <= now()`,
      [tenantId, appId],
    );
  }

  /** The app's calls in progress. */
  async countActive(m: EntityManager, tenantId: string, appId: string): Promise<number> {
    const [{ n: active }]: { n: number }[] = await m.query(
      `SELECT count(*)::int AS n FROM dialer.calls WHERE tenant_id = $1 AND app_id = $2 AND state IN ${ACTIVE}`,
      [tenantId, appId],
    );
    return active;
  }

  /** Locks up to `k` due calls of the app (others' locked ones skipped), each with whether it is on the DNC list. */
  pickDue(
    m: EntityManager,
    tenantId: string,
    appId: string,
    k: number,
  ): Promise<(ClaimedCall & { dnc: boolean })[]> {
    return m.query(
      `SELECT c.tenant_id, c.id, c.broadcast_id, c.app_id, c.callee, c.attempts,
                  EXISTS (SELECT 1 FROM dialer.dnc_numbers d WHERE d.tenant_id = c.tenant_id AND d.number = c.callee) AS dnc
             FROM dialer.calls c
            WHERE c.tenant_id = $1 AND c.app_id = $2 AND c.state = 'queued' AND c.next_at <= now()
            ORDER BY c.next_at, c.seq LIMIT $3 FOR UPDATE OF c SKIP LOCKED`,
      [tenantId, appId, k],
    );
  }

  async rejectDnc(m: EntityManager, tenantId: string, ids: string[]): Promise<void> {
    await m.query(
      `UPDATE dialer.calls SET state = 'rejected_dnc', updated_at = now() WHERE tenant_id = $1 AND id = ANY($2::text[])`,
      [tenantId, ids],
    );
  }

  /** The picked calls become this replica's (`owner`), dialing under a lease of `leaseMs`, as a next attempt. */
  startDialing(
    m: EntityManager,
    tenantId: string,
    ids: string[],
    owner: string,
    leaseMs: number,
  ): Promise<ClaimedCall[]> {
    return returning<ClaimedCall>(
      m,
      `UPDATE dialer.calls c SET state = 'dialing', attempts = c.attempts + 1, lease_owner = $3,
                    lease_until = now() + ($4 || ' milliseconds')::interval, updated_at = now(),
                    called_at = now(), ringing_at = NULL, answered_at = NULL, ended_at = NULL
               FROM dialer.broadcasts b
              WHERE c.tenant_id = $1 AND c.id = ANY($2::text[]) AND b.tenant_id = c.tenant_id AND b.id = c.broadcast_id
              RETURNING c.tenant_id, c.id, c.broadcast_id, c.app_id, c.callee, c.attempts, b.file_id, b.display_num,
                        b.max_duration, b.max_ringing_time, b.loop_count, b.prompt_ms, b.prompt_id`,
      [tenantId, ids, owner, String(leaseMs)],
    );
  }

  /** At most once per attempt: a second claim of the same attempt would break this key. */
  async logDials(m: EntityManager, tenantId: string, calls: ClaimedCall[], replica: string): Promise<void> {
    await m.query(
      `INSERT INTO dialer.dial_log (tenant_id, call_id, attempt, replica)
             SELECT $1, unnest($2::text[]), unnest($3::int[]), $4`,
      [tenantId, calls.map((c) => c.id), calls.map((c) => c.attempts), replica],
    );
  }

  /** A state change of a call `owner` holds (fenced by owner and attempt); whether it applied. */
  async progress(m: EntityManager, call: ClaimedCall, owner: string, state: CallState): Promise<boolean> {
    const rows = await returning<unknown>(
      m,
      `UPDATE dialer.calls SET state = $5, updated_at = now(),
                ringing_at = CASE WHEN $5 = 'ringing' THEN now() ELSE ringing_at END,
                answered_at = CASE WHEN $5 = 'answered' THEN now() ELSE answered_at END
          WHERE tenant_id = $1 AND id = $2 AND lease_owner = $3 AND attempts = $4 AND state IN ${ACTIVE}
          RETURNING 1`,
      [call.tenant_id, call.id, owner, call.attempts, state],
    );
    return rows.length > 0;
  }

  /**
   * The end of an attempt `owner` holds (fenced by owner and attempt): `state` (queued again after
   * `retryInS` for a retry); false when the lease was lost.
   */
  async finish(
    m: EntityManager,
    call: ClaimedCall,
    owner: string,
    state: CallState,
    reason: string | null,
    retryInS: number,
  ): Promise<boolean> {
    const rows = await returning<unknown>(
      m,
      `UPDATE dialer.calls SET state = $5, reason = $6, lease_owner = NULL, lease_until = NULL, updated_at = now(),
                ended_at = CASE WHEN $5 = 'queued' THEN NULL ELSE now() END, next_at = now() + ($7 || ' seconds')::interval
          WHERE tenant_id = $1 AND id = $2 AND lease_owner = $3 AND attempts = $4 AND state IN ${ACTIVE}
          RETURNING 1`,
      [call.tenant_id, call.id, owner, call.attempts, state, reason, String(retryInS)],
    );
    return rows.length > 0;
  }

  /**
   * Renews the leases of the calls this replica holds (`held`: each call's tenant, id and attempt), and of
   * no other row it may still be named owner of. Rows locked in one order and locked ones skipped: a
   * final write or a sweep that has the row is ending it, and the renewal never waits for them (nor
   * deadlocks with them); a row skipped now is renewed next time.
   */
  async renewLeases(
    owner: string,
    leaseMs: number,
    held: { tenant_id: string; id: string; attempts: number }[],
  ): Promise<void> {
    if (!held.length) return;
    await this.ds.query(
      `UPDATE dialer.calls c SET lease_until = now() + ($2 || ' milliseconds')::interval
         FROM (SELECT k.tenant_id, k.id FROM dialer.calls k
                 JOIN unnest($3::char(32)[], $4::text[], $5::int[]) AS h(tenant_id, id, attempts)
                   ON k.tenant_id = h.tenant_id AND k.id = h.id AND k.attempts = h.attempts
                WHERE k.lease_owner = $1 AND k.state IN ${ACTIVE}
                ORDER BY k.tenant_id, k.id FOR UPDATE OF k SKIP LOCKED) l
        WHERE c.tenant_id = l.tenant_id AND c.id = l.id`,
      [
        owner,
        String(leaseMs),
        held.map((c) => c.tenant_id),
        held.map((c) => c.id),
        held.map((c) => c.attempts),
      ],
    );
  }

  /**
   * Up to 50 broadcasts with calls whose lease lapsed (nothing locked), but for the calls `owner` still
   * holds (`held`: `tenant/id`): this replica is alive and ends those itself.
   */
  lapsedBroadcasts(owner: string, held: string[]): Promise<{ tenant_id: string; broadcast_id: string }[]> {
    return this.ds.query(
      `SELECT DISTINCT tenant_id, broadcast_id FROM dialer.calls
          WHERE state IN ${ACTIVE} AND lease_until < now()
            AND NOT (lease_owner IS NOT DISTINCT FROM $1 AND tenant_id || '/' || id = ANY($2::text[]))
          LIMIT 50`,
      [owner, held],
    );
  }

  /**
   * Locks the broadcasts (in one order: every writer locks a broadcast before its calls), then up to 200
   * of their calls whose lease lapsed (others' locked ones skipped, and those `owner` still holds), with
   * their app and broadcast state.
   */
  async lockLapsed(
    m: EntityManager,
    owner: string,
    held: string[],
    broadcasts: { tenant_id: string; broadcast_id: string }[],
  ): Promise<LapsedCall[]> {
    const keys = [broadcasts.map((b) => b.tenant_id), broadcasts.map((b) => b.broadcast_id)];
    await m.query(
      `SELECT b.id FROM dialer.broadcasts b
          JOIN unnest($1::char(32)[], $2::char(32)[]) AS k(tenant_id, id) ON b.tenant_id = k.tenant_id AND b.id = k.id
         ORDER BY b.tenant_id, b.id FOR UPDATE OF b`,
      keys,
    );
    return m.query(
      `SELECT c.tenant_id, c.id, c.broadcast_id, c.app_id, c.callee, c.attempts, a.doc, b.state AS bstate
           FROM dialer.calls c
           JOIN unnest($1::char(32)[], $2::char(32)[]) AS k(tenant_id, broadcast_id)
             ON c.tenant_id = k.tenant_id AND c.broadcast_id = k.broadcast_id
           JOIN dialer.broadcasts b ON b.tenant_id = c.tenant_id AND b.id = c.broadcast_id
           LEFT JOIN dialer.apps a ON a.tenant_id = c.tenant_id AND a.id = c.app_id
          WHERE c.state IN ${ACTIVE} AND c.lease_until < now()
            AND NOT (c.lease_owner IS NOT DISTINCT FROM $3 AND c.tenant_id || '/' || c.id = ANY($4::text[]))
          ORDER BY c.tenant_id, c.id
          LIMIT 200 FOR UPDATE OF c SKIP LOCKED`,
      [...keys, owner, held],
    );
  }

  /** A lapsed call: queued again after `retryInS`, or failed. */
  async expireLease(
    m: EntityManager,
    tenantId: string,
    id: string,
    again: boolean,
    retryInS: number,
  ): Promise<void> {
    await m.query(
      `UPDATE dialer.calls SET state = $3, reason = 'lease_expired', lease_owner = NULL, lease_until = NULL,
                  updated_at = now(), ended_at = CASE WHEN $3 = 'queued' THEN NULL ELSE now() END, next_at = now() + ($4 || ' seconds')::interval
            WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id, again ? 'queued' : 'failed', String(again ? retryInS : 0)],
    );
  }
}
