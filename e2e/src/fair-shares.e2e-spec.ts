// Fair shares at the gateway (issue 24, rows 3-7 of its table and the request rate): tenant A abuses the
// platform with valid credentials, bounded and on loopback, scaled down to just over each per-account
// cap; tenant B's requests still succeed promptly (generous bounds), A gets clear 429 answers with
// Retry-After in each face's shape, and nothing A had accepted is lost.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tenant } from '@voxmail/testing';
// the gateway runs in this process: its stream slots show whether a cut stream gave its slot back
// eslint-disable-next-line @nx/enforce-module-boundaries
import { streamSlots } from '../../apps/api-gateway/src/application/object-transfer';
import { RunningGateway, startGateway } from '../../apps/api-gateway/src/bootstrap';
import { opusFile } from './flexisip.helpers';
import { createBox, objectKeys, RawResponse, rawRequest, wavFile } from './messages.helpers';
import { useStack, useTenant } from './fixture';

const MB = 1024 * 1024;
/** STREAMS_PER_ACCOUNT in this suite: A opens one or two more than this. */
const STREAMS = 3;
const IDLE_MS = 3000;

/** ffmpeg behind a wrapper that notes each run, so the suite can count transcodes. */
const ffmpegDir = mkdtempSync(join(tmpdir(), 'voxmail-ffmpeg-runs-'));
const ffmpegRuns = join(ffmpegDir, 'runs');
const runsSoFar = () =>
  existsSync(ffmpegRuns) ? readFileSync(ffmpegRuns, 'utf8').split('\n').length - 1 : 0;

const wrapper = join(ffmpegDir, 'ffmpeg');
const stack = useStack(['mailbox', 'message', 'media', 'gateway'], {
  prepare: () => {
    writeFileSync(wrapper, `#!/bin/sh\necho run >> ${ffmpegRuns}\nexec ffmpeg "$@"\n`);
    chmodSync(wrapper, 0o755);
  },
  env: {
    STREAMS_PER_ACCOUNT: String(STREAMS),
    STREAM_IDLE_TIMEOUT_MS: String(IDLE_MS),
    MEDIA_MAX_MESSAGE_BYTES: String(40 * MB),
    ARGON2_CONCURRENCY: '2',
    ARGON2_PER_ACCOUNT: '1',
    ARGON2_QUEUE_PER_ACCOUNT: '4',
    ARGON2_QUEUE_PER_CREDENTIAL: '2',
    MEDIA_TRANSCODES_PER_ACCOUNT: '1',
    MEDIA_TRANSCODE_MAX_DURATION_S: '1500',
    FFMPEG_PATH: wrapper,
  },
});
const a = useTenant(stack);
const b = useTenant(stack);
let boxA: string;
let boxB: string;

beforeAll(async () => {
  boxA = await createBox(stack, a, { max_message_length: 86400 });
  boxB = await createBox(stack, b, { max_message_length: 86400 });
});

const sha = (buf: Buffer) => createHash('sha256').update(buf).digest('hex');
const messages = (t: Tenant, box: string) => `/v2/accounts/${t.accountId}/vmboxes/${box}/messages`;

/** A message of `t` holding `audio`; its id. */
async function deposit(t: Tenant, box: string, audio: Buffer, type = 'audio/wav'): Promise<string> {
  const m = await stack.request('PUT', messages(t, box), { token: t.token, body: { data: {} } });
  expect(m.status).toBe(201);
  const up = await rawRequest(
    stack.baseUrl,
    'PUT',
    `${messages(t, box)}/${m.body.data.media_id}/raw`,
    { 'X-Auth-Token': t.token, 'Content-Type': type },
    audio,
  );
  expect({ status: up.status, body: up.body.toString().slice(0, 300) }).toMatchObject({ status: 200 });
  return m.body.data.media_id as string;
}

const download = (t: Tenant, box: string, id: string, query = ''): Promise<RawResponse> =>
  rawRequest(stack.baseUrl, 'GET', `${messages(t, box)}/${id}/raw${query}`, { 'X-Auth-Token': t.token });

