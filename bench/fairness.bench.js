// Issue 24's gateway figures: tenant B's `GET /v2/accounts/{B}` every 200 ms, first alone (its baseline)
// and then while tenant A, with valid credentials, abuses the gateway as the table measured it:
// audio downloads opened and never read, uploads trickling 2 bytes every 2 s, login storms with a correct
// password, parallel transcodes of a long Opus file, unauthenticated 1 MB bodies of nested `[`, and a
// flood of requests. Each row prints B's p50/p99 beside the baseline of the same run, A's answers by
// status, and whether B's p99 stayed under twice its baseline (the goal). The dialer rows are
// bench/fairness-dialer.bench.js. BENCH_FAIRNESS_SECONDS (10) sets each window.
'use strict';
const { createHash, randomBytes } = require('node:crypto');
const http = require('node:http');
const { percentile, round } = require('./lib');
const { opusFile, wavFile } = require('./wav');

const WINDOW_S = Number(process.env.BENCH_FAIRNESS_SECONDS || 10);
const md5 = (s) => createHash('md5').update(s).digest('hex');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The request rates this run sets (the defaults, 200 and 100/s, are near what this 2-core machine serves). */
const RATE_LIMITS = { RATE_LIMIT_ACCOUNT_RPS: '50', RATE_LIMIT_CREDENTIAL_RPS: '25' };

module.exports = {
  name: 'fairness',
  async run(ctx) {
    const { log } = ctx;
    // the other benchmarks run without request-rate limits; this one measures them as deployed
    await ctx.restartApp('api-gateway', RATE_LIMITS);
    try {
      return await fairness(ctx, log);
    } finally {
      await ctx.restartApp('api-gateway', {});
    }
  },
};

