// Command deadlines and idempotency keys against real PostgreSQL and NATS: the client sends the deadline
// (never later than the one of the command it works for), a transaction whose command's deadline passed
// rolls back, and a create's key commits with it or not at all.
import { randomBytes } from 'node:crypto';
import { connect, NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { DomainError, ErrorCode } from '@voxmail/contracts';
import {
  CommandClient,
  DEADLINE_HEADER,
  IDEMPOTENCY_HASH_HEADER,
  IDEMPOTENCY_KEY_HEADER,
  IdempotencyStore,
  runWithRequestContext,
} from '../src';
import { failure } from '@voxmail/testing';
import { keyedSchema } from './keyed-schema';

const schema = `dtest_${randomBytes(4).toString('hex')}`;
const url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
let ds: DataSource;
let nc: NatsConnection;

beforeAll(async () => {
  ds = await keyedSchema(schema, `CREATE TABLE "${schema}".things (name text PRIMARY KEY)`);
  nc = await connect({ servers: url });
});

afterAll(async () => {
  await ds?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await ds?.destroy();
  await nc?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const things = async () =>
  (await ds.query(`SELECT name FROM "${schema}".things ORDER BY name`)).map((r: { name: string }) => r.name);
const insert = (name: string, delayMs = 0) =>
  ds.transaction(async (m) => {
    await m.query(`INSERT INTO "${schema}".things (name) VALUES ($1)`, [name]);
    await sleep(delayMs);
  });

test('a command carries its deadline, never later than the deadline of the command it is sent for', async () => {
  const subject = `dltest.${process.pid}.${Date.now()}`;
  const seen: { deadline?: string; key?: string; hash?: string }[] = [];
  const sub = nc.subscribe(subject, {
    callback: (_e, m) => {
      seen.push({
        deadline: m.headers?.get(DEADLINE_HEADER),
        key: m.headers?.get(IDEMPOTENCY_KEY_HEADER),
        hash: m.headers?.get(IDEMPOTENCY_HASH_HEADER),
      });
      const { id } = JSON.parse(new TextDecoder().decode(m.data)) as { id: string };
      m.respond(JSON.stringify({ id, response: { ok: true, data: null }, isDisposed: true }));
    },
  });
  const bus = new CommandClient(nc, 5000);
  const t0 = Date.now();
  await bus.execute(subject, {});
  const inner = t0 + 700;
  await runWithRequestContext({ requestId: 'r1', deadline: inner, idempotencyKey: 'k1' }, () =>
    bus.execute(subject, {}),
  );
  sub.unsubscribe();
  const own = Number(seen[0].deadline);
  expect(own).toBeGreaterThanOrEqual(t0 + 5000);
  expect(own).toBeLessThan(t0 + 6000);
  expect(Number(seen[1].deadline)).toBe(inner);
  // a key goes only on the creates of the registry, not on an ad-hoc subject
  expect(seen[1].key || undefined).toBeUndefined();
  // a command whose deadline has passed is not sent at all
  const late = runWithRequestContext({ requestId: 'r2', deadline: Date.now() - 1 }, () =>
    bus.execute(subject, {}),
  );
  expect((await failure(late)).code).toBe(ErrorCode.ServiceUnavailable);
  expect(seen).toHaveLength(2);
});

test('a transaction whose command deadline passes before COMMIT rolls back; one in time commits', async () => {
  await runWithRequestContext({ requestId: 'a', deadline: Date.now() + 3000 }, () => insert('in-time'));
  const late = runWithRequestContext({ requestId: 'b', deadline: Date.now() + 300 }, () =>
    insert('late', 600),
  );
  expect((await failure(late)).code).toBe(ErrorCode.ServiceUnavailable);
  // work outside any command (a sweeper, a consumer) has no deadline
  await insert('background', 10);
  expect(await things()).toEqual(['background', 'in-time']);
});

test("a create's idempotency key commits with it, and not when it rolls back", async () => {
  const store = new IdempotencyStore(ds, schema);
  const claim = (key: string) => ({ scope: 'acct', key, hash: 'h', subject: 's', recorded: false });
  const ok = claim('k-ok');
  await runWithRequestContext({ requestId: 'c', idempotency: ok }, () => insert('keyed'));
  expect(ok.recorded).toBe(true);
  await store.recordReply('acct', 'k-ok', { ok: true, data: { id: 'keyed' } });
  expect(await store.find('acct', 'k-ok')).toEqual({ hash: 'h', reply: { ok: true, data: { id: 'keyed' } } });

  // the create fails (a duplicate row): neither it nor its key is kept
  const bad = claim('k-bad');
  await expect(
    runWithRequestContext({ requestId: 'd', idempotency: bad }, () => insert('keyed')),
  ).rejects.toThrow();
  expect(await store.find('acct', 'k-bad')).toBeUndefined();

  // two creates with one key at once: one commits, the other rolls back with 409
  const [a, b] = await Promise.allSettled([
    runWithRequestContext({ requestId: 'e', idempotency: claim('k-race') }, () => insert('race-a', 200)),
    runWithRequestContext({ requestId: 'f', idempotency: claim('k-race') }, () => insert('race-b', 200)),
  ]);
  const failed = [a, b].filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
  expect(failed).toHaveLength(1);
  expect((failed[0].reason as DomainError).code).toBe(ErrorCode.Conflict);
  expect((await things()).filter((n: string) => n.startsWith('race'))).toHaveLength(1);
});

test('an abandoned key refuses the attempts it was abandoned for; a later attempt takes it over', async () => {
  const store = new IdempotencyStore(ds, schema);
  const key = { scope: 'acct', key: 'k-abandon', hash: 'h', subject: 's' };
  const claim = () => ({ ...key, recorded: false });
  // the sender got no reply from the attempt with deadline `until` and gave up: nothing committed yet
  const until = Date.now() + 5000;
  expect(await store.abandon(key, until)).toBe('abandoned');
  expect(await store.abandon(key, until)).toBe('abandoned');
  expect(await store.find('acct', 'k-abandon')).toEqual({ hash: 'h', reply: null, abandonedUntil: until });
  // a straggler of that attempt (its deadline not passed yet, so only the key stops it) rolls back
  const straggler = runWithRequestContext({ requestId: 'g', deadline: until, idempotency: claim() }, () =>
    insert('straggler'),
  );
  expect((await failure(straggler)).code).toBe(ErrorCode.Conflict);
  // the client's retry (a later deadline) commits and takes the key over; a resolve then finds it
  const retry = claim();
  await runWithRequestContext({ requestId: 'h', deadline: until + 1000, idempotency: retry }, () =>
    insert('retried'),
  );
  expect(retry.recorded).toBe(true);
  expect(await store.abandon(key, until + 1000)).toEqual({ hash: 'h', reply: null });
  await store.recordReply('acct', 'k-abandon', { ok: true, data: { id: 'retried' } });
  expect(await store.abandon(key, until + 1000)).toEqual({
    hash: 'h',
    reply: { ok: true, data: { id: 'retried' } },
  });
  // another request under the key is told so
  expect(await store.abandon({ ...key, hash: 'other' }, until + 2000)).toMatchObject({ hash: 'h' });
  expect((await things()).filter((n: string) => ['straggler', 'retried'].includes(n))).toEqual(['retried']);
});
