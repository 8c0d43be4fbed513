// Issue 15's figures: how long after the HTTP answer of a message deposit (PUT .../vmboxes/{id}/messages
// through the Kazoo face) its `message.created` event reaches (a) a plain NATS subscriber on
// voxmail.evt.<tenantId>.message.> and (b) a webhook receiver, p50/p99 over 1,000 messages. The floors,
// measured in the same run: a raw NATS publish → subscribe, and a loopback HTTP POST like a delivery's.
// The webhook figure is taken twice: with the delivery worker woken right after the fan-out commits (the
// default), and with that wake-up off, the first attempt waiting for the poll (WEBHOOK_POLL_MS, 500 ms).
'use strict';
const http = require('node:http');
const { randomBytes } = require('node:crypto');
const { connect } = require('nats');
const { latencyStats } = require('./lib');

const MESSAGES = 1000;
const POLL_ONLY_MESSAGES = 200; // each waits about half a poll: fewer are enough to show it
const CONCURRENCY = 4; // deposits in flight: a small office's burst, not a load test

const now = () => Number(process.hrtime.bigint()) / 1e6;

/** A webhook receiver in this process: notes when each event id arrives, answers 200 at once. */
async function receiver() {
  const arrived = new Map();
  let waiters = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const at = now();
      res.writeHead(200).end();
      try {
        const e = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (e.data?.id && !arrived.has(e.data.id)) arrived.set(e.data.id, at);
      } catch {
        /* the floor's POSTs are not events */
      }
      waiters = waiters.filter((w) => !w());
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/hook`,
    arrived,
    /** Resolves when every id arrived, or rejects after `ms`. */
    waitFor(ids, ms) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (ids.every((id) => arrived.has(id))) {
            clearTimeout(t);
            resolve();
            return true;
          }
          return false;
        };
        const t = setTimeout(
          () =>
            reject(new Error(`${ids.filter((id) => !arrived.has(id)).length} webhook deliveries missing`)),
          ms,
        );
        if (!check()) waiters.push(check);
      });
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

/** A plain NATS subscriber (no JetStream), as another team's service would have. */
function subscriber(nc, tenantId) {
  const arrived = new Map();
  const sub = nc.subscribe(`voxmail.evt.${tenantId}.message.>`);
  void (async () => {
    for await (const m of sub) {
      const at = now();
      try {
        const e = JSON.parse(Buffer.from(m.data).toString('utf8'));
        if (e.type === 'message.created' && !arrived.has(e.data.id)) arrived.set(e.data.id, at);
      } catch {
        /* not an event */
      }
    }
  })();
  return { arrived, stop: () => sub.unsubscribe() };
}

/** `n` deposits, CONCURRENCY in flight; the time each HTTP answer arrived, by message id. */
async function deposit(ctx, t, box, n) {
  const answered = new Map();
  let i = 0;
  const worker = async () => {
    while (i++ < n) {
      const r = await ctx.request('PUT', `/v2/accounts/${t.accountId}/vmboxes/${box}/messages`, {
        token: t.token,
        body: { data: { caller_id_number: '+15551234567' } },
      });
      const at = now();
      if (r.status !== 201) throw new Error(`deposit answered ${r.status}`);
      answered.set(r.body.data.media_id, at);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return answered;
}

const latencies = (answered, arrived) => [...answered].map(([id, at]) => arrived.get(id) - at);

async function waitUntil(cond, ms, what) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Floor (a): a core NATS publish from this process to a subscriber in this process, one at a time. */
async function natsFloor(nc) {
  const subject = `bench.floor.${randomBytes(4).toString('hex')}`;
  const sub = nc.subscribe(subject);
  const lat = [];
  const it = sub[Symbol.asyncIterator]();
  await nc.flush();
  for (let i = 0; i < MESSAGES; i++) {
    const t0 = now();
    nc.publish(subject, JSON.stringify({ i, pad: 'x'.repeat(600) }));
    await it.next();
    lat.push(now() - t0);
  }
  sub.unsubscribe();
  return latencyStats(lat);
}

/** Floor (b): one POST of an event-sized body to the receiver, a fresh connection each (as deliveries do). */
async function httpFloor(url) {
  const body = Buffer.from(JSON.stringify({ type: 'floor', pad: 'x'.repeat(600) }));
  const lat = [];
  for (let i = 0; i < MESSAGES; i++) {
    const t0 = now();
    await new Promise((resolve, reject) => {
      const req = http.request(
        url,
        {
          method: 'POST',
          agent: false,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    lat.push(now() - t0);
  }
  return latencyStats(lat);
}

async function createBox(ctx, t) {
  const r = await ctx.request('PUT', `/v2/accounts/${t.accountId}/vmboxes`, {
    token: t.token,
    body: { data: { name: 'events bench', mailbox: String(100000 + Math.floor(Math.random() * 8e6)) } },
  });
  if (r.status !== 201) throw new Error(`box creation answered ${r.status}`);
  return r.body.data.id;
}

/** Deposits `n` messages and measures both paths (the subscriber always; the webhook when given). */
async function run(ctx, nc, rcv, n) {
  const t = await ctx.createTenant();
  const hook = await ctx.request('PUT', `/v2/accounts/${t.accountId}/webhooks`, {
    token: t.token,
    body: { data: { name: 'bench', uri: rcv.url, http_verb: 'post', hook: 'message.created', retries: 0 } },
  });
  if (hook.status !== 201) throw new Error(`webhook creation answered ${hook.status}`);
  const box = await createBox(ctx, t);
  const sub = subscriber(nc, t.accountId);
  await nc.flush();
  try {
    // warm-up, not counted: connections, prepared plans, JIT
    const warm = await deposit(ctx, t, box, 20);
    await rcv.waitFor([...warm.keys()], 30000);
    const answered = await deposit(ctx, t, box, n);
    const ids = [...answered.keys()];
    await waitUntil(() => ids.every((id) => sub.arrived.has(id)), 60000, 'the NATS subscriber');
    await rcv.waitFor(ids, 120000);
    return {
      nats: latencyStats(latencies(answered, sub.arrived)),
      webhook: latencyStats(latencies(answered, rcv.arrived)),
    };
  } finally {
    sub.stop();
  }
}

module.exports = {
  name: 'events',
  async run(ctx) {
    const nc = await connect({ servers: ctx.natsUrl });
    const rcv = await receiver();
    try {
      const natsF = await natsFloor(nc);
      const httpF = await httpFloor(rcv.url);
      const prompt = await run(ctx, nc, rcv, MESSAGES);
      ctx.log(`event latency: nats p50 ${prompt.nats.p50_ms} ms, webhook p50 ${prompt.webhook.p50_ms} ms`);
      // the same with the first attempt left to the poll (the behaviour before the wake-up after commit)
      await ctx.restartApp('notification-service', { WEBHOOK_WAKE_ON_COMMIT: 'false' });
      let pollOnly;
      try {
        pollOnly = await run(ctx, nc, rcv, POLL_ONLY_MESSAGES);
      } finally {
        await ctx.restartApp('notification-service', {});
      }
      const via = 'HTTP answer of PUT /v2/accounts/{id}/vmboxes/{id}/messages (Kazoo face)';
      return [
        {
          figure: 'event_latency_nats_subscriber',
          via: `${via} → message-service outbox → JetStream → a plain NATS subscriber on voxmail.evt.<tenant>.message.>`,
          concurrency: CONCURRENCY,
          ...prompt.nats,
          floor: { what: 'a core NATS publish → subscribe from this process', ...natsF },
        },
        {
          figure: 'event_latency_webhook',
          via: `${via} → JetStream → notification-service fan-out → delivery POST → a receiver in this process`,
          concurrency: CONCURRENCY,
          ...prompt.webhook,
          floor: { what: 'one loopback HTTP POST of an event-sized body, new connection', ...httpF },
        },
        {
          figure: 'event_latency_webhook_poll_only',
          via: 'the same with WEBHOOK_WAKE_ON_COMMIT=false: the first attempt waits for the 500 ms poll',
          concurrency: CONCURRENCY,
          ...pollOnly.webhook,
          compared_with: {
            what: 'event_latency_webhook (woken after the fan-out commits)',
            ...prompt.webhook,
          },
        },
      ];
    } finally {
      await rcv.close();
      await nc.close();
    }
  },
};
