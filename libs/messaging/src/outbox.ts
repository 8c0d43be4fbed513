// Transactional outbox: events are rows written with the state change, then relayed to JetStream.
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { headers as natsHeaders, JetStreamClient, NatsConnection } from 'nats';
import type { PoolClient, Pool } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { isDatabaseUnavailable } from '@voxmail/persistence';
import {
  DataOf,
  DomainError,
  ErrorCode,
  EventDef,
  EventEnvelope,
  Events,
  eventSubject,
  newEvent,
  NewEvent,
  withPreviousVersions,
} from '@voxmail/contracts';
import { Metrics } from './metrics';
import { currentRequestId, REQUEST_ID_HEADER } from './request-context';

const channelOf = (schema: string) => `voxmail_outbox_${schema}`;
/** The LISTEN connection is made again after a loss: first after this, doubling up to the max. */
const LISTEN_RETRY_FIRST_MS = 250;
const LISTEN_RETRY_MAX_MS = 10_000;

/**
 * Writes events (built by `newEvent(Events.X, ...)`) in the caller's transaction; they become visible to
 * the relay when it commits.
 */
export async function appendEvents(
  manager: EntityManager,
  schema: string,
  events: NewEvent[],
): Promise<EventEnvelope[]> {
  const requestId = currentRequestId();
  const out: EventEnvelope[] = [];
  // during a deprecation release an event is also published in its previous version (event-versions.ts)
  for (const { event: e, legacyOfIndex } of withPreviousVersions(events)) {
    const envelope: EventEnvelope = {
      id: randomUUID(),
      type: e.type,
      version: e.version ?? 1,
      tenantId: e.tenantId,
      aggregateId: e.aggregateId,
      occurredAt: new Date().toISOString(),
      ...(requestId ? { requestId } : {}),
      // the registry types each event's data as an object; the envelope keeps it as the producer built it
      data: e.data as Record<string, unknown>,
      ...(legacyOfIndex !== undefined ? { legacyOf: out[legacyOfIndex].id } : {}),
    };
    await manager.query(`INSERT INTO "${schema}".outbox (id, subject, envelope) VALUES ($1, $2, $3)`, [
      envelope.id,
      eventSubject(e.tenantId, e.type),
      JSON.stringify(envelope),
    ]);
    out.push(envelope);
  }
  if (events.length) await manager.query('SELECT pg_notify($1, $2)', [channelOf(schema), '']);
  return out;
}

/**
 * Announces a create refused over one of the account's quotas (`quota.exceeded`, from the error's details)
 * in a transaction of its own, after the refused one rolled back; any other error is left alone. Never
 * throws: the refusal is what the client is told.
 */
export async function announceQuotaRefusal(
  ds: DataSource,
  schema: string,
  tenantId: string,
  e: unknown,
): Promise<void> {
  if (!(e instanceof DomainError) || e.code !== ErrorCode.QuotaExceeded || !e.details) return;
  const event = quotaExceededEvent(tenantId, e.details);
  await ds.transaction((m) => appendEvents(m, schema, [event])).catch(() => undefined);
}

/** `quota.exceeded` of a refusal's details (`{quota, limit, used, requested}`, as a quota check throws them). */
export function quotaExceededEvent(tenantId: string, d: Record<string, unknown>) {
  return newEvent(Events.QuotaExceeded, {
    tenantId,
    aggregateId: tenantId,
    data: {
      quota: String(d.quota),
      limit: Number(d.limit),
      used: Number(d.used),
      requested: Number(d.requested),
    },
  });
}

/** Writes one event of the registry, typed by its definition, in the caller's transaction. */
export function appendEvent<E extends EventDef>(
  manager: EntityManager,
  schema: string,
  def: E,
  e: { tenantId: string; aggregateId: string; data: DataOf<E> },
): Promise<EventEnvelope[]> {
  return appendEvents(manager, schema, [newEvent(def, e)]);
}