/** Runs `call` every 200 ms until `stop` settles, as tenant B polling; every answer and its time. */
async function whileAbused<T>(
  abuse: () => Promise<T>,
  call: () => Promise<{ status: number }>,
): Promise<{ result: T; answers: { status: number; ms: number }[] }> {
  const answers: { status: number; ms: number }[] = [];
  let over = false;
  const poll = (async () => {
    while (!over) {
      const t0 = Date.now();
      const r = await call();
      answers.push({ status: r.status, ms: Date.now() - t0 });
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  try {
    return { result: await abuse(), answers };
  } finally {
    over = true;
    await poll;
  }
}

const bGet = () => stack.request('GET', `/v2/accounts/${b.accountId}`, { token: b.token });

/** B's figures under abuse: every GET answered 200, none slower than `boundMs` (generous: the issue saw 5.3 s). */
function expectBServed(answers: { status: number; ms: number }[], boundMs = 5000): void {
  expect(answers.length).toBeGreaterThan(0);
  expect(answers.filter((x) => x.status !== 200)).toEqual([]);
  expect(Math.max(...answers.map((x) => x.ms))).toBeLessThan(boundMs);
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A download whose client reads the status line and then nothing more (row 3). */
function heldDownload(
  path: string,
  token: string,
): Promise<{ status: number; req: http.ClientRequest; body: () => Promise<string> }> {
  return new Promise((resolve, reject) => {
    const req = http.request(stack.baseUrl + path, { headers: { 'X-Auth-Token': token }, agent: false });
    req.on('response', (res) => {
      // never read: the response stays paused and TCP backpressure reaches the gateway
      resolve({
        status: res.statusCode ?? 0,
        req,
        body: () =>
          new Promise((r) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (text += c));
            res.on('end', () => r(text));
          }),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('row 3: audio downloads opened and never read', () => {
  it('A holds at most its stream slots (429 above), B is served, idle streams are cut, nothing is lost', async () => {
    const big = wavFile(250, 48000); // 24 MB: more than the loopback buffers hold
    const bigId = await deposit(a, boxA, big);
    const small = wavFile(2);
    const smallB = await deposit(b, boxB, small);
    const path = `${messages(a, boxA)}/${bigId}/raw`;

    const held = await Promise.all(Array.from({ length: STREAMS }, () => heldDownload(path, a.token)));
    expect(held.map((h) => h.status)).toEqual(Array(STREAMS).fill(200));
    expect(streamSlots.inUse(a.accountId)).toBe(STREAMS);

    const { result: over, answers } = await whileAbused(async () => {
      const r = await heldDownload(path, a.token);
      const body = await r.body();
      // B's own audio, upload and download, are not behind A's streams
      const t0 = Date.now();
      const got = await download(b, boxB, smallB);
      expect(got.status).toBe(200);
      expect(sha(got.body)).toBe(sha(small));
      await deposit(b, boxB, wavFile(1));
      expect(Date.now() - t0).toBeLessThan(15000);
      return { status: r.status, body };
    }, bGet);
    expect(over.status).toBe(429);
    const envelope = JSON.parse(over.body);
    expect(envelope).toMatchObject({ status: 'error', error: '429' });
    expectBServed(answers);

    // the held streams read nothing: each is cut after STREAM_IDLE_TIMEOUT_MS and gives its slot back
    await waitFor(
      () => streamSlots.inUse(a.accountId) === 0,
      IDLE_MS + 20000,
      'the idle downloads to be cut',
    );
    for (const h of held) h.req.destroy();
    // nothing A stored is lost: the whole audio downloads again
    const again = await download(a, boxA, bigId);
    expect(again.status).toBe(200);
    expect(sha(again.body)).toBe(sha(big));
  }, 120000);
});

/** An upload of a real WAV that sends 2 bytes of it every `everyMs` until stopped (row 4). */
const TRICKLED = wavFile(60);
function trickle(path: string, token: string, everyMs = 300) {
  const handles: { stop: () => void; pause: () => void }[] = [];
  const answer = new Promise<{
    status: number;
    headers: http.IncomingHttpHeaders;
    body: string;
    sent: number;
  }>((resolve) => {
    let sent = 0;
    const req = http.request(stack.baseUrl + path, {
      method: 'PUT',
      agent: false,
      headers: { 'X-Auth-Token': token, 'Content-Type': 'audio/wav', 'Transfer-Encoding': 'chunked' },
    });
    const timer = setInterval(() => {
      if (!req.destroyed) {
        req.write(TRICKLED.subarray(sent, sent + 2));
        sent += 2;
      }
    }, everyMs);
    req.on('response', (res) => {
      clearInterval(timer);
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, sent }));
    });
    req.on('error', () => {
      clearInterval(timer);
      resolve({ status: 0, headers: {}, body: '', sent });
    });
    handles.push({ stop: () => (clearInterval(timer), req.destroy()), pause: () => clearInterval(timer) });
  });
  return { answer, stop: () => handles[0]?.stop(), pause: () => handles[0]?.pause() };
}

describe('row 4: uploads trickling 2 bytes at a time', () => {
  it('A holds at most its stream slots (429 above, answered while it still sends), B uploads and downloads', async () => {
    const keep = wavFile(2);
    const keptId = await deposit(a, boxA, keep);
    const newMessage = async () =>
      (await stack.request('PUT', messages(a, boxA), { token: a.token, body: { data: {} } })).body.data
        .media_id as string;
    const slow = [];
    for (let i = 0; i < STREAMS; i++)
      slow.push(trickle(`${messages(a, boxA)}/${await newMessage()}/raw`, a.token));
    await waitFor(
      () => streamSlots.inUse(a.accountId) === STREAMS,
      20000,
      'the trickling uploads to hold slots',
    );

    const { result: refused, answers } = await whileAbused(async () => {
      const extra = [
        trickle(`${messages(a, boxA)}/${await newMessage()}/raw`, a.token),
        trickle(`${messages(a, boxA)}/${await newMessage()}/raw`, a.token),
      ];
      const got = await Promise.all(extra.map((t) => t.answer));
      const t0 = Date.now();
      const bAudio = wavFile(3);
      const bId = await deposit(b, boxB, bAudio);
      const back = await download(b, boxB, bId);
      expect(sha(back.body)).toBe(sha(bAudio));
      expect(Date.now() - t0).toBeLessThan(15000);
      return got;
    }, bGet);
    for (const r of refused) {
      expect(r.status).toBe(429);
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(r.body)).toMatchObject({ status: 'error', error: '429' });
      // refused while the client was still sending, not after reading its body
      expect(r.sent).toBeLessThan(64);
    }
    expectBServed(answers);

    // a trickle that stops sending is cut after STREAM_IDLE_TIMEOUT_MS; the others end when A stops them
    slow[0].pause();
    const cut = await slow[0].answer;
    expect(cut.status === 0 || cut.status >= 400).toBe(true);
    for (const s of slow.slice(1)) s.stop();
    await waitFor(() => streamSlots.inUse(a.accountId) === 0, 20000, 'the slots to be given back');
    // what A had stored is intact, and A uploads again once its streams are done
    const kept = await download(a, boxA, keptId);
    expect(sha(kept.body)).toBe(sha(keep));
    await deposit(a, boxA, wavFile(1));
  }, 120000);
});

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

async function userWithPassword(t: Tenant): Promise<string> {
  const pw = `pw-${randomBytes(6).toString('hex')}`;
  const u = await stack.request('PUT', `/v2/accounts/${t.accountId}/users`, {
    token: t.token,
    body: { data: { username: 'storm', password: pw, first_name: 'S', last_name: 'T' } },
  });
  expect(u.status).toBe(201);
  return md5(`storm:${pw}`);
}

describe('row 5: login storms with a correct password', () => {
  it("A's storm queues A's own logins (429 beyond its queue), B logs in at once, A's granted tokens work", async () => {
    const credA = await userWithPassword(a);
    const credB = await userWithPassword(b);
    const login = (t: Tenant, credentials: string) =>
      stack.request('PUT', '/v2/user_auth', { body: { data: { credentials, account_name: t.name } } });
    const { result: rounds, answers } = await whileAbused(async () => {
      const out: { status: number; retryAfter: string | null; token?: string }[] = [];
      // 9 at once: under AUTH_FAILURE_LIMIT (10), so the failed-login counters never refuse them
      for (let round = 0; round < 3; round++) {
        const storm = Array.from({ length: 9 }, () => login(a, credA));
        const t0 = Date.now();
        const mine = await login(b, credB);
        expect(mine.status).toBe(201);
        // B waits for its own argon2 turn only (~0.5 s a verification on this loaded machine)
        expect(Date.now() - t0).toBeLessThan(10000);
        for (const r of await Promise.all(storm))
          out.push({
            status: r.status,
            retryAfter: r.headers.get('retry-after'),
            token: r.body?.auth_token,
          });
      }
      return out;
    }, bGet);
    expect(rounds.map((r) => r.status).filter((st) => st !== 201 && st !== 429)).toEqual([]);
    const limited = rounds.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.every((r) => Number(r.retryAfter) >= 1)).toBe(true);
    const granted = rounds.filter((r) => r.status === 201);
    expect(granted.length).toBeGreaterThan(0);
    expectBServed(answers);
    // what A was granted, it keeps
    const ok = await stack.request('GET', `/v2/accounts/${a.accountId}/users`, { token: granted[0].token! });
    expect(ok.status).toBe(200);
  }, 120000);
});

describe('row 6: parallel transcodes of a long Opus file', () => {
  it('one rendition per object and format, kept; a second transcode of A at once is 429; too long is 422', async () => {
    // scaled down: 3 at once (STREAMS_PER_ACCOUNT) of 4 minutes (a 23 MB wav each)
    const long = opusFile(4 * 60);
    const id = await deposit(a, boxA, long, 'audio/ogg');
    const before = (await objectKeys(stack, `${a.accountId}/`)).length;
    const runsBefore = runsSoFar();
    const { result: wavs, answers } = await whileAbused(
      () => Promise.all(Array.from({ length: STREAMS }, () => download(a, boxA, id, '?format=wav'))),
      bGet,
    );
    expect(wavs.map((w) => w.status)).toEqual(Array(STREAMS).fill(200));
    expect(new Set(wavs.map((w) => sha(w.body))).size).toBe(1);
    // made once and kept: one new object in the store for three requests
    expect((await objectKeys(stack, `${a.accountId}/`)).length).toBe(before + 1);
    // by one ffmpeg run, not one per request
    expect(runsSoFar() - runsBefore).toBe(1);
    // and asked again, it is read, not made again
    expect((await download(a, boxA, id, '?format=wav')).status).toBe(200);
    expect(runsSoFar() - runsBefore).toBe(1);
    expectBServed(answers);

    // another object's transcode while one of A's runs: over MEDIA_TRANSCODES_PER_ACCOUNT (1)
    const x = await deposit(a, boxA, opusFile(20 * 60), 'audio/ogg');
    const y = await deposit(a, boxA, opusFile(20 * 60), 'audio/ogg');
    const both = await Promise.all([
      download(a, boxA, x, '?format=wav'),
      download(a, boxA, y, '?format=wav'),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 429]);
    const refused = both.find((r) => r.status === 429)!;
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // B's transcode is not A's
    const bId = await deposit(b, boxB, opusFile(60), 'audio/ogg');
    expect((await download(b, boxB, bId, '?format=wav')).status).toBe(200);

    // longer than MEDIA_TRANSCODE_MAX_DURATION_S (1500 s): refused at once, and the original still plays
    const tooLong = await deposit(a, boxA, opusFile(30 * 60), 'audio/ogg');
    const r = await download(a, boxA, tooLong, '?format=wav');
    expect(r.status).toBe(422);
    expect((await download(a, boxA, tooLong)).status).toBe(200);
  }, 180000);
});

/** A chunked body of `total` bytes of `[`, sent 64 KiB at a time while the server has not answered. */
function nestedBrackets(path: string, total: number, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string; sent: number }>((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = http.request(stack.baseUrl + path, {
      method: 'PUT',
      agent: false,
      headers: { 'Content-Type': 'application/json', ...headers },
    });
    req.on('response', (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, sent }));
    });
    req.on('error', (e) => (answered ? undefined : reject(e)));
    const chunk = Buffer.alloc(64 * 1024, '[');
    const pump = () => {
      if (answered) return;
      if (sent >= total) return void req.end();
      sent += chunk.length;
      // one chunk per turn, so an early answer is seen before the whole body is out
      req.write(chunk, () => setTimeout(pump, 5));
    };
    pump();
  });
}

