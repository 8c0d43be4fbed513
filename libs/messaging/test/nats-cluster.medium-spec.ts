// The event stream on a 3-node NATS cluster (issue 25, item 14): NATS_STREAM_REPLICAS reaches an existing
// stream, and with three replicas the death of the stream's leader node under a steady flow of events
// loses none, stores none twice, and publishing resumes within seconds.
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { defineEvent, EventEnvelope, eventSubject, newEvent, payload, STREAM_NAME } from '@voxmail/contracts';
import { createDataSource, outboxTablesUp } from '@voxmail/persistence';
import { NatsCluster, startNatsCluster } from '@voxmail/testing';
import { appendEvents, connectNats, ensureEventStream, OutboxRelay } from '../src';

jest.setTimeout(180_000);

const tenant = randomBytes(16).toString('hex');
const schema = `ncl_${randomBytes(4).toString('hex')}`;
let cluster: NatsCluster;
let nc: NatsConnection;
let ds: DataSource;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  cluster = await startNatsCluster(tmpdir());
  nc = await connectNats(cluster.url, 'cluster-test');
  ds = createDataSource({ url: process.env.DATABASE_URL!, schema, entities: [], migrations: [] });
  await ds.initialize();
  await ds.query(`CREATE SCHEMA "${schema}"`);
  for (const sql of outboxTablesUp(schema)) await ds.query(sql);
});

afterAll(async () => {
  await ds?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
  await ds?.destroy();
  await nc?.close().catch(() => undefined);
  await cluster?.stop();
});

it('NATS_STREAM_REPLICAS is applied to a stream that exists with another count', async () => {
  const jsm = await nc.jetstreamManager();
  await ensureEventStream(jsm);
  expect((await jsm.streams.info(STREAM_NAME)).config.num_replicas).toBe(1);
  await ensureEventStream(jsm, { replicas: 3 });
  expect((await jsm.streams.info(STREAM_NAME)).config.num_replicas).toBe(3);
  // the two followers are there and current
  for (let end = Date.now() + 20_000; ;) {
    const info = await jsm.streams.info(STREAM_NAME);
    const replicas = info.cluster?.replicas ?? [];
    if (replicas.length === 2 && replicas.every((r) => r.current)) break;
    if (Date.now() > end) throw new Error(`followers not current: ${JSON.stringify(info.cluster)}`);
    await sleep(200);
  }
});

it("the stream leader's node killed under a flow of events: none lost, none twice, publishing resumes within seconds", async () => {
  const jsm = await nc.jetstreamManager();
  await ensureEventStream(jsm, { replicas: 3 });
  const type = `clusterprobe${randomBytes(3).toString('hex')}.happened`;
  const def = defineEvent(type, {
    summary: 'test probe',
    producer: 'message-service',
    data: payload({ required: {}, open: true }),
  });
  const relay = new OutboxRelay(ds, schema, nc, { pollMs: 100 });
  await relay.start();
  const total = 150;
  const ids: string[] = [];
  let killedAt = 0;
  let killed = '';
  try {
    for (let i = 0; i < total; i++) {
      const [e] = await ds.transaction((m) =>
        appendEvents(m, schema, [newEvent(def, { tenantId: tenant, aggregateId: `a${i}`, data: { i } })]),
      );
      ids.push(e.id);
      if (i === 40) {
        const leader = (await jsm.streams.info(STREAM_NAME)).cluster?.leader;
        const idx = cluster.names.indexOf(leader ?? '');
        expect(idx).toBeGreaterThanOrEqual(0);
        killed = leader!;
        killedAt = Date.now();
        await cluster.kill(idx);
      }
      await sleep(40);
    }
    // every row published
    const end = Date.now() + 60_000;
    for (;;) {
      const [{ n }] = await ds.query(
        `SELECT count(*)::int AS n FROM "${schema}".outbox WHERE published_at IS NULL`,
      );
      if (n === 0) break;
      if (Date.now() > end) throw new Error(`${n} events still unpublished 60 s after the last write`);
      await sleep(200);
    }
  } finally {
    await relay.stop();
  }
  expect(killed).not.toBe('');
  // the longest any event waited between its commit and JetStream's ack, around the kill
  const [{ max_wait_ms }] = await ds.query(
    `SELECT max(extract(epoch FROM published_at - created_at) * 1000)::int AS max_wait_ms FROM "${schema}".outbox`,
  );
  process.stdout.write(
    `killed ${killed}; longest wait from commit to ack: ${max_wait_ms} ms; writes took ${Date.now() - killedAt} ms after the kill\n`,
  );
  expect(max_wait_ms).toBeLessThan(15_000);

  // what the stream holds (this cluster's stream has only this test's events), message by message
  const seen = new Map<string, number>();
  const { state } = await jsm.streams.info(STREAM_NAME);
  for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(STREAM_NAME, { seq }).catch(() => undefined);
    if (!m || m.subject !== eventSubject(tenant, type)) continue;
    const e = m.json<EventEnvelope>();
    seen.set(e.id, (seen.get(e.id) ?? 0) + 1);
  }
  const missing = ids.filter((id) => !seen.has(id));
  const twice = [...seen].filter(([, n]) => n > 1);
  expect({ missing, twice, stored: seen.size }).toEqual({ missing: [], twice: [], stored: total });
  expect(Date.now() - killedAt).toBeGreaterThan(0);
});