interface OutboxRow {
  id: string;
  subject: string;
  envelope: EventEnvelope;
  attempts: number;
}

export interface RelayOptions {
  batchSize?: number;
  /** How often to look for rows when no notification arrives (also the retry tick). */
  pollMs?: number;
  /** How long published rows are kept for inspection before being deleted. */
  keepPublishedMs?: number;
  /**
   * How long JetStream's ack is awaited before the row is tried again (deduplicated by its id). Short,
   * so a node that died with the publish in flight costs seconds, not the default 5 s per attempt.
   */
  publishTimeoutMs?: number;
}

/**
 * Publishes unpublished outbox rows in order. Several replicas may run it: rows are locked with
 * FOR UPDATE SKIP LOCKED, and a transaction-scoped advisory lock lets one replica relay a schema at a
 * time, which keeps events in commit order per schema. A row is marked published only after
 * JetStream acknowledged it; its id is the Nats-Msg-Id, so a re-publish after a crash is dropped.
 */
export class OutboxRelay {
  private readonly log: Logger;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private listener?: PoolClient;
  private dropListener?: (e?: Error) => void;
  private listenTimer?: NodeJS.Timeout;
  private listenDelayMs = LISTEN_RETRY_FIRST_MS;
  private readonly js: JetStreamClient;
  private readonly o: Required<RelayOptions>;
  private lastCleanup = 0;
  private databaseAway = false;
  private kicked = false;

  constructor(
    private readonly ds: DataSource,
    private readonly schema: string,
    nc: NatsConnection,
    options: RelayOptions = {},
  ) {
    this.js = nc.jetstream();
    this.log = new Logger(`OutboxRelay(${schema})`);
    this.o = {
      batchSize: 100,
      pollMs: 500,
      keepPublishedMs: 24 * 3600 * 1000,
      publishTimeoutMs: 2000,
      ...options,
    };
  }