async function fairness(ctx, log) {
  const { request, baseUrl } = ctx;
  const A = await ctx.createTenant();
  const B = await ctx.createTenant();
  const box = async (t) => {
    const r = await request('PUT', `/v2/accounts/${t.accountId}/vmboxes`, {
      token: t.token,
      body: {
        data: {
          name: 'bench',
          mailbox: String(1000 + Math.floor(Math.random() * 9e6)),
          max_message_length: 86400,
        },
      },
    });
    if (r.status !== 201) throw new Error(`box creation answered ${r.status}`);
    return r.body.data.id;
  };
  const boxA = await box(A);
  const messages = (t, b) => `/v2/accounts/${t.accountId}/vmboxes/${b}/messages`;
  const deposit = async (t, b, audio, type = 'audio/wav') => {
    const m = await request('PUT', messages(t, b), { token: t.token, body: { data: {} } });
    const up = await request('PUT', `${messages(t, b)}/${m.body.data.media_id}/raw`, {
      token: t.token,
      headers: { 'Content-Type': type },
      raw: audio,
    });
    if (up.status !== 200) throw new Error(`upload answered ${up.status}`);
    return m.body.data.media_id;
  };
  const user = async (t) => {
    const pw = `pw-${randomBytes(6).toString('hex')}`;
    const u = await request('PUT', `/v2/accounts/${t.accountId}/users`, {
      token: t.token,
      body: { data: { username: 'bench', password: pw, first_name: 'B', last_name: 'N' } },
    });
    if (u.status !== 201) throw new Error(`user creation answered ${u.status}`);
    return md5(`bench:${pw}`);
  };
  const credA = await user(A);
  log('fairness: depositing A’s audio (a 15 MB WAV)');
  const bigA = await deposit(A, boxA, wavFile(160, 48000)); // 15 MB, under MEDIA_MAX_MESSAGE_BYTES

  /** B's GET every 200 ms for the window: latencies (ms) and statuses other than 200. */
  const probeB = async () => {
    const lat = [];
    const bad = {};
    const end = Date.now() + WINDOW_S * 1000;
    while (Date.now() < end) {
      const t0 = process.hrtime.bigint();
      const r = await fetch(`${baseUrl}/v2/accounts/${B.accountId}`, {
        headers: { 'X-Auth-Token': B.token },
      });
      await r.arrayBuffer();
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (r.status !== 200) bad[r.status] = (bad[r.status] || 0) + 1;
      await sleep(200);
    }
    lat.sort((x, y) => x - y);
    return {
      requests: lat.length,
      p50_ms: round(percentile(lat, 50)),
      p99_ms: round(percentile(lat, 99)),
      bad,
    };
  };

  const baseline = await probeB();
  log(`fairness: baseline p50 ${baseline.p50_ms} ms, p99 ${baseline.p99_ms} ms`);

  const figures = [{ figure: 'b_get_baseline', ...baseline, settings: RATE_LIMITS }];
  /** Runs `abuse(stop)` while B probes; `abuse` resolves to A's statuses; stop() tells it to end. */
  const row = async (name, abuse) => {
    let stopped = false;
    const statuses = {};
    const count = (s) => (statuses[s] = (statuses[s] || 0) + 1);
    const running = abuse(() => stopped, count).catch((e) => count(`error: ${e.message}`));
    await sleep(300); // the abuse is under way before B is measured
    const b = await probeB();
    stopped = true;
    await running;
    const fig = {
      figure: name,
      b_get: b,
      baseline: { p50_ms: baseline.p50_ms, p99_ms: baseline.p99_ms },
      ratio_p99: round(b.p99_ms / baseline.p99_ms),
      goal_p99_under_twice_baseline: b.p99_ms < 2 * baseline.p99_ms ? 'met' : 'not met',
      a_answers: statuses,
    };
    log(
      `fairness: ${name}: B p50 ${b.p50_ms} p99 ${b.p99_ms} (x${fig.ratio_p99}); A ${JSON.stringify(statuses)}`,
    );
    figures.push(fig);
  };

  // row 3: 280 audio downloads opened and never read
  await row('a_280_downloads_never_read', async (stopped, count) => {
    const reqs = [];
    await Promise.all(
      Array.from(
        { length: 280 },
        () =>
          new Promise((resolve) => {
            const req = http.request(`${baseUrl}${messages(A, boxA)}/${bigA}/raw`, {
              headers: { 'X-Auth-Token': A.token },
              agent: false,
            });
            reqs.push(req);
            req.on('response', (res) => {
              count(res.statusCode);
              if (res.statusCode !== 200) res.resume(); // a refusal is read; a 200 never is
              resolve();
            });
            req.on('error', () => (count('reset'), resolve()));
            req.end();
          }),
      ),
    );
    while (!stopped()) await sleep(100);
    for (const r of reqs) r.destroy();
  });

  // row 4: 300 uploads trickling 2 bytes every 2 s
  const trickleAudio = wavFile(60);
  const ids = [];
  // made before the row, at A's request rate (a 429 is waited out and retried)
  while (ids.length < 300) {
    const m = await request('PUT', messages(A, boxA), { token: A.token, body: { data: {} } });
    if (m.status === 201) ids.push(m.body.data.media_id);
    else await sleep(Number(m.headers.get('retry-after') || 1) * 1000);
  }
  await row('a_300_uploads_trickling', async (stopped, count) => {
    const reqs = ids.map((id) => {
      let sent = 0;
      const req = http.request(`${baseUrl}${messages(A, boxA)}/${id}/raw`, {
        method: 'PUT',
        agent: false,
        headers: { 'X-Auth-Token': A.token, 'Content-Type': 'audio/wav', 'Transfer-Encoding': 'chunked' },
      });
      const send = () => {
        if (!req.destroyed) req.write(trickleAudio.subarray(sent, (sent += 2)));
      };
      send();
      const timer = setInterval(send, 2000);
      req.on('response', (res) => {
        clearInterval(timer);
        count(res.statusCode);
        res.resume();
      });
      req.on('error', () => clearInterval(timer));
      return { req, timer };
    });
    while (!stopped()) await sleep(100);
    for (const r of reqs) {
      clearInterval(r.timer);
      r.req.destroy();
    }
  });

  // row 5: rounds of 40 parallel user_auth with A's own correct password
  await row('a_login_storm_40_parallel', async (stopped, count) => {
    while (!stopped()) {
      const rs = await Promise.all(
        Array.from({ length: 40 }, () =>
          request('PUT', '/v2/user_auth', { body: { data: { credentials: credA, account_name: A.name } } }),
        ),
      );
      for (const r of rs) count(r.status);
    }
  });

  // row 6: 4 parallel `?format=wav` of a 20-minute Opus file (a new file each round, so each transcodes)
  log('fairness: depositing 20-minute Opus files');
  const opus = opusFile(20 * 60);
  const opusIds = [];
  for (let i = 0; i < 6; i++) opusIds.push(await deposit(A, boxA, opus, 'audio/ogg'));
  await row('a_4_parallel_transcodes_20_min_opus', async (stopped, count) => {
    let i = 0;
    while (!stopped() && i < opusIds.length) {
      const id = opusIds[i++];
      const rs = await Promise.all(
        Array.from({ length: 4 }, () =>
          fetch(`${baseUrl}${messages(A, boxA)}/${id}/raw?format=wav`, {
            headers: { 'X-Auth-Token': A.token },
          }).then(async (r) => (await r.arrayBuffer(), r.status)),
        ),
      );
      for (const s of rs) count(s);
    }
  });

  // row 7: unauthenticated PUT /v2/api_auth with 1 MB of nested `[`, 4 at a time
  const brackets = Buffer.alloc(1024 * 1024, '[');
  await row('a_unauthenticated_1mb_nested_brackets', async (stopped, count) => {
    while (!stopped()) {
      const rs = await Promise.all(
        Array.from({ length: 4 }, () =>
          fetch(`${baseUrl}/v2/api_auth`, {
            method: 'PUT',
            headers: { 'Content-Type': 'application/json' },
            body: brackets,
          })
            .then(async (r) => (await r.arrayBuffer(), r.status))
            .catch(() => 'reset'),
        ),
      );
      for (const s of rs) count(s);
    }
  });

  // the request rate: A floods GETs from 32 connections
  await row('a_request_flood_32_connections', async (stopped, count) => {
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (!stopped()) {
          const r = await fetch(`${baseUrl}/v2/accounts/${A.accountId}`, {
            headers: { 'X-Auth-Token': A.token },
          });
          await r.arrayBuffer();
          count(r.status); // an abuser does not honour Retry-After
        }
      }),
    );
  });

  return figures;
}
