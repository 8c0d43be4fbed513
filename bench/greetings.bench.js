// Issue 12's figures: 8 MB greeting uploads through the Yeastar face (multipart, file first, is_check
// force) beside a direct object-store PUT of the same bytes in the same run, and the gateway's RSS growth
// while 32 such uploads run at once.
'use strict';
const { rssGrowthFigure } = require('./lib');
const { readFileSync } = require('node:fs');
const { wavFile } = require('./wav');

const BOUNDARY = '----WebKitFormBoundary7MA4YWxkTrZu0gW';
const round = (n) => Math.round(n * 100) / 100;

function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function formBody(file, name, owner) {
  return Buffer.concat([
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="/D:/greeting/${name}"\r\nContent-Type: audio/wav\r\n\r\n`,
    ),
    file,
    Buffer.from(
      `\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="owner"\r\n\r\n${owner}` +
        `\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="is_check"\r\n\r\nforce\r\n--${BOUNDARY}--\r\n`,
    ),
  ]);
}

/** Runs `count` calls of `fn(i)`, `concurrency` at a time; answers the MB/s of `bytes` each. */
async function rate(fn, count, concurrency, bytes) {
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await fn(next++);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return {
    count,
    concurrency,
    seconds: round(seconds),
    mb_per_s: round((count * bytes) / 2 ** 20 / seconds),
  };
}

module.exports = {
  name: 'greetings',
  async run(ctx) {
    const { request, s3 } = ctx;
    const t = await ctx.createTenant();
    const box = await request('PUT', `/v2/accounts/${t.accountId}/vmboxes`, {
      token: t.token,
      body: { data: { name: 'bench group', mailbox: '6300', type: 'group' } },
    });
    if (box.status !== 201) throw new Error(`box creation answered ${box.status}`);
    const client = await request('PUT', `/v2/accounts/${t.accountId}/api_clients`, {
      token: t.token,
      body: { data: { name: 'bench yeastar', priv_level: 'admin' } },
    });
    const tok = await request('POST', '/openapi/v1.0/get_token', {
      body: { username: client.body.data.id, password: client.body.data.client_secret },
    });
    const token = tok.body.access_token;
    if (!token) throw new Error(`get_token answered ${JSON.stringify(tok.body)}`);

    const big = wavFile(262, 16000); // 8,384,044 bytes: under the 8 MB limit
    const bodies = Array.from({ length: 32 }, (_, i) => formBody(big, `bench_${i}.wav`, '6300'));
    const upload = async (i) => {
      const r = await request('POST', `/openapi/v1.0/vm_greeting/upload?access_token=${token}`, {
        headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` },
        raw: bodies[i % bodies.length],
      });
      if (r.status !== 200 || r.body.errcode !== 0)
        throw new Error(`upload answered ${JSON.stringify(r.body)}`);
    };
    const direct = (i) =>
      s3.client.putObject(s3.bucket, `bench-direct/${t.accountId}/${i}`, big, big.length, {
        'Content-Type': 'application/octet-stream',
      });

    await upload(0); // warm-up
    await direct(0);
    const figures = [];
    // alternate to share whatever else the machine is doing between both sides
    const face1 = await rate(upload, 8, 4, big.length);
    const store1 = await rate(direct, 8, 4, big.length);
    const face2 = await rate(upload, 8, 4, big.length);
    const store2 = await rate(direct, 8, 4, big.length);
    const faceRate = (face1.mb_per_s + face2.mb_per_s) / 2;
    const storeRate = (store1.mb_per_s + store2.mb_per_s) / 2;
    figures.push({
      figure: 'yeastar_8mb_greeting_upload_vs_direct_put',
      bytes_each: big.length,
      via: 'POST /openapi/v1.0/vm_greeting/upload (multipart, is_check=force): gate, presigned PUT, commit, attach',
      measured: { runs: [face1, face2], mb_per_s: round(faceRate) },
      floor: {
        what: 'direct object-store PUT of the same bytes, same count and concurrency',
        runs: [store1, store2],
        mb_per_s: round(storeRate),
      },
      ratio: round(faceRate / storeRate),
      goal: 'at least 0.7 of the direct rate',
      met: faceRate >= 0.7 * storeRate,
    });

    await new Promise((r) => setTimeout(r, 500));
    const baseline = rssMb(ctx.gatewayPid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(ctx.gatewayPid))), 20);
    const t0 = Date.now();
    const results = await Promise.allSettled(bodies.map((_, i) => upload(i)));
    const seconds = (Date.now() - t0) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, rssMb(ctx.gatewayPid));
    const failed = results.filter((r) => r.status === 'rejected').length;
    const firstError = results.find((r) => r.status === 'rejected')?.reason?.message;
    figures.push(
      rssGrowthFigure(
        'gateway_rss_32x8mb_yeastar_greeting_uploads',
        { bytesEach: big.length, failed, seconds, baseline, peak },
        firstError ? { first_error: String(firstError).slice(0, 300) } : {},
      ),
    );
    return figures;
  },
};
