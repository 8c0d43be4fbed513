// The outbox relay and the inbox consumer against real PostgreSQL and NATS JetStream.
import { randomBytes, randomUUID } from 'node:crypto';
import { connect, NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { defineEvent, EventEnvelope, eventSubject, newEvent, payload } from '@voxmail/contracts';
import { createDataSource, outboxTablesUp } from '@voxmail/persistence';
import { appendEvents, ensureEventStream, EventConsumer, OutboxRelay } from '../src';

const schema = `mtest_${randomBytes(4).toString('hex')}`;
const tenant = randomBytes(16).toString('hex');
let ds: DataSource;

/** An event of a probe type no service publishes: the transport is tested, not a domain event. */
const probe = (type: string, aggregateId: string, data: { i?: number } = {}) =>
  newEvent(
    defineEvent(type, {
      summary: 'test probe',
      producer: 'message-service',
      data: payload({ required: {}, open: true }),
    }),
    { tenantId: tenant, aggregateId, data },
  );
let nc: NatsConnection;

async function collect(subject: string, n: number, timeoutMs = 8000): Promise<EventEnvelope[]> {
  const got: EventEnvelope[] = [];
  const js = nc.jetstream();
  const consumer = await js.consumers.get('VOXMAIL_EVENTS', { filterSubjects: subject });
  const end = Date.now() + timeoutMs;
  while (got.length < n && Date.now() < end) {
    const batch = await consumer.fetch({ max_messages: 100, expires: 1000 });
    for await (const m of batch) {
      got.push(m.json<EventEnvelope>());
    }
  }
  // drain anything extra that would reveal a duplicate
  const extra = await consumer.fetch({ max_messages: 100, expires: 1000 });
  for await (const m of extra) got.push(m.json<EventEnvelope>());
  return got;
}

beforeAll(async () => {
  ds = createDataSource({ url: process.env.DATABASE_URL!, schema, entities: [], migrations: [] });
  await ds.initialize();
  await ds.query(`CREATE SCHEMA "${schema}"`);
  for (const sql of outboxTablesUp(schema)) await ds.query(sql);
  await ds.query(`CREATE TABLE "${schema}".handled (event_id text, n integer)`);
  nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  await ensureEventStream(await nc.jetstreamManager());
});

afterAll(async () => {
  await ds?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await ds?.destroy();
  await nc?.close();
});

it('two relays publish every committed event exactly once, in commit order', async () => {
  const type = `probe${randomBytes(3).toString('hex')}.happened`;
  for (let i = 0; i < 60; i++) {
    await ds.transaction((m) => appendEvents(m, schema, [probe(type, `a${i}`, { i })]));
  }
  const a = new OutboxRelay(ds, schema, nc, { pollMs: 50, batchSize: 7 });
  const b = new OutboxRelay(ds, schema, nc, { pollMs: 50, batchSize: 7 });
  await Promise.all([a.start(), b.start()]);
  try {
    const got = await collect(eventSubject(tenant, type), 60);
    expect(got.map((e) => e.data.i)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    const [{ n }] = await ds.query(
      `SELECT count(*)::int AS n FROM "${schema}".outbox WHERE published_at IS NULL`,
    );
    expect(n).toBe(0);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

it('a rolled-back transaction publishes nothing', async () => {
  const type = `rollback${randomBytes(3).toString('hex')}.happened`;
  await expect(
    ds.transaction(async (m) => {
      await appendEvents(m, schema, [probe(type, 'x')]);
      throw new Error('abort');
    }),
  ).rejects.toThrow('abort');
  const relay = new OutboxRelay(ds, schema, nc, { pollMs: 50 });
  await relay.start();
  try {
    const got = await collect(eventSubject(tenant, type), 1, 1500);
    expect(got).toHaveLength(0);
  } finally {
    await relay.stop();
  }
});

it('a re-published row (crash after publish, before marking) is dropped by JetStream as a duplicate', async () => {
  const type = `dup${randomBytes(3).toString('hex')}.happened`;
  await ds.transaction((m) => appendEvents(m, schema, [probe(type, 'd')]));
  const relay = new OutboxRelay(ds, schema, nc, { pollMs: 50 });
  expect(await relay.relayBatch()).toBe(1);
  await ds.query(`UPDATE "${schema}".outbox SET published_at = NULL WHERE envelope->>'type' = $1`, [type]);
  expect(await relay.relayBatch()).toBe(1);
  const got = await collect(eventSubject(tenant, type), 2, 1500);
  expect(got).toHaveLength(1);
});

/** A fresh event type and durable consumer name for one test. */
const fresh = (kind: string) => ({
  type: `${kind}${randomBytes(3).toString('hex')}.happened`,
  durable: `test_${kind}_${randomBytes(3).toString('hex')}`,
});
/** A consumer of the events of `type` under `durable`, on this file's schema. */
const consumerOf = (
  type: string,
  durable: string,
  handler: ConstructorParameters<typeof EventConsumer>[4],
  options: Partial<ConstructorParameters<typeof EventConsumer>[3]> = {},
) =>
  new EventConsumer(
    nc,
    ds,
    schema,
    { durable, filterSubjects: [`voxmail.evt.*.${type}`], ...options },
    handler,
  );
/** Stops a test's consumer and deletes its durable. */
const retire = async (c: { stop(): Promise<void> }, durable: string) => {
  await c.stop();
  await (await nc.jetstreamManager()).consumers.delete('VOXMAIL_EVENTS', durable);
};

/** Publishes a well-formed event of `type` for the test tenant; its envelope. */
async function publish(
  type: string,
  id = randomUUID(),
  data: Record<string, unknown> = {},
): Promise<EventEnvelope> {
  const env: EventEnvelope = {
    id,
    type,
    version: 1,
    tenantId: tenant,
    aggregateId: 'c',
    occurredAt: new Date().toISOString(),
    data,
  };
  await nc.jetstream().publish(eventSubject(tenant, type), JSON.stringify(env));
  return env;
}

describe('EventConsumer', () => {
  it('handles a redelivered event once (inbox) and acks after commit', async () => {
    const { type, durable } = fresh('once');
    const c = consumerOf(type, durable, async (e, m) => {
      await m.query(`INSERT INTO "${schema}".handled (event_id, n) VALUES ($1, 1)`, [e.id]);
    });
    await c.start();
    try {
      const id = randomUUID();
      await publish(type, id);
      await publish(type, id); // same event id published again without Nats-Msg-Id: a real redelivery
      const end = Date.now() + 5000;
      let rows: { n: number }[] = [];
      while (Date.now() < end) {
        rows = await ds.query(`SELECT count(*)::int AS n FROM "${schema}".inbox WHERE consumer = $1`, [
          durable,
        ]);
        if (rows[0].n >= 1) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 300));
      const handled = await ds.query(
        `SELECT count(*)::int AS n FROM "${schema}".handled WHERE event_id = $1`,
        [id],
      );
      expect(handled[0].n).toBe(1);
      const info = await (await nc.jetstreamManager()).consumers.info('VOXMAIL_EVENTS', durable);
      expect(info.num_ack_pending).toBe(0);
    } finally {
      await retire(c, durable);
    }
  });

  it('parks a poison event after max deliveries and keeps consuming', async () => {
    const { type, durable } = fresh('poison');
    const c = consumerOf(
      type,
      durable,
      async (e, m) => {
        if (e.data.poison) throw new Error('cannot handle this one');
        await m.query(`INSERT INTO "${schema}".handled (event_id, n) VALUES ($1, 1)`, [e.id]);
      },
      { maxDeliveries: 3 },
    );
    await c.start();
    try {
      const bad = await publish(type, randomUUID(), { poison: true });
      const good = await publish(type, randomUUID(), {});
      const end = Date.now() + 15000;
      let parked: { error: string; deliveries: number }[] = [];
      while (Date.now() < end) {
        parked = await ds.query(
          `SELECT error, deliveries FROM "${schema}".parked_events WHERE consumer = $1 AND event_id = $2`,
          [durable, bad.id],
        );
        if (parked.length) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(parked).toHaveLength(1);
      expect(parked[0].error).toContain('cannot handle this one');
      expect(parked[0].deliveries).toBeGreaterThanOrEqual(3);
      const handled = await ds.query(
        `SELECT count(*)::int AS n FROM "${schema}".handled WHERE event_id = $1`,
        [good.id],
      );
      expect(handled[0].n).toBe(1);
    } finally {
      await retire(c, durable);
    }
  });
});

describe('EventConsumer and malformed envelopes', () => {
  it('parks JSON that is not an envelope (null, no id) and keeps consuming', async () => {
    const { type, durable } = fresh('shape');
    const subject = eventSubject(tenant, type);
    const c = consumerOf(
      type,
      durable,
      async (e, m) => {
        await m.query(`INSERT INTO "${schema}".handled (event_id, n) VALUES ($1, 1)`, [e.id]);
      },
      { maxDeliveries: 2 },
    );
    await c.start();
    try {
      const js = nc.jetstream();
      const nullSeq = (await js.publish(subject, 'null')).seq;
      const noIdSeq = (await js.publish(subject, JSON.stringify({ type, data: {} }))).seq;
      const good = (await publish(type)).id;
      const end = Date.now() + 10000;
      let parked: { event_id: string }[] = [];
      let handled = 0;
      while (Date.now() < end) {
        parked = await ds.query(
          `SELECT event_id FROM "${schema}".parked_events WHERE consumer = $1 ORDER BY event_id`,
          [durable],
        );
        handled = (
          await ds.query(`SELECT count(*)::int AS n FROM "${schema}".handled WHERE event_id = $1`, [good])
        )[0].n;
        if (parked.length >= 2 && handled) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(parked.map((p) => p.event_id).sort()).toEqual([String(nullSeq), String(noIdSeq)].sort());
      expect(handled).toBe(1);
    } finally {
      await retire(c, durable);
    }
  });
});

describe('EventConsumer stop and after-commit work', () => {
  it('on stop releases what it pulled but did not handle, so the next instance gets it at once', async () => {
    const { type, durable } = fresh('stop');
    const handledBy: Record<string, string> = {};
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let first!: () => void;
    const firstStarted = new Promise<void>((r) => (first = r));
    // a long ack wait: an event the stopped instance kept would not come back within this test
    const options = { durable, filterSubjects: [`voxmail.evt.*.${type}`], ackWaitMs: 120000 };
    const a = new EventConsumer(nc, ds, schema, options, async (e) => {
      handledBy[e.id] = 'a';
      first();
      await held; // the burst sits in a's pulled batch while it handles the first
    });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await publish(type)).id);
    await a.start();
    const b = new EventConsumer(nc, ds, schema, options, async (e) => {
      handledBy[e.id] ??= 'b';
    });
    try {
      await firstStarted;
      const stopped = a.stop();
      release();
      await stopped;
      // a handled only the event in hand: the other nine went back to the stream, none waits an ack wait
      expect(Object.values(handledBy)).toEqual(['a']);
      await b.start();
      const end = Date.now() + 20000;
      while (Date.now() < end && Object.keys(handledBy).length < 10)
        await new Promise((r) => setTimeout(r, 50));
      expect(Object.keys(handledBy).sort()).toEqual([...ids].sort());
      expect(Object.values(handledBy).filter((x) => x === 'b')).toHaveLength(9);
    } finally {
      await retire(b, durable);
    }
  });

  it("runs a handler's after-commit work once the transaction committed", async () => {
    const { type, durable } = fresh('after');
    let visible: number | undefined;
    let seq: number | undefined;
    let done!: () => void;
    const ran = new Promise<void>((r) => (done = r));
    const c = consumerOf(type, durable, async (e, m, meta) => {
      seq = meta.streamSequence;
      await m.query(`INSERT INTO "${schema}".handled (event_id, n) VALUES ($1, 1)`, [e.id]);
      // outside the transaction: sees the row only if it runs after the commit
      return () =>
        void ds
          .query(`SELECT count(*)::int AS n FROM "${schema}".handled WHERE event_id = $1`, [e.id])
          .then((r: { n: number }[]) => {
            visible = r[0].n;
            done();
          });
    });
    await c.start();
    try {
      await publish(type);
      await ran;
      expect(visible).toBe(1);
      expect(seq).toBeGreaterThan(0);
    } finally {
      await retire(c, durable);
    }
  });
});
