// Shared by the benchmarks: the HTTP load generator (autocannon, latencies recorded in full precision),
// a bounded in-process loop for the floors, the shape of a figure beside its floor, latency and memory
// figures, and the Onbuka client and prompt upload of the broadcast benchmarks.
'use strict';
const { createHash } = require('node:crypto');
const autocannon = require('autocannon');
const { wavFile } = require('./wav');

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

const round = (n) => Math.round(n * 100) / 100;

function summary(lat, seconds, concurrency, extra = {}) {
  lat.sort((a, b) => a - b);
  const s = {
    requests: lat.length,
    concurrency,
    seconds: round(seconds),
    rps: round(lat.length / seconds),
    p50_ms: round(percentile(lat, 50)),
    p99_ms: round(percentile(lat, 99)),
    ...extra,
  };
  // the raw latencies ride along, out of the JSON, so rounds can be combined (`combine`)
  Object.defineProperty(s, 'latencies', { value: lat, enumerable: false });
  return s;
}

/** Several rounds of one call (A B A B interleaving) as one figure: latencies pooled, time summed. */
function combine(rounds, extra = {}) {
  const lat = rounds.flatMap((r) => r.latencies);
  const seconds = rounds.reduce((n, r) => n + r.seconds, 0);
  return summary(lat, seconds, rounds[0].concurrency, { rounds: rounds.length, ...extra });
}

