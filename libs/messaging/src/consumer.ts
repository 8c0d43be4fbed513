// Durable JetStream pull consumer whose handler runs in a database transaction guarded by an inbox
// row, so each event changes state once; acked only after that transaction commits.
import { Logger } from '@nestjs/common';
import { AckPolicy, ConsumerMessages, DeliverPolicy, JsMsg, NatsConnection, nanos } from 'nats';
import { DataSource, EntityManager } from 'typeorm';
import { EVENT_SUBJECT_PREFIX, EventEnvelope, STREAM_NAME } from '@voxmail/contracts';
import { isDatabaseUnavailable } from '@voxmail/persistence';
import { Metrics } from './metrics';
import { runWithRequestContext, sanitizeRequestId } from './request-context';

/** NATS subject matching: `*` one token, `>` the rest. */
/**
 * A durable consumer's name for one deployment: `<base>-<database name>`, so replicas of a service
 * share it while two deployments (or test runs) on one NATS server with their own databases do not.
 */
export function perDatabaseDurable(base: string, databaseUrl: string): string {
  let db = 'default';
  try {
    db = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, '')) || db;
  } catch {
    /* keep the default */
  }
  return `${base}-${db.replace(/[^A-Za-z0-9_-]/g, '_')}`.slice(0, 64);
}

export function subjectMatches(filter: string, subject: string): boolean {
  const f = filter.split('.');
  const s = subject.split('.');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '>') return s.length > i;
    if (i >= s.length || (f[i] !== '*' && f[i] !== s[i])) return false;
  }
  return f.length === s.length;
}

/** How long an event released at stop waits before it is redelivered. */
const STOP_RELEASE_DELAY_MS = 1000;

/** How long an event that met a database outage waits before it is delivered again. */
const DATABASE_RETRY_DELAY_MS = 2000;

/** Thrown by a handler for an event no redelivery can mend (its payload breaks its schema): parked at once. */
export class PoisonEvent extends Error {}

/** What a handler may return: work to do once its transaction committed (e.g. wake a worker). */
export type AfterCommit = () => void;

/** Where the event sits in the stream. */
export interface EventMeta {
  streamSequence: number;
}

export type EventHandler = (
  event: EventEnvelope,
  manager: EntityManager,
  meta: EventMeta,
) => Promise<void | AfterCommit>;

export interface ConsumerOptions {
  durable: string;
  filterSubjects: string[];
  /** Deliveries before an event is parked in `<schema>.parked_events` and acked. */
  maxDeliveries?: number;
  ackWaitMs?: number;
}

export class EventConsumer {
  private readonly log: Logger;
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private stopping = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly ds: DataSource,
    private readonly schema: string,
    private readonly o: ConsumerOptions,
    private readonly handler: EventHandler,
  ) {
    this.log = new Logger(`EventConsumer(${o.durable})`);
  }

  async start(): Promise<void> {
    const jsm = await this.nc.jetstreamManager();
    // One filter subject works on every NATS 2.9+ server; several need 2.10's filter_subjects, so with
    // several the consumer takes all events and acks the ones it does not want without handling them.
    const filter =
      this.o.filterSubjects.length === 1 ? this.o.filterSubjects[0] : `${EVENT_SUBJECT_PREFIX}.>`;
    const config = {
      durable_name: this.o.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(this.o.ackWaitMs ?? 30000),
      filter_subject: filter,
      max_ack_pending: 1000,
    };
    try {
      await jsm.consumers.info(STREAM_NAME, this.o.durable);
      await jsm.consumers.update(STREAM_NAME, this.o.durable, {
        filter_subject: filter,
        ack_wait: config.ack_wait,
      });
    } catch {
      await jsm.consumers.add(STREAM_NAME, config).catch(async (e: Error) => {
        if (!/already in use|exists/.test(e.message)) throw e;
      });
    }
    const consumer = await this.nc.jetstream().consumers.get(STREAM_NAME, this.o.durable);
    this.messages = await consumer.consume({ max_messages: 64 });
    this.loop = (async () => {
      for await (const m of this.messages!) {
        // stopping: what was pulled but not handled goes back (no ack wait) for the next instance. Not at
        // once: redelivered at once, the server may hand it to this instance's pull request while it
        // still counts it waiting (the unsubscribe and the nak race), where it would wait a full ack wait
        if (this.stopping) m.nak(STOP_RELEASE_DELAY_MS);
        else await this.handle(m);
      }
    })().catch((e) => this.log.error(`consumer loop ended: ${(e as Error).message}`));
  }

  /** Stops pulling; the event in hand finishes, the rest of the pulled batch is released (nak). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.messages?.close();
    await this.loop;
  }

  private async handle(m: JsMsg): Promise<void> {
    if (!this.o.filterSubjects.some((f) => subjectMatches(f, m.subject))) {
      m.ack();
      return;
    }
    const max = this.o.maxDeliveries ?? 5;
    let event: EventEnvelope;
    try {
      event = m.json<EventEnvelope>();
    } catch {
      await this.park(m, `${m.seq}`, 'not JSON');
      return;
    }
    if (typeof event !== 'object' || event === null || typeof event.id !== 'string' || !event.id) {
      // without an id there is no inbox row to write and nothing to park it under: park it by sequence
      await this.park(m, `${m.seq}`, 'not an event envelope (no id)');
      return;
    }
    try {
      const meta: EventMeta = { streamSequence: m.seq };
      const after = await runWithRequestContext({ requestId: sanitizeRequestId(event.requestId) }, () =>
        this.ds.transaction(async (manager) => {
          const inserted: unknown[] = await manager.query(
            `INSERT INTO "${this.schema}".inbox (consumer, event_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING RETURNING event_id`,
            [this.o.durable, event.id],
          );
          return inserted.length ? await this.handler(event, manager, meta) : undefined;
        }),
      );
      m.ack();
      if (typeof after === 'function') {
        try {
          after();
        } catch (e) {
          this.log.warn(`after-commit work of ${event.type} ${event.id} failed: ${(e as Error).message}`);
        }
      }
      Metrics.eventsHandled.inc({ consumer: this.o.durable });
    } catch (e) {
      const error = (e as Error).message;
      if (isDatabaseUnavailable(e)) {
        // PostgreSQL is away (a restart): not the event's fault, so it is never parked for it; it comes
        // back after a pause, as often as it takes
        this.log.warn(`event ${event.type} ${event.id} waits for the database: ${error}`);
        m.nak(DATABASE_RETRY_DELAY_MS);
      } else if (e instanceof PoisonEvent || m.info.redeliveryCount >= max) {
        await this.park(m, event.id, error);
      } else {
        this.log.warn(
          `event ${event.type} ${event.id} failed (delivery ${m.info.redeliveryCount}): ${error}`,
        );
        m.nak(Math.min(10000, 200 * 2 ** m.info.redeliveryCount));
      }
    }
  }

  /** A poison event is kept and counted, never silently dropped. */
  private async park(m: JsMsg, eventId: string, error: string): Promise<void> {
    try {
      await this.ds.query(
        `INSERT INTO "${this.schema}".parked_events (consumer, event_id, subject, payload, deliveries, error)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [this.o.durable, eventId, m.subject, m.string(), m.info.redeliveryCount, error.slice(0, 1000)],
      );
      Metrics.eventsParked.inc({ consumer: this.o.durable });
      this.log.error(
        `event ${eventId} on ${m.subject} parked after ${m.info.redeliveryCount} deliveries: ${error}`,
      );
      m.ack();
    } catch (e) {
      this.log.error(`could not park event ${eventId}: ${(e as Error).message}`);
      m.nak(5000);
    }
  }
}