  get isRunning(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.listen();
    } catch (e) {
      this.log.warn(`LISTEN unavailable, polling until it is back: ${(e as Error).message}`);
      this.scheduleListen();
    }
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.listenTimer);
    this.listenTimer = undefined;
    this.kick();
    await this.loop;
    const listener = this.listener;
    const drop = this.dropListener;
    this.listener = undefined;
    if (listener && drop) {
      const ok = await listener.query(`UNLISTEN ${channelOf(this.schema)}`).then(
        () => true,
        () => false,
      );
      drop(ok ? undefined : new Error('UNLISTEN failed'));
    }
  }

  /** Whether the relay hears commits at once (a LISTEN connection is up); otherwise it polls. */
  get listening(): boolean {
    return this.listener !== undefined;
  }

  /**
   * A pool connection kept for LISTEN. PostgreSQL going away (a restart, a terminated backend) is an
   * 'error' event on it: without a listener that event would end the process. It is handled here: the
   * connection is dropped, the relay polls meanwhile, and LISTEN is made again with backoff.
   */
  private async listen(): Promise<void> {
    const pool = (this.ds.driver as unknown as { master: Pool }).master;
    const client = await pool.connect();
    let released = false;
    /** Back to the pool when healthy, destroyed after an error; once only (pg-pool throws otherwise). */
    const drop = (e?: Error) => {
      if (released) return;
      released = true;
      client.release(e);
    };
    client.on('error', (e: Error) => {
      if (this.listener === client) {
        this.listener = undefined;
        this.log.warn(`LISTEN connection lost, polling until it is back: ${e.message}`);
        this.scheduleListen();
      }
      drop(e);
    });
    client.on('notification', () => this.kick());
    try {
      await client.query(`LISTEN ${channelOf(this.schema)}`);
    } catch (e) {
      drop(e as Error);
      throw e;
    }
    if (!this.running) {
      drop();
      return;
    }
    this.listener = client;
    this.dropListener = drop;
    this.listenDelayMs = LISTEN_RETRY_FIRST_MS;
    // what committed while nobody listened is published now rather than at the next poll
    this.kick();
  }

  private scheduleListen(): void {
    if (!this.running || this.listenTimer) return;
    const delay = this.listenDelayMs;
    this.listenDelayMs = Math.min(LISTEN_RETRY_MAX_MS, delay * 2);
    this.listenTimer = setTimeout(() => {
      this.listenTimer = undefined;
      if (!this.running || this.listener) return;
      this.listen().catch((e: Error) => {
        this.log.warn(`LISTEN not back yet (next try in ${this.listenDelayMs} ms): ${e.message}`);
        this.scheduleListen();
      });
    }, delay);
  }

  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let published = 0;
      let failed = false;
      // a commit notified while this batch runs gets a batch of its own; without one, a batch that was
      // not full leaves nothing behind, so the relay waits for the next notification (or poll) instead
      // of running an empty batch after every one (issue 26: the relay's share of each write)
      this.kicked = false;
      try {
        published = await this.relayBatch();
        await this.cleanup();
        this.databaseAway = false;
      } catch (e) {
        // an outage is said once, not at every poll, until a batch goes through again
        failed = true;
        const away = isDatabaseUnavailable(e);
        if (!away) this.log.error(`relay batch failed: ${(e as Error).message}`);
        else if (!this.databaseAway) this.log.warn(`database unavailable, retrying: ${(e as Error).message}`);
        this.databaseAway = away;
      }
      if ((failed || (published < this.o.batchSize && !this.kicked)) && this.running) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.o.pollMs);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }

  /** Publishes one batch; returns how many rows were published. */
  async relayBatch(): Promise<number> {
    return this.ds.transaction(async (m) => {
      const [{ locked }] = await m.query('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked', [
        `voxmail-outbox:${this.schema}`,
      ]);
      if (!locked) return 0;
      const rows: OutboxRow[] = await m.query(
        `SELECT id, subject, envelope, attempts FROM "${this.schema}".outbox
          WHERE published_at IS NULL AND next_attempt_at <= now()
          ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.o.batchSize],
      );
      const done: string[] = [];
      for (const row of rows) {
        try {
          const h = natsHeaders();
          if (row.envelope.requestId) h.set(REQUEST_ID_HEADER, row.envelope.requestId);
          await this.js.publish(row.subject, JSON.stringify(row.envelope), {
            msgID: row.id,
            headers: h,
            timeout: this.o.publishTimeoutMs,
          });
          done.push(row.id);
        } catch (e) {
          Metrics.outboxFailures.inc({ schema: this.schema });
          const backoffMs = Math.min(30000, 250 * 2 ** Math.min(row.attempts, 7));
          await m.query(
            `UPDATE "${this.schema}".outbox SET attempts = attempts + 1, last_error = $2,
               next_attempt_at = now() + ($3 || ' milliseconds')::interval WHERE id = $1`,
            [row.id, String((e as Error).message).slice(0, 500), String(backoffMs)],
          );
          this.log.warn(
            `publish of ${row.subject} failed (attempt ${row.attempts + 1}): ${(e as Error).message}`,
          );
          break; // keep order: later rows wait for this one
        }
      }
      if (done.length) {
        await m.query(`UPDATE "${this.schema}".outbox SET published_at = now() WHERE id = ANY($1::uuid[])`, [
          done,
        ]);
        Metrics.outboxPublished.inc({ schema: this.schema }, done.length);
      }
      return done.length;
    });
  }

  private async cleanup(): Promise<void> {
    const now = Date.now();
    if (now - this.lastCleanup < 60000) return;
    this.lastCleanup = now;
    await this.ds.query(
      `DELETE FROM "${this.schema}".outbox WHERE published_at < now() - ($1 || ' milliseconds')::interval`,
      [String(this.o.keepPublishedMs)],
    );
  }
}
