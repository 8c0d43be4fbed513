// Issue 5's scale figures (the deposit and list beside their floors are in hotpath.bench.js): the
// gateway's peak RSS while 32 clients upload 8 MB each; list p50 at 100 and at 100,000 messages in a box.
'use strict';
const { rssGrowthFigure } = require('./lib');
const { randomBytes } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { wavFile } = require('./wav');

const GREGORIAN_OFFSET = 62167219200;

function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const round = (n) => Math.round(n * 10) / 10;

async function createBox(ctx, t) {
  const r = await ctx.request('PUT', `/v2/accounts/${t.accountId}/vmboxes`, {
    token: t.token,
    body: {
      data: {
        name: `bench ${randomBytes(3).toString('hex')}`,
        mailbox: String(100000 + Math.floor(Math.random() * 8e6)),
      },
    },
  });
  if (r.status !== 201) throw new Error(`box creation answered ${r.status}`);
  return r.body.data.id;
}

module.exports = {
  name: 'messages',
  async run(ctx) {
    const { request, measure, pg } = ctx;
    const t = await ctx.createTenant();
    const figures = [];

    // (2) the gateway's memory while 32 clients upload 8 MB each at once
    const big = wavFile(262, 16000); // 8,384,044 bytes
    const upBox = await createBox(ctx, t);
    const ids = [];
    for (let i = 0; i < 33; i++) {
      const r = await request('PUT', `/v2/accounts/${t.accountId}/vmboxes/${upBox}/messages`, {
        token: t.token,
        body: { data: {} },
      });
      ids.push(r.body.data.media_id);
    }
    const upload = (id) =>
      request('PUT', `/v2/accounts/${t.accountId}/vmboxes/${upBox}/messages/${id}/raw`, {
        token: t.token,
        headers: { 'Content-Type': 'audio/wav' },
        raw: big,
      });
    const warm = await upload(ids.pop()); // warm-up: code paths and buffers in place before the baseline
    if (warm.status !== 200) throw new Error(`upload answered ${warm.status}`);
    await new Promise((r) => setTimeout(r, 500));
    const baseline = rssMb(ctx.gatewayPid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(ctx.gatewayPid))), 20);
    const t0 = Date.now();
    const results = await Promise.all(ids.map(upload));
    const seconds = (Date.now() - t0) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, rssMb(ctx.gatewayPid));
    const failed = results.filter((r) => r.status !== 200).length;
    figures.push(
      rssGrowthFigure('gateway_rss_32x8mb_uploads', {
        bytesEach: big.length,
        failed,
        seconds,
        baseline,
        peak,
      }),
    );

    // (3) list p50 with 100 and with 100,000 messages in one box, seeded in the service's own shape
    const small = await createBox(ctx, t);
    const large = await createBox(ctx, t);
    const seed = async (vmboxId, n) => {
      await pg.query(
        `INSERT INTO message.messages (tenant_id, id, vmbox_id, folder, ts, doc, media, version)
         SELECT $1, to_char(to_timestamp(ts - ${GREGORIAN_OFFSET}), 'YYYYMM') || '-' || md5($2 || i::text), $2, folder, ts,
                jsonb_build_object('timestamp', ts, 'from', i || '@bench', 'to', '1000@bench', 'caller_id_number', i::text,
                  'caller_id_name', 'Caller ' || i, 'call_id', md5(i::text), 'folder', folder, 'length', 30000,
                  'media_id', to_char(to_timestamp(ts - ${GREGORIAN_OFFSET}), 'YYYYMM') || '-' || md5($2 || i::text)),
                NULL, 1
           FROM (SELECT i, 63800000000 + i * 37 AS ts, CASE WHEN i % 3 = 0 THEN 'saved' ELSE 'new' END AS folder
                   FROM generate_series(1, $3::int) i) s`,
        [t.accountId, vmboxId, n],
      );
      await pg.query(
        `INSERT INTO message.box_counters (tenant_id, vmbox_id, new_count, saved_count)
         SELECT $1, $2, count(*) FILTER (WHERE folder = 'new'), count(*) FILTER (WHERE folder = 'saved')
           FROM message.messages WHERE tenant_id = $1 AND vmbox_id = $2
         ON CONFLICT (tenant_id, vmbox_id) DO UPDATE SET new_count = excluded.new_count, saved_count = excluded.saved_count`,
        [t.accountId, vmboxId],
      );
    };
    await seed(small, 100);
    await seed(large, 100000);
    await pg.query('ANALYZE message.messages');
    const listOf =
      (vmboxId, q = '') =>
      async () => {
        const r = await request('GET', `/v2/accounts/${t.accountId}/vmboxes/${vmboxId}/messages${q}`, {
          token: t.token,
        });
        if (r.status !== 200 || r.body.data.length !== 50) throw new Error(`list answered ${r.status}`);
      };
    const at100 = await measure(listOf(small), { requests: 400, concurrency: 4 });
    const at100k = await measure(listOf(large), { requests: 400, concurrency: 4 });
    const at100kSaved = await measure(listOf(large, '?folder=saved'), { requests: 400, concurrency: 4 });
    figures.push({
      figure: 'list_p50_100_vs_100000',
      at_100: at100,
      at_100000: at100k,
      at_100000_folder_saved: at100kSaved,
      ratio_p50: round(at100k.p50_ms / at100.p50_ms),
      floor: { what: 'the same list on a box of 100 messages', ...at100 },
      goal: 'p50 at 100,000 within 1.5x of p50 at 100',
      met: at100k.p50_ms <= 1.5 * at100.p50_ms,
    });
    return figures;
  },
};