describe('row 7: 1 MB of nested [', () => {
  it('is refused at the limit, before the rest is read; login routes take 16 KiB; B is served', async () => {
    const { result, answers } = await whileAbused(async () => {
      const declared = await Promise.all(
        Array.from({ length: 4 }, () =>
          rawRequest(
            stack.baseUrl,
            'PUT',
            '/v2/api_auth',
            { 'Content-Type': 'application/json' },
            Buffer.alloc(MB, '['),
          ),
        ),
      );
      const streamedLogin = await nestedBrackets('/v2/api_auth', MB);
      const streamedAuthed = await nestedBrackets(`/v2/accounts/${a.accountId}/vmboxes`, MB, {
        'X-Auth-Token': a.token,
      });
      return { declared, streamedLogin, streamedAuthed };
    }, bGet);
    for (const r of result.declared) {
      expect(r.status).toBe(413);
      expect(JSON.parse(r.body.toString())).toMatchObject({ status: 'error', error: '413' });
    }
    // answered while the client was still sending: the gateway stopped at the limit
    expect(result.streamedLogin.status).toBe(413);
    expect(result.streamedLogin.sent).toBeLessThan(MB);
    expect(result.streamedAuthed.status).toBe(400);
    expect(JSON.parse(result.streamedAuthed.body)).toMatchObject({ data: { data: { maxDepth: {} } } });
    expect(result.streamedAuthed.sent).toBeLessThan(MB);
    expectBServed(answers);
    // a normal login body is still fine
    expect(
      (await stack.request('PUT', '/v2/api_auth', { body: { data: { api_key: a.apiKey } } })).status,
    ).toBe(201);
  }, 60000);
});

