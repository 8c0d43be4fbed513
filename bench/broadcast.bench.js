// Issue 14's figures: Onbuka sendGroup acceptance of 1000 callees (p50/p99) beside one PostgreSQL
// transaction inserting the same 1000 rows from this process; simulated dial throughput with pacing off on
// 1 and on 2 dialer replicas beside a raw FOR UPDATE SKIP LOCKED claim loop on the same database; and the
// shared pacing over a minute (2 replicas at 10 CPS: the rate, its error, duplicate dials).
// BENCH_PACING_SECONDS shortens the pacing run (default 60).
'use strict';
const { onbukaSender, percentile, round, uploadPrompt } = require('./lib');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const callees = (prefix, n) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(7, '0')}`);

function latencies(lat, extra = {}) {
  lat.sort((a, b) => a - b);
  return {
    requests: lat.length,
    p50_ms: round(percentile(lat, 50)),
    p99_ms: round(percentile(lat, 99)),
    max_ms: round(lat[lat.length - 1]),
    ...extra,
  };
}

async function timed(fn) {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

module.exports = {
  name: 'broadcast',
  async run(ctx) {
    const { request, pg, operator, log } = ctx;
    const t = await ctx.createTenant();
    const key = `bench${process.pid}`;
    const secret = 'benchSecret1';
    const imp = await request('PUT', `/v2/accounts/${t.accountId}/onbuka_keys`, {
      token: operator.token,
      body: { data: { api_key: key, api_secret: secret } },
    });
    if (imp.status !== 201) throw new Error(`key import answered ${imp.status}`);
    // the throughput figures measure the dialer, not the account ceilings (DIALER_ACCOUNT_*): lifted here
    const lim = await request('POST', `/v2/accounts/${t.accountId}/limits`, {
      token: operator.token,
      body: { data: { calls_per_second: 10000, max_concurrent_calls: 100000, max_queued_calls: 1000000 } },
    });
    if (lim.status !== 200) throw new Error(`limits answered ${lim.status}`);
    for (let i = 0; ; i++) {
      const r = await pg.query('SELECT 1 FROM dialer.account_limits WHERE tenant_id = $1', [t.accountId]);
      if (r.rows.length) break;
      if (i > 300) throw new Error('the dialer did not take the limits');
      await sleep(100);
    }
    await uploadPrompt(request, t, 'bench.wav');
    const putApp = async (id, data) => {
      const r = await request('PUT', `/v2/accounts/${t.accountId}/broadcast_apps`, {
        token: t.token,
        body: { data: { id, carrier: 'simulated', ...data } },
      });
      if (r.status !== 201) throw new Error(`app ${id} answered ${r.status}`);
    };
    const send = onbukaSender(ctx.baseUrl, key, secret);
    const sendGroup = async (appId, list) => {
      const body = await send({ callee: list.join(','), fileId: 'bench.wav', appId });
      if (body.status !== '0') throw new Error(`sendGroup answered ${JSON.stringify(body).slice(0, 200)}`);
      return body;
    };
    const figures = [];

    // 1. acceptance: the app's calling window is closed, so nothing is dialed while it is measured
    const h = new Date().getUTCHours();
    const hh = (n) => String((h + n) % 24).padStart(2, '0');
    await putApp('accept', {
      calls_per_second: 0,
      calling_window: { timezone: 'UTC', start: `${hh(3)}:00`, end: `${hh(4)}:00` },
    });
    const REQUESTS = Number(process.env.BENCH_SENDGROUP_REQUESTS || 50);
    await sendGroup('accept', callees('4915', 1000)); // warm-up
    const accept = [];
    for (let i = 0; i < REQUESTS; i++)
      accept.push(await timed(() => sendGroup('accept', callees(`49${String(16 + (i % 80))}`, 1000))));
    const floorRows = callees('4915', 1000);
    const floor = [];
    await pg.query(`CREATE TABLE IF NOT EXISTS public.bench_accept_floor (id text, callee text, seq bigint)`);
    for (let i = 0; i < REQUESTS; i++)
      floor.push(
        await timed(async () => {
          const c = await pg.connect();
          try {
            await c.query('BEGIN');
            await c.query(
              `INSERT INTO public.bench_accept_floor SELECT v.c || $2, v.c, v.n
                 FROM unnest($1::text[]) WITH ORDINALITY v(c, n)`,
              [floorRows, String(i)],
            );
            await c.query('COMMIT');
          } finally {
            c.release();
          }
        }),
      );
    await pg.query(`DROP TABLE public.bench_accept_floor`);
    const a = latencies(accept, { callees_per_request: 1000, goal_p99_ms: 500 });
    const f = latencies(floor);
    figures.push({
      figure: 'sendGroup acceptance, 1000 callees',
      via: 'POST /v3/voice/sendGroup (signed), one request at a time',
      ...a,
      under_goal: a.p99_ms < 500,
      floor: { what: 'one PostgreSQL transaction inserting 1000 rows (unnest) from this process', ...f },
      ratio_p50: round(a.p50_ms / f.p50_ms),
    });
    // the accepted-but-undialable calls would only slow what follows
    await pg.query(
      `UPDATE dialer.calls SET state = 'cancelled' WHERE tenant_id = $1 AND app_id = 'accept' AND state = 'queued'`,
      [t.accountId],
    );

    // 2. raw claim floor: the dialer's work-queue statement shape without the dialer
    const N = Number(process.env.BENCH_DIAL_CALLS || 2000);
    const claimFloor = async (workers) => {
      await pg.query(`DROP TABLE IF EXISTS public.bench_claim_floor`);
      await pg.query(`CREATE TABLE public.bench_claim_floor (id serial PRIMARY KEY, state text NOT NULL)`);
      await pg.query(
        `INSERT INTO public.bench_claim_floor (state) SELECT 'queued' FROM generate_series(1, $1)`,
        [N],
      );
      const t0 = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: workers }, async () => {
          for (;;) {
            const r = await pg.query(
              `WITH c AS (SELECT id FROM public.bench_claim_floor WHERE state = 'queued' LIMIT 200 FOR UPDATE SKIP LOCKED)
               UPDATE public.bench_claim_floor q SET state = 'done' FROM c WHERE q.id = c.id RETURNING q.id`,
            );
            if (!r.rowCount) return;
          }
        }),
      );
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      await pg.query(`DROP TABLE public.bench_claim_floor`);
      return { calls: N, seconds: round(s), calls_per_s: round(N / s) };
    };

    // 3. dial throughput with pacing off: every call dialed to completed by the simulated carrier
    const dialRun = async (appId, prefix) => {
      await putApp(appId, {
        calls_per_second: 0,
        max_concurrent_calls: 10000,
        settings: { ring_ms: 0, talk_ms: 0 },
      });
      const t0 = Date.now();
      for (let i = 0; i < N / 1000; i++) await sendGroup(appId, callees(`${prefix}${i}`, 1000));
      const deadline = Date.now() + 300000;
      for (;;) {
        const r = await pg.query(
          `SELECT count(*) FILTER (WHERE state IN ('queued', 'dialing', 'ringing', 'answered'))::int AS open,
                  count(*)::int AS n FROM dialer.calls WHERE tenant_id = $1 AND app_id = $2`,
          [t.accountId, appId],
        );
        if (r.rows[0].open === 0 && r.rows[0].n === N) break;
        if (Date.now() > deadline) throw new Error(`${appId}: ${r.rows[0].open} calls still open`);
        await sleep(100);
      }
      const done = (Date.now() - t0) / 1000;
      const log = await pg.query(
        `SELECT count(*)::int AS n, count(DISTINCT l.call_id)::int AS distinct_calls,
                count(DISTINCT l.replica)::int AS replicas,
                extract(epoch FROM max(l.dialed_at) - min(l.dialed_at))::float8 AS span
           FROM dialer.dial_log l JOIN dialer.calls c ON c.tenant_id = l.tenant_id AND c.id = l.call_id
          WHERE l.tenant_id = $1 AND c.app_id = $2`,
        [t.accountId, appId],
      );
      const g = log.rows[0];
      const states = await pg.query(
        `SELECT state, count(*)::int AS n FROM dialer.calls WHERE tenant_id = $1 AND app_id = $2 GROUP BY state`,
        [t.accountId, appId],
      );
      return {
        calls: N,
        dialed_per_s: round(g.n / Math.max(g.span, 0.001)),
        completed_per_s: round(N / done),
        seconds_to_all_completed: round(done),
        replicas_that_dialed: g.replicas,
        duplicate_dials: g.n - g.distinct_calls,
        final_states: Object.fromEntries(states.rows.map((r) => [r.state, r.n])),
      };
    };
    const floor1 = await claimFloor(1);
    const one = await dialRun('fast1', '4917');
    figures.push({
      figure: 'simulated dial throughput, pacing off, 1 dialer replica',
      via: 'sendGroup of 2 x 1000 callees; dial_log first to last dial; simulated carrier, 0 ms ring and talk',
      ...one,
      floor: { what: 'raw FOR UPDATE SKIP LOCKED claims of 200 rows, 1 worker, this process', ...floor1 },
      ratio_dial: Math.round((one.dialed_per_s / floor1.calls_per_s) * 10000) / 10000,
    });
    const replicas = await ctx.startReplicas(['broadcast-dialer-service']);
    try {
      const floor2 = await claimFloor(2);
      const two = await dialRun('fast2', '4918');
      figures.push({
        figure: 'simulated dial throughput, pacing off, 2 dialer replicas',
        via: 'as above, a second broadcast-dialer-service process on the same database and broker',
        ...two,
        floor: { what: 'raw FOR UPDATE SKIP LOCKED claims of 200 rows, 2 workers, this process', ...floor2 },
        ratio_dial: Math.round((two.dialed_per_s / floor2.calls_per_s) * 10000) / 10000,
        ratio_to_1_replica: round(two.dialed_per_s / one.dialed_per_s),
      });

      // 4. pacing: 2 replicas share one 10 CPS bucket for a minute
      const seconds = Number(process.env.BENCH_PACING_SECONDS || 60);
      const CPS = 10;
      await putApp('paced', {
        calls_per_second: CPS,
        max_concurrent_calls: 1000,
        settings: { ring_ms: 5, talk_ms: 5 },
      });
      const total = CPS * (seconds + 10);
      log(`pacing: ${total} calls at ${CPS} CPS on 2 replicas for ${seconds} s`);
      for (let i = 0; i * 1000 < total; i++)
        await sendGroup('paced', callees(`4919${i}`, Math.min(1000, total - i * 1000)));
      await sleep((seconds + 3) * 1000);
      const rows = await pg.query(
        `SELECT l.call_id, l.replica, l.dialed_at FROM dialer.dial_log l
           JOIN dialer.calls c ON c.tenant_id = l.tenant_id AND c.id = l.call_id
          WHERE l.tenant_id = $1 AND c.app_id = 'paced' ORDER BY l.dialed_at`,
        [t.accountId],
      );
      await pg.query(
        `UPDATE dialer.calls SET state = 'cancelled' WHERE tenant_id = $1 AND app_id = 'paced' AND state = 'queued'`,
        [t.accountId],
      );
      const at = rows.rows.map((r) => r.dialed_at.getTime());
      // the steady window: from the 1st second after the first dial (the bucket's burst spent) for `seconds`
      const from = at[0] + 1000;
      const inWindow = at.filter((x) => x >= from && x < from + seconds * 1000).length;
      const measured = inWindow / seconds;
      figures.push({
        figure: `shared pacing, 2 dialer replicas at ${CPS} CPS for ${seconds} s`,
        via: 'dial_log of one app, counted over the window after the first second',
        calls_per_s: round(measured),
        target_cps: CPS,
        error_pct: round((Math.abs(measured - CPS) / CPS) * 100),
        within_5_pct: Math.abs(measured - CPS) <= CPS * 0.05,
        dials: rows.rows.length,
        duplicate_dials: rows.rows.length - new Set(rows.rows.map((r) => r.call_id)).size,
        replicas_that_dialed: new Set(rows.rows.map((r) => r.replica)).size,
        floor: { what: 'the app setting (a pacing figure is compared with its target)', calls_per_s: CPS },
      });
    } finally {
      await Promise.all(replicas.map((r) => r.stop()));
    }
    return figures;
  },
};
