// Issue 21's search figure: "a page costs the same at 100 and 100,000 messages". Two accounts, one with
// 100 messages and one with 100,000, bulk-inserted straight into message.messages (as a benchmark may: the
// deposits' own cost is the transcription bench's and the messages bench's), each with the same 50
// messages saying "invoice". The same `GET /v2/accounts/{a}/messages?q=invoice&page_size=20` (and its
// second page, by next_start_key) is timed on both, in alternating blocks, with the CPU of
// message-service and of the PostgreSQL backends per request; their ratio is the figure. A word every
// message says ("call") is timed the same way: a search ranks only the newest 1,000 matches
// (MESSAGE_SEARCH_RANKED_MATCHES), so its page too should cost the same at both sizes. EXPLAIN ANALYZE of
// the ranked window's query at 100,000 says which index each word goes through: the GIN index for the rare
// word, the time-ordered index stopped after 1,001 rows for the common one.
'use strict';
const { cpuWindow, percentile, round } = require('./lib');

const SIZES = [100, 100000];
const TSQUERY = `(websearch_to_tsquery(CAST($3 AS regconfig), $2) || websearch_to_tsquery('simple'::regconfig, $2))`;
const MATCHES = 50;
const BLOCKS = Number(process.env.BENCH_SEARCH_BLOCKS || 6);
const PER_BLOCK = Number(process.env.BENCH_SEARCH_REQUESTS || 20);

/** Inserts `count` messages into one box: MATCHES of them (spread evenly) say "invoice". */
async function fill(pg, tenantId, vmboxId, count) {
  const every = Math.floor(count / MATCHES);
  for (let from = 0; from < count; from += 20000) {
    const to = Math.min(count, from + 20000) - 1;
    await pg.query(
      `INSERT INTO message.messages (tenant_id, id, vmbox_id, folder, ts, doc)
       SELECT $1::text, '202612-' || md5($1::text || i::text), $2::text, 'new', 63900000000 + i,
              jsonb_build_object(
                'caller_id_name', 'Caller ' || i, 'caller_id_number', '+1555' || lpad(i::text, 7, '0'),
                'folder', 'new', 'timestamp', 63900000000 + i,
                'transcription', jsonb_build_object('result', 'success', 'engine', 'pocketsphinx',
                  'language', 'en-us',
                  'text', CASE WHEN i % $3::int = 0
                    THEN 'hello please call me back about the invoice for the printer'
                    ELSE 'hello please call me back about the meeting on ' || (i % 28 + 1)::text || ' march' END))
         FROM generate_series($4::int, $5::int) i`,
      [tenantId, vmboxId, every, from, to],
    );
  }
}

