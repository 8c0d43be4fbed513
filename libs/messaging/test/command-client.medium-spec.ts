// The command client on a real NATS server: replies reach their own callers when many are in flight,
// and every failure is the coded error the faces turn into 503 or 413, never a raw NATS error.
import { connect, JSONCodec, NatsConnection } from 'nats';
import { ErrorCode } from '@voxmail/contracts';
import { CommandClient } from '../src';
import { failure } from '@voxmail/testing';

const url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const subject = `cmdtest.${process.pid}.${Date.now()}`;
const codec = JSONCodec<{ pattern: string; data: { n: number; delayMs?: number }; id: string }>();
let server: NatsConnection;
let client: NatsConnection;

/** A Nest-shaped responder: `{id, response, isDisposed}` answering `{ok, data}` after `delayMs`. */
beforeAll(async () => {
  server = await connect({ servers: url });
  client = await connect({ servers: url });
  server.subscribe(subject, {
    callback: (_e, m) => {
      const req = codec.decode(m.data);
      const answer = () =>
        m.respond(
          JSON.stringify({
            id: req.id,
            response: { ok: true, data: { n: req.data.n * 2 } },
            isDisposed: true,
          }),
        );
      if (req.data.delayMs) setTimeout(answer, req.data.delayMs);
      else answer();
    },
  });
  server.subscribe(`${subject}.refuse`, {
    callback: (_e, m) => {
      const req = codec.decode(m.data);
      m.respond(
        JSON.stringify({
          id: req.id,
          response: { ok: false, error: { code: ErrorCode.NotFound, message: 'no' } },
        }),
      );
    },
  });
  server.subscribe(`${subject}.garbage`, { callback: (_e, m) => m.respond('not json') });
  await server.flush();
});

afterAll(async () => {
  await client.close();
  await server.close();
});

test('concurrent commands each get their own reply', async () => {
  const bus = new CommandClient(client, 5000);
  const ns = Array.from({ length: 200 }, (_, i) => i);
  const got = await Promise.all(
    ns.map((n) => bus.execute<{ n: number }>(subject, { n, delayMs: (n * 7) % 30 })),
  );
  expect(got.map((g) => g.n)).toEqual(ns.map((n) => n * 2));
});

test('a domain error comes back as the same DomainError; a malformed reply is internal', async () => {
  const bus = new CommandClient(client, 5000);
  expect((await failure(bus.execute(`${subject}.refuse`, {}))).code).toBe(ErrorCode.NotFound);
  expect((await failure(bus.execute(`${subject}.garbage`, {}))).code).toBe(ErrorCode.Internal);
});

test('no responder is a 503 at once, not after the timeout', async () => {
  const bus = new CommandClient(client, 5000);
  const t0 = Date.now();
  const e = await failure(bus.execute(`${subject}.nobody`, {}));
  expect(e.code).toBe(ErrorCode.ServiceUnavailable);
  expect(Date.now() - t0).toBeLessThan(2000);
});

test('no answer in time is a 503, and the late answer is dropped', async () => {
  const bus = new CommandClient(client, 5000);
  const e = await failure(bus.execute(subject, { n: 1, delayMs: 300 }, 50));
  expect(e.code).toBe(ErrorCode.ServiceUnavailable);
  await new Promise((r) => setTimeout(r, 400)); // the late reply arrives and is ignored
  expect((await bus.execute<{ n: number }>(subject, { n: 4 })).n).toBe(8);
});

test('a request larger than the broker carries is 413', async () => {
  const bus = new CommandClient(client, 5000);
  const big = 'x'.repeat((client.info?.max_payload ?? 1048576) + 10);
  const e = await failure(bus.execute(subject, { big }));
  expect(e.code).toBe(ErrorCode.PayloadTooLarge);
});

test('a closed connection fails what is waiting and what comes after with 503', async () => {
  const nc = await connect({ servers: url });
  const bus = new CommandClient(nc, 5000);
  const waiting = bus.execute(subject, { n: 1, delayMs: 500 });
  await new Promise((r) => setTimeout(r, 50));
  await nc.close();
  expect((await failure(waiting)).code).toBe(ErrorCode.ServiceUnavailable);
  expect((await failure(bus.execute(subject, { n: 1 }))).code).toBe(ErrorCode.ServiceUnavailable);
});