const CLOCK_TICKS = (() => {
  try {
    return Number(require('node:child_process').execSync('getconf CLK_TCK').toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process in milliseconds, from /proc/<pid>/stat (undefined once it is gone). */
function cpuMsOf(pid) {
  try {
    const stat = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/**
 * CPU time spent by a set of processes over a window. `groups()` returns `{label: [pid...]}` and is asked
 * at the start and at the end (PostgreSQL backends come and go): a process present only at the end is
 * counted whole (it was born inside the window), one gone by the end is lost (counted to its last read).
 */
async function cpuWindow(groups) {
  const start = await groups();
  const before = new Map();
  for (const pids of Object.values(start)) for (const pid of pids) before.set(pid, cpuMsOf(pid));
  return async () => {
    const end = await groups();
    const byGroup = {};
    let total = 0;
    for (const label of new Set([...Object.keys(start), ...Object.keys(end)])) {
      let ms = 0;
      for (const pid of new Set([...(start[label] ?? []), ...(end[label] ?? [])])) {
        const a = cpuMsOf(pid);
        const b = before.get(pid) ?? 0;
        if (a !== undefined) ms += Math.max(0, a - b);
      }
      byGroup[label] = ms;
      total += ms;
    }
    return { total_ms: total, by_process_ms: byGroup };
  };
}

/**
 * Runs `fn` with `concurrency` callers in flight for `seconds` (after `warmupSeconds` not counted) and
 * returns throughput (or `requests` calls, when given) and latency percentiles in milliseconds. Used for the floors (database and object
 * store work run from this process) and for calls autocannon cannot express.
 */
async function measure(fn, { seconds = 4, concurrency = 32, warmupSeconds = 1, requests } = {}) {
  const run = async (forSeconds, record, count = Infinity) => {
    const lat = [];
    const end = process.hrtime.bigint() + BigInt(Math.round(forSeconds * 1e9));
    let i = 0;
    const worker = async () => {
      while (i < count && process.hrtime.bigint() < end) {
        const t0 = process.hrtime.bigint();
        await fn(i++);
        if (record) lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    };
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: concurrency }, worker));
    return { lat, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
  };
  if (warmupSeconds > 0) await run(warmupSeconds, false, requests ? Math.ceil(requests / 10) : Infinity);
  // a fixed number of requests (the scale figures) or a fixed time (the hot-path figures)
  const { lat, seconds: took } = await run(requests ? 600 : seconds, true, requests ?? Infinity);
  return summary(lat, took, concurrency);
}

/**
 * HTTP load with autocannon against one or more base URLs (connections split evenly between them, as
 * a load balancer in front of replicas would). autocannon's own histogram keeps whole milliseconds, so
 * latencies are taken from its per-response event at full precision. Any answer other than
 * `expectStatus` fails the figure: a fast error is not a result.
 *
 * `request` is `{method, path, headers, body}` or a function `(i) => {...}` for a body per request.
 */
async function load(
  urls,
  request,
  { seconds = 4, connections = 32, warmupSeconds = 1, expectStatus = 200, overallRate } = {},
) {
  urls = Array.isArray(urls) ? urls : [urls];
  const one = async (forSeconds, record) => {
    const lat = [];
    const bad = {};
    let errors = 0;
    let n = 0;
    const per = urls.map(
      (_, k) => Math.floor(connections / urls.length) + (k < connections % urls.length ? 1 : 0),
    );
    const t0 = process.hrtime.bigint();
    await Promise.all(
      urls.map((url, k) => {
        const opts = {
          url,
          connections: per[k],
          duration: forSeconds,
          pipelining: 1,
          timeout: 10,
        };
        // a paced load: the rate is shared between the URLs as the connections are
        if (overallRate) opts.overallRate = Math.max(1, Math.round(overallRate / urls.length));
        if (typeof request === 'function') {
          opts.requests = [
            {
              setupRequest: (req) => {
                const r = request(n++);
                return { ...req, method: r.method, path: r.path, headers: r.headers, body: r.body };
              },
            },
          ];
        } else {
          Object.assign(opts, {
            method: request.method,
            headers: request.headers,
            body: request.body,
            requests: [{ method: request.method, path: request.path }],
          });
        }
        return new Promise((resolve, reject) => {
          const inst = autocannon(opts, (err, res) => (err ? reject(err) : resolve(res)));
          inst.on('response', (_client, status, _bytes, ms) => {
            if (status !== expectStatus) bad[status] = (bad[status] || 0) + 1;
            else if (record) lat.push(ms);
          });
          inst.on('reqError', () => errors++);
        });
      }),
    );
    const took = Number(process.hrtime.bigint() - t0) / 1e9;
    return { lat, took, bad, errors };
  };
  if (warmupSeconds > 0) await one(warmupSeconds, false);
  const { lat, took, bad, errors } = await one(seconds, true);
  if (errors || Object.keys(bad).length) {
    throw new Error(
      `load on ${request.path ?? 'requests'}: ${errors} errors, unexpected statuses ${JSON.stringify(bad)}`,
    );
  }
  return summary(lat, took, connections);
}

/** A figure beside its floor (both measured in this run): throughput share and latency multiple. */
function figure(name, via, measured, floorWhat, floor, extra = {}) {
  return {
    figure: name,
    via,
    ...measured,
    floor: { what: floorWhat, ...floor },
    ratio_rps: round(measured.rps / floor.rps),
    ratio_p50: round(measured.p50_ms / floor.p50_ms),
    ...extra,
  };
}

/** Samples, p50, p99 and max of latencies in ms. */
function latencyStats(lat) {
  const s = [...lat].sort((a, b) => a - b);
  return {
    samples: s.length,
    p50_ms: round(percentile(s, 50)),
    p99_ms: round(percentile(s, 99)),
    max_ms: round(s[s.length - 1]),
  };
}

/** The gateway's RSS over concurrent uploads beside its baseline before them (goal: growth < 64 MB). */
function rssGrowthFigure(name, { bytesEach, failed, seconds, baseline, peak }, extra = {}) {
  return {
    figure: name,
    clients: 32,
    bytes_each: bytesEach,
    failed,
    ...extra,
    seconds: round(seconds),
    mb_per_s: round((32 * bytesEach) / 2 ** 20 / seconds),
    rss_baseline_mb: round(baseline),
    rss_peak_mb: round(peak),
    growth_mb: round(peak - baseline),
    floor: { what: 'the gateway RSS before the uploads (baseline)', rss_mb: round(baseline) },
    goal: 'growth < 64 MB',
    met: failed === 0 && peak - baseline < 64,
  };
}

/**
 * Onbuka's sendGroup for one key pair, as a client sends it: each request signed with its own timestamp
 * (a replayed one is refused), all within the 5 minutes allowed; answers the parsed body.
 */
function onbukaSender(baseUrl, key, secret) {
  const used = new Set();
  return async (body) => {
    let n = Math.floor(Date.now() / 1000);
    while (used.has(n)) n--;
    used.add(n);
    const ts = String(n);
    const res = await fetch(`${baseUrl}/v3/voice/sendGroup`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Api-Key': key,
        Timestamp: ts,
        Sign: createHash('md5')
          .update(key + secret + ts)
          .digest('hex'),
      },
      body: JSON.stringify(body),
    });
    return res.json();
  };
}

/** A prompt of tenant `t` named `name` (one second of WAV), through the Kazoo media API. */
async function uploadPrompt(request, t, name) {
  const doc = await request('PUT', `/v2/accounts/${t.accountId}/media`, {
    token: t.token,
    body: { data: { name, kind: 'prompt' } },
  });
  const up = await request('PUT', `/v2/accounts/${t.accountId}/media/${doc.body.data.id}/raw`, {
    token: t.token,
    headers: { 'Content-Type': 'audio/wav' },
    raw: wavFile(1),
  });
  if (up.status >= 300) throw new Error(`prompt upload answered ${up.status}`);
}

module.exports = {
  measure,
  load,
  figure,
  percentile,
  round,
  combine,
  cpuWindow,
  cpuMsOf,
  latencyStats,
  rssGrowthFigure,
  onbukaSender,
  uploadPrompt,
};