module.exports = {
  name: 'transcription-search',
  async run(ctx) {
    const { request, pg } = ctx;
    const accounts = [];
    for (const size of SIZES) {
      const t = await ctx.createTenant();
      const box = await request('PUT', `/v2/accounts/${t.accountId}/vmboxes`, {
        token: t.token,
        body: { data: { name: `search ${size}`, mailbox: String(7000 + accounts.length) } },
      });
      if (box.status !== 201) throw new Error(`box creation answered ${box.status}`);
      const t0 = Date.now();
      await fill(pg, t.accountId, box.body.data.id, size);
      ctx.log(`search: ${size} messages inserted in ${Date.now() - t0} ms`);
      accounts.push({ size, t });
    }
    // as autovacuum leaves a table after a bulk load: statistics, and the GIN index's pending list merged
    await pg.query('VACUUM ANALYZE message.messages');

    const page = async (t, q, startKey) => {
      const key = startKey ? `&start_key=${startKey}` : '';
      const r = await request('GET', `/v2/accounts/${t.accountId}/messages?q=${q}&page_size=20${key}`, {
        token: t.token,
      });
      if (r.status !== 200) throw new Error(`search answered ${r.status}`);
      return r.body;
    };
    // both pages of each account find what they should before anything is timed
    for (const { t } of accounts) {
      const first = await page(t, 'invoice');
      const second = await page(t, 'invoice', first.next_start_key);
      const third = await page(t, 'invoice', second.next_start_key);
      const n = first.data.length + second.data.length + third.data.length;
      if (n !== MATCHES || third.next_start_key) throw new Error(`search found ${n} of ${MATCHES}`);
    }

    // the plan of the first page's ranked window at 100,000 messages, as message-service builds it
    const plan = async (q) =>
      (
        await pg.query(
          `EXPLAIN (ANALYZE, BUFFERS OFF)
           SELECT m.id, m.ts, floor(ts_rank(m.search, ${TSQUERY}) * 1000000)::bigint AS rank
             FROM message.messages m
            WHERE m.tenant_id = $1 AND m.search @@ ${TSQUERY} AND m.folder <> 'deleted'
            ORDER BY m.ts DESC, m.id DESC LIMIT 1001`,
          [accounts[1].t.accountId, q, 'english'],
        )
      ).rows.map((r) => r['QUERY PLAN']);
    // the common word's first page is full and goes on
    for (const { t } of accounts) {
      const first = await page(t, 'call');
      if (first.data.length !== 20 || !first.next_start_key) throw new Error('the common word found too few');
    }
    const plans = { invoice: await plan('invoice'), call: await plan('call') };
    const indexOf = (lines) =>
      ['messages_search_idx', 'messages_tenant_ts_idx'].filter((i) => lines.some((l) => l.includes(i)));

    const backends = async () =>
      (
        await pg.query(
          `SELECT pid FROM pg_stat_activity
            WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
        )
      ).rows.map((r) => r.pid);
    const groups = async () => ({
      'message-service': [ctx.appPids()['message-service']],
      postgres: await backends(),
    });

    /** Alternating blocks of PER_BLOCK requests per account: latency and CPU per request of each. */
    const timed = async (q, second) => {
      const keys = [];
      for (const { t } of accounts) keys.push(second ? (await page(t, q)).next_start_key : undefined);
      const lat = accounts.map(() => []);
      const cpu = accounts.map(() => ({ ms: 0, n: 0 }));
      for (let b = 0; b < BLOCKS; b++) {
        for (let i = 0; i < accounts.length; i++) {
          const k = b % 2 ? accounts.length - 1 - i : i; // alternate which size goes first
          const stop = await cpuWindow(groups);
          for (let r = 0; r < PER_BLOCK; r++) {
            const t0 = process.hrtime.bigint();
            await page(accounts[k].t, q, keys[k]);
            lat[k].push(Number(process.hrtime.bigint() - t0) / 1e6);
          }
          const used = await stop();
          cpu[k].ms += used.total_ms;
          cpu[k].n += PER_BLOCK;
        }
      }
      const out = {};
      accounts.forEach(({ size }, i) => {
        const sorted = lat[i].sort((a, b) => a - b);
        out[`messages_${size}`] = {
          p50_ms: round(percentile(sorted, 50)),
          p90_ms: round(percentile(sorted, 90)),
          cpu_ms_per_request: round(cpu[i].ms / cpu[i].n),
        };
      });
      const [small, big] = SIZES.map((s) => out[`messages_${s}`]);
      out.ratio_p50 = round(big.p50_ms / small.p50_ms);
      out.ratio_cpu = round(big.cpu_ms_per_request / small.cpu_ms_per_request);
      return out;
    };

    const figures = {
      matches_per_account: MATCHES,
      requests_per_size: BLOCKS * PER_BLOCK,
      rare_word_index: indexOf(plans.invoice),
      common_word_index: indexOf(plans.call),
      rare_word_plan_100000: plans.invoice.join('\n'),
      common_word_plan_100000: plans.call.join('\n'),
      rare_word_first_page: await timed('invoice', false),
      rare_word_second_page: await timed('invoice', true),
      // every message matches: only the newest 1,000 are ranked
      common_word_first_page: await timed('call', false),
      common_word_second_page: await timed('call', true),
    };
    await pg.query(`DELETE FROM message.messages WHERE tenant_id = ANY($1)`, [
      accounts.map((a) => a.t.accountId),
    ]);
    return figures;
  },
};