describe('request rate per account and credential', () => {
  let tight: RunningGateway;
  const call = (path: string, headers: Record<string, string>) =>
    fetch(tight.url + path, { headers }).then(async (r) => ({
      status: r.status,
      retryAfter: r.headers.get('retry-after'),
      text: await r.text(),
    }));

  beforeAll(async () => {
    // a second replica with tight limits, beside the suite's own (both count as replicas sharing the rate)
    const { loadGatewayConfig } = await import('@voxmail/config');
    tight = await startGateway(
      loadGatewayConfig({
        ...stack.env,
        RATE_LIMIT_CREDENTIAL_RPS: '4',
        RATE_LIMIT_CREDENTIAL_BURST: '4',
        RATE_LIMIT_ACCOUNT_RPS: '8',
      }),
      { handleSignals: false },
    );
  }, 30000);

  afterAll(async () => {
    await tight?.close();
  });

  it('A over its rate gets 429 with Retry-After in each face’s shape; B, on the same replica, does not', async () => {
    const burst = await Promise.all(
      Array.from({ length: 30 }, () => call(`/v2/accounts/${a.accountId}`, { 'X-Auth-Token': a.token })),
    );
    const limited = burst.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(burst.every((r) => r.status === 200 || r.status === 429)).toBe(true);
    expect(Number(limited[0].retryAfter)).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(limited[0].text)).toMatchObject({ status: 'error', error: '429' });
    // B's own bucket
    expect((await call(`/v2/accounts/${b.accountId}`, { 'X-Auth-Token': b.token })).status).toBe(200);

    // the other faces, with an API client of A (a credential of its own, drained the same way)
    const client = await stack.request('PUT', `/v2/accounts/${a.accountId}/api_clients`, {
      token: a.token,
      body: { data: { name: 'rate', priv_level: 'admin' } },
    });
    expect(client.status).toBe(201);
    const secret = client.body.data.client_secret as string;
    const flexisip = await Promise.all(
      Array.from({ length: 30 }, () => call('/api/accounts/me/voicemails', { 'x-api-key': secret })),
    );
    const fLimited = flexisip.find((r) => r.status === 429);
    expect(fLimited).toBeDefined();
    expect(JSON.parse(fLimited!.text)).toEqual({ message: expect.any(String) });
    expect(Number(fLimited!.retryAfter)).toBeGreaterThanOrEqual(1);

    const tok = await fetch(tight.url + '/openapi/v1.0/get_token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'OpenAPI' },
      body: JSON.stringify({ username: client.body.data.id, password: secret }),
    }).then((r) => r.json() as Promise<{ access_token: string }>);
    await new Promise((r) => setTimeout(r, 2500)); // the client's bucket refills
    const yeastar = await Promise.all(
      Array.from({ length: 30 }, () =>
        call(`/openapi/v1.0/extension_vm_greeting/list?access_token=${tok.access_token}&number=1`, {}),
      ),
    );
    const yLimited = yeastar.find((r) => r.status === 429);
    expect(yLimited).toBeDefined();
    expect(JSON.parse(yLimited!.text)).toMatchObject({ errcode: expect.any(Number), errmsg: 'FAILURE' });
    expect(Number(yLimited!.retryAfter)).toBeGreaterThanOrEqual(1);
  }, 60000);
});

