// Issue 21's figures: the transcription queue's drain time for BENCH_TRANSCRIPTION_COUNT (100) deposits of
// the e2e's speech recording into a box with transcribe: true, and transcriptions per minute per replica
// (TRANSCRIPTION_CONCURRENCY workers, default 2), beside the floor: the engine's own time on the same file
// (ffmpeg conversion + pocketsphinx_continuous, run from this process, one at a time) scaled to the
// same work and the same worker count.
'use strict';
const { execFile } = require('node:child_process');
const { promisify } = require('node:util');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');

const round = (n) => Math.round(n * 100) / 100;
const SPEECH = path.join(__dirname, '..', 'e2e', 'fixtures', 'speech-invoice.wav');

function multipart(audio, data) {
  const b = 'bench-boundary-7f3a';
  return {
    contentType: `multipart/mixed; boundary=${b}`,
    body: Buffer.concat([
      Buffer.from(`--${b}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify({ data })}\r\n`),
      Buffer.from(`--${b}\r\nContent-Type: audio/wav\r\n\r\n`),
      audio,
      Buffer.from(`\r\n--${b}--\r\n`),
    ]),
  };
}

/** Seconds the engine alone takes on the file: conversion and recognition, as the worker runs them. */
// asynchronous: a process blocked in spawnSync lets the gateway close the idle keep-alive sockets under it
const run = promisify(execFile);

async function engineSeconds(runs) {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-transcription-'));
  try {
    const wav = path.join(dir, 'speech.wav');
    const times = [];
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      await run(process.env.FFMPEG_PATH || 'ffmpeg', [
        ...['-v', 'error', '-y', '-i', SPEECH, '-ac', '1', '-ar', '16000', '-c:a', 'pcm_s16le', wav],
      ]);
      await run(process.env.POCKETSPHINX_PATH || 'pocketsphinx_continuous', [
        ...['-infile', wav, '-logfn', '/dev/null'],
      ]);
      times.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = {
  name: 'transcription',
  async run(ctx) {
    const { request, pg } = ctx;
    const count = Number(process.env.BENCH_TRANSCRIPTION_COUNT || 100);
    const workers = Number(process.env.TRANSCRIPTION_CONCURRENCY || 2);
    const audio = readFileSync(SPEECH);

    const t = await ctx.createTenant();
    const box = await request('PUT', `/v2/accounts/${t.accountId}/vmboxes`, {
      token: t.token,
      body: { data: { name: 'bench transcribed', mailbox: '6400', transcribe: true } },
    });
    if (box.status !== 201) throw new Error(`box creation answered ${box.status}`);
    const boxId = box.body.data.id;

    const t0 = process.hrtime.bigint();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < count) {
          const i = next++;
          const mp = multipart(audio, { caller_id_name: `Bench ${i}` });
          const r = await request('PUT', `/v2/accounts/${t.accountId}/vmboxes/${boxId}/messages`, {
            token: t.token,
            headers: { 'Content-Type': mp.contentType },
            raw: mp.body,
          });
          if (r.status !== 201) throw new Error(`deposit answered ${r.status}`);
        }
      }),
    );
    const depositedS = Number(process.hrtime.bigint() - t0) / 1e9;
    const deadline = Date.now() + Math.max(600000, count * 20000);
    let done = 0;
    for (;;) {
      const r = await pg.query(
        `SELECT count(*) FILTER (WHERE state = 'done')::int AS done,
                count(*) FILTER (WHERE outcome = 'success')::int AS success
           FROM transcription.jobs WHERE tenant_id = $1`,
        [t.accountId],
      );
      done = r.rows[0].done;
      if (done >= count) break;
      if (Date.now() > deadline) throw new Error(`only ${done} of ${count} transcribed in time`);
      await new Promise((res) => setTimeout(res, 500));
    }
    const drainS = Number(process.hrtime.bigint() - t0) / 1e9;
    // the floor, measured after the queue drained so it does not compete with the workers
    const perFile = await engineSeconds(3);
    const success = (
      await pg.query(
        `SELECT count(*)::int AS n FROM transcription.jobs WHERE tenant_id = $1 AND outcome = 'success'`,
        [t.accountId],
      )
    ).rows[0].n;
    return {
      deposits: count,
      workers_per_replica: workers,
      deposits_seconds: round(depositedS),
      drain_seconds: round(drainS),
      transcriptions_per_minute_per_replica: round((count / drainS) * 60),
      success,
      floor: {
        engine_seconds_per_file: round(perFile),
        drain_seconds_at_engine_speed: round((count * perFile) / workers),
        transcriptions_per_minute_at_engine_speed: round((60 / perFile) * workers),
      },
    };
  },
};
