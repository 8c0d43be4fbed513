// Issue 5's figures: (1) multipart deposit of a 30 s WAV and list through the gateway, beside a direct
// object-store PUT plus a PostgreSQL insert; (2) the gateway's peak RSS while 32 clients upload 8 MB each;
// (3) list p50 at 100 and at 100,000 messages in one box.
'use strict';
const { randomBytes } = require('node:crypto');
const { readFileSync } = require('node:fs');

const GREGORIAN_OFFSET = 62167219200;

/** PCM 16-bit mono WAV of `seconds` at 8 kHz (a quiet square wave). */
function wavFile(seconds, sampleRate = 8000) {
  const samples = Math.round(seconds * sampleRate);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(((i >> 4) & 1) === 0 ? 300 : -300, i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

function multipartMixed(json, audio) {
  const boundary = `----voxmailbench${randomBytes(8).toString('hex')}`;
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="message.json"\r\nContent-Type: application/json\r\n\r\n`,
    ),
    Buffer.from(JSON.stringify(json)),
    Buffer.from(
      `\r\n--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="voice.wav"\r\nContent-Type: audio/wav\r\n\r\n`,
    ),
    audio,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { contentType: `multipart/mixed; boundary=${boundary}`, body };
}

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
    const { request, measure, pg, s3 } = ctx;
    const t = await ctx.createTenant();
    const figures = [];

    // (1) deposit: one multipart PUT (JSON + 30 s WAV) → gateway → presigned PUT → commit → insert + events
    const wav30 = wavFile(30);
    const box = await createBox(ctx, t);
    const deposit = await measure(
      async (i) => {
        const mp = multipartMixed(
          { data: { caller_id_number: String(1000 + i), from: `${i}@bench` } },
          wav30,
        );
        const r = await request('PUT', `/v2/accounts/${t.accountId}/vmboxes/${box}/messages`, {
          token: t.token,
          headers: { 'Content-Type': mp.contentType },
          raw: mp.body,
        });
        if (r.status !== 201 || r.body.data.length !== 30000) throw new Error(`deposit answered ${r.status}`);
      },
      { requests: 120, concurrency: 8 },
    );
    await pg.query(
      `CREATE TABLE IF NOT EXISTS public.bench_message_floor (id text PRIMARY KEY, doc jsonb NOT NULL)`,
    );
    const depositFloor = await measure(
      async (i) => {
        const id = randomBytes(16).toString('hex');
        await s3.client.putObject(s3.bucket, `bench-floor/${id}`, wav30, wav30.length, {
          'Content-Type': 'audio/wav',
        });
        await pg.query(`INSERT INTO public.bench_message_floor (id, doc) VALUES ($1, $2)`, [
          id,
          { caller_id_number: String(i), length: 30000 },
        ]);
      },
      { requests: 120, concurrency: 8 },
    );
    figures.push({
      figure: 'deposit_multipart_30s_wav',
      via: 'HTTP multipart/mixed → gateway (streamed to a presigned PUT) → media commit (read back, sha256, duration) → message insert + events',
      wav_bytes: wav30.length,
      ...deposit,
      floor: { what: 'direct object-store PUT of the same WAV + one PostgreSQL insert', ...depositFloor },
      ratio_p50: round(deposit.p50_ms / depositFloor.p50_ms),
    });

    const list = await measure(
      async () => {
        const r = await request('GET', `/v2/accounts/${t.accountId}/vmboxes/${box}/messages`, {
          token: t.token,
        });
        if (r.status !== 200 || r.body.data.length !== 50) throw new Error(`list answered ${r.status}`);
      },
      { requests: 600, concurrency: 8 },
    );
    const listFloor = await measure(
      () =>
        pg.query(
          `SELECT doc FROM message.messages WHERE tenant_id = $1 AND vmbox_id = $2 AND folder <> 'deleted'
            ORDER BY ts DESC, id DESC LIMIT 51`,
          [t.accountId, box],
        ),
      { requests: 600, concurrency: 8 },
    );
    figures.push({
      figure: 'list_first_page',
      via: 'HTTP → gateway → NATS → message-service (box check via mailbox-service) → PostgreSQL',
      ...list,
      floor: { what: 'the same page query on a pooled pg client', ...listFloor },
      ratio_p50: round(list.p50_ms / listFloor.p50_ms),
    });
    const floorObjects = [];
    for await (const o of s3.client.listObjectsV2(s3.bucket, 'bench-floor/', true)) floorObjects.push(o.name);
    await s3.client.removeObjects(s3.bucket, floorObjects);
    await pg.query(`DROP TABLE IF EXISTS public.bench_message_floor`);

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
    figures.push({
      figure: 'gateway_rss_32x8mb_uploads',
      clients: 32,
      bytes_each: big.length,
      failed,
      seconds: round(seconds),
      mb_per_s: round((32 * big.length) / 2 ** 20 / seconds),
      rss_baseline_mb: round(baseline),
      rss_peak_mb: round(peak),
      growth_mb: round(peak - baseline),
      floor: { what: 'the gateway RSS before the uploads (baseline)', rss_mb: round(baseline) },
      goal: 'growth < 64 MB',
      met: failed === 0 && peak - baseline < 64,
    });

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
