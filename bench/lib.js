// Shared by the benchmarks: a bounded load loop that measures throughput and latency percentiles.
'use strict';

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

const round = (n) => Math.round(n * 100) / 100;

/**
 * Runs `fn` `requests` times with `concurrency` callers in flight (after a short warm-up that is not
 * counted) and returns throughput and latency percentiles in milliseconds.
 */
async function measure(
  fn,
  { requests = 500, concurrency = 8, warmup = Math.min(50, Math.ceil(requests / 10)) } = {},
) {
  let next = 0;
  const run = async (count, record) => {
    const lat = [];
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        const t0 = process.hrtime.bigint();
        await fn(i);
        if (record) lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    };
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: concurrency }, worker));
    return { lat, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
  };
  await run(warmup, false);
  next = 0;
  const { lat, seconds } = await run(requests, true);
  lat.sort((a, b) => a - b);
  return {
    requests,
    concurrency,
    rps: round(requests / seconds),
    p50_ms: round(percentile(lat, 50)),
    p99_ms: round(percentile(lat, 99)),
  };
}

module.exports = { measure, percentile, round };
