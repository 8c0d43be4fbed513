// Tenant A's side of bench/fairness.bench.js, in a process of its own, so that the process timing
// tenant B's GETs does nothing else (A's 1 MB bodies or 32 looping connections no longer wait on the
// prober's event loop, nor it on theirs). Forked by the bench, it speaks over IPC:
//   parent → { type: 'setup', row, baseUrl, a: { accountId, name, token, box, bigMedia, uploadIds,
//              credentials, opusIds } }               child → { type: 'ready' }
//   parent → { type: 'start' }                        child → { type: 'started' }
//   parent → { type: 'stop' }                         child → { type: 'done', answers, statuses }
// and exits. A's answers are counted by status ('reset' for a connection error). It never writes to
// stdout (the bench's stdout carries only its JSON document).
'use strict';
const http = require('node:http');
const { wavFile } = require('./wav');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/**
 * How long the abuse may take to wind down after 'stop' before what it has counted is sent anyway: a
 * round of transcodes is waited for, and the gateway gives up on one after MEDIA_TRANSCODE_TIMEOUT_MS (45 s).
 */
const STOP_DEADLINE_MS = 90000;

/** Each abuse: `prepare(setup)` builds its payload before the row; `run(setup, payload, stopped, count)`. */
const ABUSES = {
  // row 3: 280 audio downloads opened and never read
  a_280_downloads_never_read: {
    async run({ baseUrl, a }, _payload, stopped, count) {
      const reqs = Array.from({ length: 280 }, () => {
        const req = http.request(`${baseUrl}${messages(a)}/${a.bigMedia}/raw`, {
          headers: { 'X-Auth-Token': a.token },
          agent: false,
        });
        req.on('response', (res) => {
          count(res.statusCode);
          if (res.statusCode !== 200) res.resume(); // a refusal is read; a 200 never is
        });
        req.on('error', () => count('reset'));
        req.end();
        return req;
      });
      while (!stopped()) await sleep(100);
      for (const r of reqs) r.destroy();
    },
  },

  // row 4: 300 uploads trickling 2 bytes every 2 s
  a_300_uploads_trickling: {
    prepare: () => wavFile(60),
    async run({ baseUrl, a }, audio, stopped, count) {
      const reqs = a.uploadIds.map((id) => {
        let sent = 0;
        const req = http.request(`${baseUrl}${messages(a)}/${id}/raw`, {
          method: 'PUT',
          agent: false,
          headers: { 'X-Auth-Token': a.token, 'Content-Type': 'audio/wav', 'Transfer-Encoding': 'chunked' },
        });
        const send = () => {
          if (!req.destroyed) req.write(audio.subarray(sent, (sent += 2)));
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
    },
  },

  // row 5: rounds of 40 parallel user_auth with A's own correct password
  a_login_storm_40_parallel: {
    async run({ baseUrl, a }, _payload, stopped, count) {
      const body = JSON.stringify({ data: { credentials: a.credentials, account_name: a.name } });
      while (!stopped()) {
        const rs = await Promise.all(
          Array.from({ length: 40 }, () =>
            answer(fetch(`${baseUrl}/v2/user_auth`, { method: 'PUT', headers: JSON_TYPE, body })),
          ),
        );
        for (const s of rs) count(s);
      }
    },
  },

  // row 6: 4 parallel `?format=wav` of a 20-minute Opus file (a new file each round, so each transcodes)
  a_4_parallel_transcodes_20_min_opus: {
    async run({ baseUrl, a }, _payload, stopped, count) {
      let i = 0;
      while (!stopped() && i < a.opusIds.length) {
        const id = a.opusIds[i++];
        const rs = await Promise.all(
          Array.from({ length: 4 }, () =>
            answer(
              fetch(`${baseUrl}${messages(a)}/${id}/raw?format=wav`, {
                headers: { 'X-Auth-Token': a.token },
              }),
            ),
          ),
        );
        for (const s of rs) count(s);
      }
    },
  },

  // row 7: unauthenticated PUT /v2/api_auth with 1 MB of nested `[`, 4 at a time
  a_unauthenticated_1mb_nested_brackets: {
    prepare: () => Buffer.alloc(1024 * 1024, '['),
    async run({ baseUrl }, brackets, stopped, count) {
      while (!stopped()) {
        const rs = await Promise.all(
          Array.from({ length: 4 }, () =>
            answer(fetch(`${baseUrl}/v2/api_auth`, { method: 'PUT', headers: JSON_TYPE, body: brackets })),
          ),
        );
        for (const s of rs) count(s);
      }
    },
  },

  // the request rate: A floods GETs from 32 connections (an abuser does not honour Retry-After)
  a_request_flood_32_connections: {
    async run({ baseUrl, a }, _payload, stopped, count) {
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (!stopped()) {
            count(
              await answer(
                fetch(`${baseUrl}/v2/accounts/${a.accountId}`, { headers: { 'X-Auth-Token': a.token } }),
              ),
            );
          }
        }),
      );
    },
  },
};

const JSON_TYPE = { 'Content-Type': 'application/json' };
const messages = (a) => `/v2/accounts/${a.accountId}/vmboxes/${a.box}/messages`;
/** The status of a fetch once its body is read, or 'reset'. */
const answer = (pending) => pending.then(async (r) => (await r.arrayBuffer(), r.status)).catch(() => 'reset');

let setup;
let payload;
let running;
let stopped = false;
let answers = 0;
const statuses = {};
const count = (s) => {
  answers++;
  statuses[s] = (statuses[s] || 0) + 1;
};
const send = (m) => process.send?.(m);

process.on('message', async (m) => {
  try {
    if (m.type === 'setup') {
      const abuse = ABUSES[m.row];
      if (!abuse) throw new Error(`no abuse named ${m.row}`);
      setup = m;
      payload = abuse.prepare?.(m);
      send({ type: 'ready' });
    } else if (m.type === 'start') {
      running = ABUSES[setup.row]
        .run(setup, payload, () => stopped, count)
        .catch((e) => count(`error: ${e.message}`));
      send({ type: 'started' });
    } else if (m.type === 'stop') {
      stopped = true;
      let timer;
      const late = new Promise((r) => (timer = setTimeout(() => r('late'), STOP_DEADLINE_MS)));
      if ((await Promise.race([running, late])) === 'late') {
        statuses[`unanswered ${STOP_DEADLINE_MS / 1000} s after the row`] = 1; // not one of A's answers
      }
      clearTimeout(timer);
      send({ type: 'done', answers, statuses });
      process.disconnect?.();
      setTimeout(() => process.exit(0), 100).unref();
    }
  } catch (e) {
    send({ type: 'error', message: e.message });
    process.exit(1);
  }
});
// the bench gone (or it disconnected after 'done'): nothing left to do here
process.on('disconnect', () => setTimeout(() => process.exit(0), 100).unref());
