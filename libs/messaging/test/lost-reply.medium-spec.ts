// A create whose reply is lost (issue 25's NATS node kill found one deposit stored though answered 503):
// on a private 3-node NATS cluster and real PostgreSQL, the command server (with its idempotency store)
// and the gateway's command client. A create is answered with what it stored when its reply is lost with
// the sender's NATS node, or comes after the deadline; one that did not commit is abandoned, answered 503
// and never stored afterwards; the client's own retry with its key then stores it once.
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { connect, NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { Commands, ErrorCode } from '@voxmail/contracts';
import { failure, NatsCluster, startNatsCluster } from '@voxmail/testing';
import { CommandClient, CommandServer, IdempotencyStore, runWithRequestContext } from '../src';
import { keyedSchema } from './keyed-schema';

jest.setTimeout(120_000);

const schema = `lrtest_${randomBytes(4).toString('hex')}`;
const tenantId = randomBytes(16).toString('hex');
let cluster: NatsCluster;
let ds: DataSource;
let server: CommandServer;
let clientNc: NatsConnection;
/** What the handler does after it committed, before it answers (per test). */
let afterCommit: (name: string) => Promise<void> = async () => undefined;
/** What the handler does before its transaction (per test). */
let beforeWork: () => Promise<void> = async () => undefined;
let handled = 0;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const things = async (name: string): Promise<number> =>
  (await ds.query(`SELECT count(*)::int AS n FROM "${schema}".things WHERE name = $1`, [name]))[0].n;

// a create of the registry (one of IDEMPOTENT_SUBJECTS), served here only: the cluster is this test's
const subject = Commands.DncAdd.subject;

beforeAll(async () => {
  cluster = await startNatsCluster(tmpdir());
  ds = await keyedSchema(
    schema,
    `CREATE TABLE "${schema}".things (id serial PRIMARY KEY, name text NOT NULL)`,
  );
  const store = new IdempotencyStore(ds, schema);
  // the server on node 0, the client on node 1 (each reconnects to another node when its own dies)
  server = new CommandServer({
    servers: [cluster.urls[0]],
    queue: `lrtest-${process.pid}`,
    name: 'lost-reply-server',
    drainTimeoutMs: 2000,
    keys: () => store,
    bindings: () => [
      {
        def: Commands.DncAdd,
        handle: async (payload: unknown) => {
          const { name } = payload as { name: string };
          handled++;
          await beforeWork();
          await ds.transaction((m) => m.query(`INSERT INTO "${schema}".things (name) VALUES ($1)`, [name]));
          await afterCommit(name);
          return { name };
        },
      },
    ],
  });
  await new Promise<void>((resolve, reject) => server.listen((e) => (e ? reject(e) : resolve())));
  clientNc = await connect({ servers: [cluster.urls[1]], maxReconnectAttempts: -1, reconnectTimeWait: 200 });
});

afterAll(async () => {
  await server?.close();
  await clientNc?.close().catch(() => undefined);
  await ds?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
  await ds?.destroy();
  await cluster?.stop();
});

beforeEach(() => {
  afterCommit = async () => undefined;
  beforeWork = async () => undefined;
  handled = 0;
});

const create = (bus: CommandClient, name: string, key?: string) =>
  runWithRequestContext({ requestId: `lr-${name}`, idempotencyKey: key }, () =>
    bus.execute<{ name: string }>(subject, { tenantId, name }),
  );

it('a reply that comes after the deadline: the client resolves the create and answers what was stored', async () => {
  const bus = new CommandClient(clientNc, 1000, { keyEveryCreate: true });
  // committed at once, answered only after the client gave up waiting (as a reply lost on its way)
  afterCommit = async () => void (await sleep(1800));
  const t0 = Date.now();
  expect(await create(bus, 'late')).toEqual({ name: 'late' });
  expect(Date.now() - t0).toBeLessThan(1000 + 200 + 4000 + 500);
  expect(await things('late')).toBe(1);
  expect(handled).toBe(1);
});

it("a reply lost with the sender's NATS node: answered with what was stored, stored once", async () => {
  const bus = new CommandClient(clientNc, 2000, { keyEveryCreate: true });
  await clientNc.flush();
  // the create commits; the client's node is frozen, so the reply routed to it waits in its sockets,
  // and dies with it
  afterCommit = async () => {
    cluster.freeze(1);
    setTimeout(() => void cluster.kill(1), 300);
  };
  try {
    expect(await create(bus, 'node-died')).toEqual({ name: 'node-died' });
    expect(await things('node-died')).toBe(1);
    expect(handled).toBe(1);
  } finally {
    await cluster.kill(1);
    await cluster.start(1);
  }
});

it('a create that did not commit in time is abandoned: 503, never stored; the retry with its key stores it once', async () => {
  const bus = new CommandClient(clientNc, 800, { keyEveryCreate: true });
  // the handler is stuck past its deadline: its commit is refused, the client resolves and abandons
  let release!: () => void;
  const stuck = new Promise<void>((r) => (release = r));
  beforeWork = () => stuck;
  const e = await failure(create(bus, 'abandoned', 'client-key-1'));
  expect(e.code).toBe(ErrorCode.ServiceUnavailable);
  release();
  await sleep(300);
  expect(await things('abandoned')).toBe(0);
  // the client retries with its key: a later attempt takes the abandoned key over and stores it once
  beforeWork = async () => undefined;
  expect(await create(bus, 'abandoned', 'client-key-1')).toEqual({ name: 'abandoned' });
  expect(await create(bus, 'abandoned', 'client-key-1')).toEqual({ name: 'abandoned' });
  expect(await things('abandoned')).toBe(1);
});

it('no responder: 503 at once, nothing resolved', async () => {
  const bus = new CommandClient(clientNc, 3000, { keyEveryCreate: true });
  const t0 = Date.now();
  const e = await failure(
    runWithRequestContext({ requestId: 'lr-nobody' }, () => bus.execute(Commands.AccountCreate.subject, {})),
  );
  expect(e.code).toBe(ErrorCode.ServiceUnavailable);
  expect(Date.now() - t0).toBeLessThan(1000);
});
