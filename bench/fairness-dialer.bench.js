// Issue 24's dialer figures (abuse rows 1 and 2): tenant B's single-call broadcast, from acceptance to its
// first dial, and B's GET of its broadcasts, each measured first with the platform quiet (B's baseline)
// and then while tenant A has 20,000 calls queued on a slow simulated carrier (every call talks
// BENCH_FAIR_TALK_MS, default 30 s, so A holds every dialer slot it is allowed). Goal: B's call starts
// within 1 s (p99) under the abuse. Also A's batch past its max_queued_calls (refused whole, -7).
// `npm run bench -- fairness` runs it (with fairness.bench.js, the gateway's abuses).
'use strict';
const { latencyStats, onbukaSender, round, uploadPrompt } = require('./lib');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const callees = (prefix, n) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(7, '0')}`);

module.exports = {
  name: 'fairness-dialer',
  async run(ctx) {
    const { request, pg, operator, log } = ctx;
    const TALK_MS = Number(process.env.BENCH_FAIR_TALK_MS || 30000);
    const SAMPLES = Number(process.env.BENCH_FAIR_SAMPLES || 30);
    const A_CALLS = 20000;

    /** A tenant with an imported Onbuka key, a prompt and one simulated app. */
    const tenant = async (tag, app) => {
      const t = await ctx.createTenant();
      const key = `fair${tag}${process.pid}`;
      const secret = `secret${tag}1`;
      const imp = await request('PUT', `/v2/accounts/${t.accountId}/onbuka_keys`, {
        token: operator.token,
        body: { data: { api_key: key, api_secret: secret } },
      });
      if (imp.status !== 201) throw new Error(`key import answered ${imp.status}`);
      await uploadPrompt(request, t, 'fair.wav');
      const r = await request('PUT', `/v2/accounts/${t.accountId}/broadcast_apps`, {
        token: t.token,
        body: { data: { id: 'app', carrier: 'simulated', calls_per_second: 0, ...app } },
      });
      if (r.status !== 201) throw new Error(`app answered ${r.status}`);
      const send = onbukaSender(ctx.baseUrl, key, secret);
      const sendGroup = (list) => send({ callee: list.join(','), fileId: 'fair.wav', appId: 'app' });
      return { ...t, sendGroup };
    };

    const b = await tenant('b', { max_concurrent_calls: 10, settings: { ring_ms: 5, talk_ms: 5 } });
    const a = await tenant('a', {
      max_concurrent_calls: 10000,
      settings: { rules: [{ pattern: '^4', outcome: 'completed', ring_ms: 1, talk_ms: TALK_MS }] },
    });
    // the operator lets A queue 20,000 calls and dial as fast and as wide as the platform allows
    const lim = await request('POST', `/v2/accounts/${a.accountId}/limits`, {
      token: operator.token,
      body: { data: { max_queued_calls: A_CALLS, max_concurrent_calls: 100000, calls_per_second: 10000 } },
    });
    if (lim.status !== 200) throw new Error(`limits answered ${lim.status}`);
    for (let i = 0; ; i++) {
      const r = await pg.query('SELECT max_queued_calls FROM dialer.account_limits WHERE tenant_id = $1', [
        a.accountId,
      ]);
      if (r.rows[0]?.max_queued_calls === A_CALLS) break;
      if (i > 300) throw new Error("the dialer did not take A's limits");
      await sleep(100);
    }

    /** B's single-call broadcast: milliseconds from its acceptance to its first dial (database clock). */
    const bCall = async (i) => {
      const r = await b.sendGroup([`4930${String(i).padStart(8, '0')}`]);
      if (r.status !== '0') throw new Error(`B's sendGroup answered ${JSON.stringify(r).slice(0, 200)}`);
      const voiceId = r.data[0].voiceId;
      for (let k = 0; k < 3000; k++) {
        const q = await pg.query(
          `SELECT extract(epoch FROM c.called_at - bc.created_at)::float8 * 1000 AS ms
             FROM dialer.calls c JOIN dialer.broadcasts bc ON bc.tenant_id = c.tenant_id AND bc.id = c.broadcast_id
            WHERE c.tenant_id = $1 AND c.id = $2 AND c.called_at IS NOT NULL`,
          [b.accountId, voiceId],
        );
        if (q.rows.length) return q.rows[0].ms;
        await sleep(10);
      }
      throw new Error(`B's call ${voiceId} was not dialed within 30 s`);
    };
    const bCalls = async () => {
      const lat = [];
      for (let i = 0; i < SAMPLES; i++) lat.push(await bCall(i));
      return latencyStats(lat);
    };
    const bGets = () =>
      ctx.measure(
        async () => {
          const r = await request('GET', `/v2/accounts/${b.accountId}/broadcasts`, { token: b.token });
          if (r.status !== 200) throw new Error(`B's GET answered ${r.status}`);
        },
        { seconds: 5, concurrency: 1, warmupSeconds: 1 },
      );

    log('fairness-dialer: baseline (A idle)');
    const baseCall = await bCalls();
    const baseGet = await bGets();

    log(`fairness-dialer: A queues ${A_CALLS} calls (talk ${TALK_MS} ms each)`);
    const accept = [];
    for (let i = 0; i < A_CALLS / 1000; i++) {
      const t0 = process.hrtime.bigint();
      const r = await a.sendGroup(callees(`49${String(10 + i)}`, 1000));
      accept.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (r.status !== '0') throw new Error(`A's batch ${i} answered ${JSON.stringify(r).slice(0, 200)}`);
    }
    const over = await a.sendGroup(callees('4999', 1000));
    // A holds every slot it may before B is measured: its count of calls in progress settled for 1 s
    let held = 0;
    for (let k = 0, same = 0; k < 240 && same < 4; k++) {
      await sleep(250);
      const q = await pg.query(
        `SELECT count(*)::int AS n FROM dialer.calls WHERE tenant_id = $1 AND state IN ('dialing', 'ringing', 'answered')`,
        [a.accountId],
      );
      same = q.rows[0].n > 0 && q.rows[0].n === held ? same + 1 : 0;
      held = q.rows[0].n;
    }
    const queuedA = (
      await pg.query(
        `SELECT count(*)::int AS n FROM dialer.calls WHERE tenant_id = $1 AND state = 'queued'`,
        [a.accountId],
      )
    ).rows[0].n;
    log(`fairness-dialer: A holds ${held} slots, ${queuedA} queued; measuring B`);
    const abusedCall = await bCalls();
    const abusedGet = await bGets();

    // A's queued calls go; its calls in progress end within TALK_MS
    await pg.query(`UPDATE dialer.calls SET state = 'cancelled' WHERE tenant_id = $1 AND state = 'queued'`, [
      a.accountId,
    ]);
    for (let k = 0; k < (TALK_MS + 30000) / 500; k++) {
      const q = await pg.query(
        `SELECT count(*)::int AS n FROM dialer.calls WHERE tenant_id = $1 AND state IN ('dialing', 'ringing', 'answered')`,
        [a.accountId],
      );
      if (q.rows[0].n === 0) break;
      await sleep(500);
    }

    const acceptStats = latencyStats(accept);
    return [
      {
        figure: "B's single-call broadcast, acceptance to first dial, while A has 20,000 calls queued",
        via: `sendGroup of 1 callee, ${SAMPLES} in a row; dialer.calls.called_at - broadcasts.created_at; A: 20 sendGroups of 1000 on a simulated carrier talking ${TALK_MS} ms, DIALER_MAX_IN_FLIGHT slots held`,
        ...abusedCall,
        goal_p99_ms: 1000,
        under_goal: abusedCall.p99_ms < 1000,
        a_calls_queued_at_measure: queuedA,
        a_slots_held: held,
        baseline: { what: "B's same call with A idle, same run", ...baseCall },
      },
      {
        figure: "B's GET /v2/accounts/{B}/broadcasts while A has 20,000 calls queued",
        via: 'one request at a time for 5 s',
        p50_ms: abusedGet.p50_ms,
        p99_ms: abusedGet.p99_ms,
        requests: abusedGet.requests,
        goal_p99_ms: round(baseGet.p99_ms * 2),
        under_goal: abusedGet.p99_ms < baseGet.p99_ms * 2,
        baseline: {
          what: 'the same GET with A idle, same run',
          p50_ms: baseGet.p50_ms,
          p99_ms: baseGet.p99_ms,
        },
      },
      {
        figure: "A's 20 sendGroups of 1000 callees, and the 21st past max_queued_calls",
        via: 'POST /v3/voice/sendGroup, one at a time',
        ...acceptStats,
        over_limit_answer: { status: over.status, reason: over.reason },
        refused_whole: over.status === '-7' && over.data === undefined,
      },
    ];
  },
};
