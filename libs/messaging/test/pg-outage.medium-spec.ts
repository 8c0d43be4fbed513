// PostgreSQL going away under the outbox relay and an event consumer (issue 25, item 13): a terminated
// LISTEN connection or a whole server restart must not end the process (pg emits 'error' on a client
// nobody listens to), LISTEN comes back by itself, and an event met by the outage is handled once the
// database is back, never parked for it.
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { connect, NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { defineEvent, EventEnvelope, eventSubject, newEvent, payload } from '@voxmail/contracts';
import { createDataSource, isDatabaseUnavailable, outboxTablesUp } from '@voxmail/persistence';
import { PrivatePostgres, startPrivatePostgres } from '@voxmail/testing';
import { appendEvents, ensureEventStream, EventConsumer, OutboxRelay } from '../src';

jest.setTimeout(120_000);

const tenant = randomBytes(16).toString('hex');
let nc: NatsConnection;
/** Errors that reached no handler: pg's unhandled 'error' event lands here, and fails the test. */
const uncaught: Error[] = [];
const onUncaught = (e: Error) => uncaught.push(e);

const probe = (type: string, aggregateId: string) =>
  newEvent(
    defineEvent(type, {
      summary: 'test probe',
      producer: 'message-service',
      data: payload({ required: {}, open: true }),
    }),
    { tenantId: tenant, aggregateId, data: {} },
  );

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`${what} not within ${timeoutMs} ms (${String(last ?? '')})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The stream's copies of events of `type` (a fresh ephemeral consumer reads them all). */
async function published(type: string): Promise<EventEnvelope[]> {
  const consumer = await nc.jetstream().consumers.get('VOXMAIL_EVENTS', {
    filterSubjects: eventSubject(tenant, type),
  });
  const got: EventEnvelope[] = [];
  const batch = await consumer.fetch({ max_messages: 100, expires: 1000 });
  for await (const m of batch) got.push(m.json<EventEnvelope>());
  return got;
}

async function schemaOn(url: string): Promise<{ ds: DataSource; schema: string }> {
  const schema = `pgout_${randomBytes(4).toString('hex')}`;
  const ds = createDataSource({ url, schema, entities: [], migrations: [] });
  await ds.initialize();
  await ds.query(`CREATE SCHEMA "${schema}"`);
  for (const sql of outboxTablesUp(schema)) await ds.query(sql);
  await ds.query(`CREATE TABLE "${schema}".handled (event_id text)`);
  return { ds, schema };
}

const listenerPids = (ds: DataSource, schema: string): Promise<{ pid: number }[]> =>
  ds.query(`SELECT pid FROM pg_stat_activity WHERE query = $1 AND datname = current_database()`, [
    `LISTEN voxmail_outbox_${schema}`,
  ]);

beforeAll(async () => {
  process.on('uncaughtException', onUncaught);
  nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  await ensureEventStream(await nc.jetstreamManager());
});

afterAll(async () => {
  process.removeListener('uncaughtException', onUncaught);
  await nc?.close();
});

it('the relay outlives its LISTEN connection being terminated and listens again by itself', async () => {
  const { ds, schema } = await schemaOn(process.env.DATABASE_URL!);
  // polling once a minute: only a working LISTEN publishes within the test's deadlines
  const relay = new OutboxRelay(ds, schema, nc, { pollMs: 60_000 });
  await relay.start();
  try {
    const [{ pid }] = await until('the LISTEN connection', async () => {
      const rows = await listenerPids(ds, schema);
      return rows.length ? rows : undefined;
    });
    await ds.query('SELECT pg_terminate_backend($1)', [pid]);
    await until('the relay to notice', async () => !relay.listening);
    const [again] = await until('LISTEN again', async () => {
      const rows = await listenerPids(ds, schema);
      return rows.length && rows[0].pid !== pid ? rows : undefined;
    });
    expect(again.pid).not.toBe(pid);
    expect(relay.listening).toBe(true);
    const type = `relisten${randomBytes(3).toString('hex')}.happened`;
    await ds.transaction((m) => appendEvents(m, schema, [probe(type, 'a')]));
    const got = await until(
      'the event published on NOTIFY',
      async () => {
        const e = await published(type);
        return e.length ? e : undefined;
      },
      10_000,
    );
    expect(got).toHaveLength(1);
    expect(uncaught).toEqual([]);
  } finally {
    await relay.stop();
    await ds.query(`DROP SCHEMA "${schema}" CASCADE`).catch(() => undefined);
    await ds.destroy();
  }
});

describe('a PostgreSQL restart (a private server, stopped and started again)', () => {
  let pg: PrivatePostgres;
  beforeAll(async () => {
    pg = await startPrivatePostgres(tmpdir());
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('nothing crashes, an event met by the outage is handled after it (not parked), the relay resumes', async () => {
    const { ds, schema } = await schemaOn(pg.url);
    const relay = new OutboxRelay(ds, schema, nc, { pollMs: 200 });
    const type = `outage${randomBytes(3).toString('hex')}.happened`;
    const durable = `test_outage_${randomBytes(3).toString('hex')}`;
    const consumer = new EventConsumer(
      nc,
      ds,
      schema,
      // two deliveries before parking: the outage below outlasts many more
      { durable, filterSubjects: [`voxmail.evt.*.${type}`], maxDeliveries: 2 },
      async (e, m) => {
        await m.query(`INSERT INTO "${schema}".handled (event_id) VALUES ($1)`, [e.id]);
      },
    );
    await relay.start();
    await consumer.start();
    try {
      await until('LISTEN', async () => relay.listening);
      await pg.stopServer('fast');
      await until('the relay to notice', async () => !relay.listening);
      // a connection attempt meanwhile fails as an outage
      const refused = await ds.query('SELECT 1').catch((e: unknown) => e);
      expect(isDatabaseUnavailable(refused)).toBe(true);
      // an event arrives while the database is down, and is delivered (and fails) several times
      const id = randomUUID();
      await nc.jetstream().publish(
        eventSubject(tenant, type),
        JSON.stringify({
          id,
          type,
          version: 1,
          tenantId: tenant,
          aggregateId: 'x',
          occurredAt: new Date().toISOString(),
          data: {},
        }),
      );
      await new Promise((r) => setTimeout(r, 7000));
      await pg.startServer();

      const handled = await until(
        'the event handled after the outage',
        async () => {
          const rows: { event_id: string }[] = await ds.query(
            `SELECT event_id FROM "${schema}".handled WHERE event_id = $1`,
            [id],
          );
          return rows.length ? rows : undefined;
        },
        30_000,
      );
      expect(handled).toHaveLength(1);
      const parked = await ds.query(`SELECT event_id FROM "${schema}".parked_events`);
      expect(parked).toEqual([]);

      await until('LISTEN again', async () => relay.listening, 30_000);
      await ds.transaction((m) => appendEvents(m, schema, [probe(type, 'after')]));
      const got = await until('an event committed after the restart published', async () => {
        const e = await published(type);
        return e.some((x) => x.aggregateId === 'after') ? e : undefined;
      });
      expect(got.filter((x) => x.aggregateId === 'after')).toHaveLength(1);
      expect(uncaught).toEqual([]);
    } finally {
      await consumer.stop();
      await relay.stop();
      await (await nc.jetstreamManager()).consumers.delete('VOXMAIL_EVENTS', durable).catch(() => undefined);
      await ds.destroy().catch(() => undefined);
    }
  });
});