describe('refusals before anything is read (the onRequest admission)', () => {
  let capped: RunningGateway;
  /** A request of `token` whose JSON body of `declared` bytes is never finished: it stays in flight. */
  const unfinished = (base: string, path: string, token: string, declared = 1000) => {
    const req = http.request(`${base}${path}`, {
      method: 'PUT',
      agent: false,
      headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json', 'Content-Length': declared },
    });
    const answer = new Promise<{ status: number; retryAfter?: string; text: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] as string, text }),
        );
      });
      req.on('error', reject);
    });
    req.write('{"data": {');
    return { req, answer };
  };

  beforeAll(async () => {
    const { loadGatewayConfig } = await import('@voxmail/config');
    capped = await startGateway(
      loadGatewayConfig({
        ...stack.env,
        REQUESTS_IN_FLIGHT_PER_ACCOUNT: '2',
        RATE_LIMIT_ACCOUNT_RPS: '5',
        RATE_LIMIT_ACCOUNT_BURST: '0',
        RATE_LIMIT_CREDENTIAL_RPS: '0',
      }),
      { handleSignals: false },
    );
  }, 30000);

  afterAll(async () => {
    await capped?.close();
  });

  it('an account holding its in-flight requests gets 429 at once, B is served, a slot comes back when one ends', async () => {
    const boxes = `/v2/accounts/${a.accountId}/vmboxes`;
    const held = [unfinished(capped.url, boxes, a.token), unfinished(capped.url, boxes, a.token)];
    await new Promise((r) => setTimeout(r, 300)); // both are in flight, waiting for their bodies
    const refused = await fetch(`${capped.url}/v2/accounts/${a.accountId}`, {
      headers: { 'X-Auth-Token': a.token },
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ status: 'error', error: '429' });
    const other = await fetch(`${capped.url}/v2/accounts/${b.accountId}`, {
      headers: { 'X-Auth-Token': b.token },
    });
    expect(other.status).toBe(200);
    // one held request ends: A gets its slot back (the rate, 5/s, is waited out between tries)
    held[0].req.destroy();
    await held[0].answer.catch(() => undefined);
    const deadline = Date.now() + 10000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      await new Promise((r) => setTimeout(r, 300));
      status = (
        await fetch(`${capped.url}/v2/accounts/${a.accountId}`, { headers: { 'X-Auth-Token': a.token } })
      ).status;
    }
    expect(status).toBe(200);
    held[1].req.destroy();
    await held[1].answer.catch(() => undefined);
  }, 30000);

  it('an account over its rate is answered 429 before its body is read, in each face', async () => {
    // spend A's 5 requests of this second, then send a body that never comes
    await Promise.all(
      Array.from({ length: 8 }, () =>
        fetch(`${capped.url}/v2/accounts/${a.accountId}`, { headers: { 'X-Auth-Token': a.token } }).then(
          (r) => r.arrayBuffer(),
        ),
      ),
    );
    const pending = unfinished(capped.url, `/v2/accounts/${a.accountId}/vmboxes`, a.token, 100000);
    const answer = await Promise.race([
      pending.answer,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('no answer before the body')), 10000),
      ),
    ]);
    pending.req.destroy();
    expect(answer.status).toBe(429);
    expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(answer.text)).toMatchObject({ status: 'error', error: '429' });
    // Yeastar: an access token of A's API client, over the same account rate, 429 in the face's shape
    const client = await stack.request('PUT', `/v2/accounts/${a.accountId}/api_clients`, {
      token: a.token,
      body: { data: { name: 'early', priv_level: 'admin' } },
    });
    const tok = await fetch(stack.baseUrl + '/openapi/v1.0/get_token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'OpenAPI' },
      body: JSON.stringify({ username: client.body.data.id, password: client.body.data.client_secret }),
    }).then((r) => r.json() as Promise<{ access_token: string }>);
    const yeastar = await Promise.all(
      Array.from({ length: 12 }, () =>
        fetch(
          `${capped.url}/openapi/v1.0/extension_vm_greeting/list?access_token=${tok.access_token}&number=1`,
        ).then(async (r) => ({
          status: r.status,
          retryAfter: r.headers.get('retry-after'),
          text: await r.text(),
        })),
      ),
    );
    const limited = yeastar.find((r) => r.status === 429);
    expect(limited).toBeDefined();
    expect(JSON.parse(limited!.text)).toEqual({ errcode: -1, errmsg: 'FAILURE' });
    expect(Number(limited!.retryAfter)).toBeGreaterThanOrEqual(1);
  }, 30000);
});
