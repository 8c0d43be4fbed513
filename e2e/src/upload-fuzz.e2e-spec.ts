// Property-based: truncated, oversized, interleaved and malformed multipart bodies, and raw audio bodies,
// sent over HTTP to every upload route of the real stack (issue 8 item 1, issue 12): Kazoo messages,
// media raw audio (and media created then uploaded), box greetings; Yeastar's two greeting uploads;
// Flexisip's upload URLs (multipart POST and raw PUT). Every answer is 2xx or a 4xx in the face's own
// shape (Kazoo's envelope, Yeastar's errcode with HTTP 200, Laravel's message), never a 5xx or a crash,
// and the gateway keeps serving.
// Bounded in `npm test`; `npm run test:fuzz` runs it longer (FUZZ_RUNS, FUZZ_SEED).
import * as fc from 'fast-check';
import { pathOf } from './flexisip.helpers';
import {
  createBox,
  executableFile,
  mp3File,
  rawRequest,
  RawResponse,
  Stack,
  startMessagesStack,
  Tenant,
  TEST_MAX_MESSAGE_BYTES,
  wavFile,
} from './messages.helpers';

const RUNS = Number(process.env.FUZZ_RUNS ?? 70);
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
// the long run takes as long as it needs; the bounded one stays within the usual test timeout
const TIMEOUT_MS = Math.max(60000, RUNS * 200);
// the greeting, media and Flexisip routes raise several events per case; in `npm test` they run fewer
// cases so the shared stream's backlog stays small for the suites that wait for consumers to catch up
const EVENTFUL_RUNS = process.env.FUZZ_RUNS ? RUNS : Math.min(RUNS, 20);

let stack: Stack;
let a: Tenant;
let box: string;
let messageId: string;
let mediaId: string;
let yeastarToken: string;
let flexisipKey: string;

beforeAll(async () => {
  // thousands of requests of one account in a row (npm run test:fuzz): the request rate is not what is
  // fuzzed here, so its limit is off for this stack (0), or the answers would be 429s
  process.env.RATE_LIMIT_ACCOUNT_RPS = '0';
  process.env.RATE_LIMIT_CREDENTIAL_RPS = '0';
  stack = await startMessagesStack();
  a = await stack.createTenant();
  box = await createBox(stack, a);
  const m = await stack.request('PUT', messagesOf(), { token: a.token, body: { data: {} } });
  messageId = m.body.data.media_id;
  const d = await stack.request('PUT', `/v2/accounts/${a.accountId}/media`, {
    token: a.token,
    body: { data: { name: 'fuzzed prompt' } },
  });
  mediaId = d.body.data.id;
  // Yeastar: a group box 6300 and a user box 3200, and an API client's access token
  const u = await stack.request('PUT', `/v2/accounts/${a.accountId}/users`, {
    token: a.token,
    body: { data: { first_name: 'Fuzz', last_name: 'User' } },
  });
  await createBox(stack, a, { mailbox: '6300', type: 'group' });
  await createBox(stack, a, { mailbox: '3200', owner_id: u.body.data.id });
  const admin = await stack.request('PUT', `/v2/accounts/${a.accountId}/api_clients`, {
    token: a.token,
    body: { data: { name: 'fuzz yeastar', priv_level: 'admin' } },
  });
  const tok = await rawRequest(
    stack.baseUrl,
    'POST',
    '/openapi/v1.0/get_token',
    { 'Content-Type': 'application/json' },
    Buffer.from(JSON.stringify({ username: admin.body.data.id, password: admin.body.data.client_secret })),
  );
  yeastarToken = JSON.parse(tok.body.toString('utf8')).access_token;
  // Flexisip: the user's API client creates the slots the upload URLs name
  const user = await stack.request('PUT', `/v2/accounts/${a.accountId}/api_clients`, {
    token: a.token,
    body: { data: { name: 'fuzz flexisip', priv_level: 'user', owner_id: u.body.data.id } },
  });
  flexisipKey = user.body.data.client_secret;
}, 60000);

afterAll(async () => {
  await stack?.stop();
}, 30000);

const messagesOf = () => `/v2/accounts/${a.accountId}/vmboxes/${box}/messages`;

const AUDIO = {
  wav: wavFile(0.25),
  mp3: mp3File(0.25),
  exe: executableFile(4096),
  half: wavFile(0.25).subarray(0, 1000),
  empty: Buffer.alloc(0),
  huge: wavFile(Math.ceil(TEST_MAX_MESSAGE_BYTES / 16000) + 1),
};
type AudioKind = keyof typeof AUDIO;
const JSON_BODIES = [
  '{"data":{"caller_id_number":"6001"}}',
  '{"data":{"folder":"trash"}}',
  '{"data":',
  '',
  '[]',
  '{"data":{"from":"\\ud800"}}',
  `{"data":{"x":"${'y'.repeat(300 * 1024)}"}}`,
];

const audioKind = fc.oneof(
  { arbitrary: fc.constantFrom<AudioKind>('wav', 'mp3', 'exe', 'half', 'empty'), weight: 30 },
  { arbitrary: fc.constant<AudioKind>('huge'), weight: 1 },
);

const part = fc.record({
  kind: fc.oneof(
    { arbitrary: fc.constant('json' as const), weight: 3 },
    { arbitrary: fc.constant('audio' as const), weight: 3 },
    { arbitrary: fc.constant('junk' as const), weight: 1 },
  ),
  json: fc.nat({ max: JSON_BODIES.length - 1 }),
  audio: audioKind,
  junk: fc.uint8Array({ maxLength: 200 }),
  // 0: Kazoo's client (lowercase content-type only), 1: curl's attachment, 2: form-data, 3: no headers
  style: fc.nat({ max: 3 }),
  extraHeader: fc.option(
    fc.constantFrom('X-Foo: bar', 'not a header', 'Content-Type:', `X-Big: ${'a'.repeat(9000)}`, ' folded'),
    { freq: 4 },
  ),
});

const body = fc.record({
  boundary: fc.constantFrom('BND', 'Zm9vYmFy/+=', '------------------------d74496d66958873e', 'a b:c'),
  contentType: fc.constantFrom(
    'ok',
    'ok',
    'ok',
    'no-boundary',
    'empty-boundary',
    'form-data',
    'long-boundary',
  ),
  preamble: fc.constantFrom('', '', '\r\n', 'preamble text\r\n'),
  parts: fc.array(part, { maxLength: 10 }),
  close: fc.constantFrom('--', '--\r\n', '--\r\nepilogue', '', '-'),
  // interleave a part delimited by another boundary (it is part data for the real one)
  foreign: fc.boolean(),
  cut: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { freq: 3 }),
  noise: fc.option(
    fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: fc.uint8Array({ maxLength: 40 }) }),
    {
      freq: 4,
    },
  ),
});
type Body = typeof body extends fc.Arbitrary<infer T> ? T : never;

function partBytes(p: Body['parts'][number]): Buffer {
  const content =
    p.kind === 'json'
      ? Buffer.from(JSON_BODIES[p.json])
      : p.kind === 'audio'
        ? AUDIO[p.audio]
        : Buffer.from(p.junk);
  const type = p.kind === 'json' ? 'application/json' : p.kind === 'audio' ? 'audio/wav' : 'text/plain';
  const file = p.kind === 'json' ? 'message.json' : 'voice.wav';
  const headers = [
    [`content-type: ${type}`],
    [`Content-Disposition: attachment; name="content"; filename="${file}"`, `Content-Type: ${type}`],
    [`Content-Disposition: form-data; name="content"; filename="${file}"`, `Content-Type: ${type}`],
    [],
  ][p.style];
  if (p.extraHeader) headers.push(p.extraHeader);
  return Buffer.concat([Buffer.from(headers.map((h) => `${h}\r\n`).join('') + '\r\n'), content]);
}

/** The request body and content type, and whether the body is surely malformed. */
function build(b: Body): { contentType: string; bytes: Buffer; surelyBad: boolean } {
  const quoted = /[ :]/.test(b.boundary);
  const contentType = {
    ok: `multipart/mixed; boundary=${quoted ? `"${b.boundary}"` : b.boundary}`,
    'no-boundary': 'multipart/mixed',
    'empty-boundary': 'multipart/mixed; boundary=',
    'form-data': `multipart/form-data; boundary="${b.boundary}"`,
    'long-boundary': `multipart/mixed; boundary=${'x'.repeat(80)}`,
  }[b.contentType];
  const chunks: Buffer[] = [Buffer.from(b.preamble)];
  for (const p of b.parts) {
    chunks.push(Buffer.from(`--${b.boundary}\r\n`), partBytes(p), Buffer.from('\r\n'));
    if (b.foreign) chunks.push(Buffer.from('--OTHER\r\ncontent-type: audio/wav\r\n\r\nRIFF\r\n'));
  }
  const closeAt = chunks.reduce((n, c) => n + c.length, 0);
  chunks.push(Buffer.from(`--${b.boundary}${b.close}`));
  let bytes = Buffer.concat(chunks);
  let surelyBad =
    b.contentType === 'no-boundary' ||
    b.contentType === 'empty-boundary' ||
    b.contentType === 'long-boundary';
  // with no '--' after the last delimiter the body never closes
  if (b.close === '' || b.close === '-') surelyBad = true;
  if (b.cut !== null) {
    const at = Math.floor(b.cut * bytes.length);
    if (at < closeAt + b.boundary.length + 4) surelyBad = true;
    bytes = bytes.subarray(0, at);
  }
  if (b.noise) {
    const at = Math.floor(b.noise.at * bytes.length);
    bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(b.noise.bytes), bytes.subarray(at)]);
  }
  return { contentType, bytes, surelyBad };
}

/** Sends one request; a connection the server closed while a huge body was still going out is allowed. */
async function send(
  path: string,
  contentType: string,
  bytes: Buffer,
  method = 'PUT',
  auth: Record<string, string> = { 'X-Auth-Token': a.token },
): Promise<RawResponse | undefined> {
  try {
    return await rawRequest(stack.baseUrl, method, path, { ...auth, 'Content-Type': contentType }, bytes);
  } catch (e) {
    if (bytes.length > TEST_MAX_MESSAGE_BYTES && /ECONNRESET|EPIPE/.test(String((e as Error).message ?? e)))
      return undefined;
    throw e;
  }
}

function expectKazooAnswer(r: RawResponse | undefined, surelyBad: boolean): void {
  if (!r) return;
  const what = `${r.status} ${r.body.toString('utf8').slice(0, 300)}`;
  if (r.status >= 200 && r.status < 300 && !surelyBad) return;
  if (r.status < 400 || r.status >= 500) throw new Error(`unexpected answer ${what}`);
  let env: { status?: unknown; error?: unknown };
  try {
    env = JSON.parse(r.body.toString('utf8'));
  } catch {
    throw new Error(`not a Kazoo envelope: ${what}`);
  }
  if (env.status !== 'error' || env.error !== String(r.status))
    throw new Error(`not a Kazoo envelope: ${what}`);
}

/** Yeastar answers every call with HTTP 200 and `{errcode, errmsg}`; -1/-2 are its server errors. */
function expectYeastarAnswer(r: RawResponse | undefined): void {
  if (!r) return;
  const what = `${r.status} ${r.body.toString('utf8').slice(0, 300)}`;
  if (r.status !== 200) throw new Error(`unexpected answer ${what}`);
  let env: { errcode?: unknown; errmsg?: unknown };
  try {
    env = JSON.parse(r.body.toString('utf8'));
  } catch {
    throw new Error(`not a Yeastar answer: ${what}`);
  }
  if (typeof env.errcode !== 'number' || env.errcode < 0)
    throw new Error(`not a Yeastar answer, or a server error: ${what}`);
  if (env.errmsg !== YEASTAR_ERRMSG[env.errcode]) throw new Error(`not a Yeastar answer: ${what}`);
}

/** Yeastar P-Series' published message of each code ("Error Code and Error Message"). */
const YEASTAR_ERRMSG: Record<number, string> = {
  0: 'SUCCESS',
  10001: 'INTERFACE NOT EXISTED',
  10004: 'TOKEN EXPIRED',
  10005: 'ACCESS DENIED',
  40001: 'PARAMETER SYNTAX ERROR',
  40002: 'PARAMETER ERROR',
  40003: 'DUPLICATE KEY VALUE',
  40004: 'FILE SIZE EXCEEDED',
  60001: 'DATA NOT FOUND',
  70004: 'ACCOUNT IP BLOCKED',
};

/** The Flexisip account manager answers Laravel's `{message}` (422 adds `errors`). */
function expectFlexisipAnswer(r: RawResponse | undefined): void {
  if (!r) return;
  const what = `${r.status} ${r.body.toString('utf8').slice(0, 300)}`;
  if (r.status >= 200 && r.status < 300) return;
  if (r.status < 400 || r.status >= 500) throw new Error(`unexpected answer ${what}`);
  let env: { message?: unknown; errors?: unknown };
  try {
    env = JSON.parse(r.body.toString('utf8'));
  } catch {
    throw new Error(`not a Laravel answer: ${what}`);
  }
  if (typeof env.message !== 'string') throw new Error(`not a Laravel answer: ${what}`);
  if (r.status === 422 && (typeof env.errors !== 'object' || env.errors === null))
    throw new Error(`not a Laravel 422: ${what}`);
}

// ---- multipart/form-data bodies (Yeastar, Flexisip): fields and a file under many names ----

const FILE_NAMES = [
  '/D:/greeting/group_vm_welome2.wav',
  'welcome.wav',
  'welcome.mp3',
  'welcome.gsm',
  'welcome.WAV',
  '../../etc/passwd.wav',
  'C:\\x\\y.wav',
  'nul\u0000byte.wav',
  'tab\tname.wav',
  '.wav',
  '..',
  'welcome.exe',
  'no-extension',
  '',
  `${'n'.repeat(300)}.wav`,
  'ünïcödé.wav',
];

const formPart = fc.record({
  name: fc.constantFrom('file', 'file', 'owner', 'extension', 'is_check', 'other', ''),
  filename: fc.option(fc.nat({ max: FILE_NAMES.length - 1 }), { freq: 3 }),
  value: fc.constantFrom('6300', '3200', '9999', 'ask', 'force', 'Force', '', 'x'.repeat(2000)),
  audio: audioKind,
  type: fc.constantFrom('audio/wav', 'audio/mpeg', 'audio/gsm', 'application/octet-stream', ''),
  extraHeader: fc.option(fc.constantFrom('X-Foo: bar', 'not a header', `X-Big: ${'a'.repeat(9000)}`), {
    freq: 6,
  }),
});

/** The document's three parts, well formed (file first), so the accepting path is fuzzed too. */
const formBase = fc.option(
  fc.record({
    filename: fc.nat({ max: 4 }),
    audio: audioKind,
    owner: fc.constantFrom('6300', '3200', '9999'),
    isCheck: fc.constantFrom('ask', 'force'),
  }),
  { freq: 2 },
);

const formBody = fc.record({
  base: formBase,
  boundary: fc.constantFrom('----WebKitFormBoundary7MA4YWxkTrZu0gW', 'BND', 'a b:c'),
  contentType: fc.constantFrom('ok', 'ok', 'ok', 'ok', 'no-boundary', 'mixed', 'json', 'none'),
  parts: fc.array(formPart, { maxLength: 6 }),
  close: fc.constantFrom('--', '--\r\n', '--\r\nepilogue', '', '-'),
  cut: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { freq: 4 }),
  noise: fc.option(
    fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: fc.uint8Array({ maxLength: 40 }) }),
    { freq: 5 },
  ),
});
type FormBody = typeof formBody extends fc.Arbitrary<infer T> ? T : never;

function buildForm(b: FormBody): { contentType: string; bytes: Buffer } {
  const quoted = /[ :]/.test(b.boundary);
  const contentType = {
    ok: `multipart/form-data; boundary=${quoted ? `"${b.boundary}"` : b.boundary}`,
    'no-boundary': 'multipart/form-data',
    mixed: `multipart/mixed; boundary=${quoted ? `"${b.boundary}"` : b.boundary}`,
    json: 'application/json',
    none: '',
  }[b.contentType];
  const chunks: Buffer[] = [];
  if (b.base) {
    const field = (name: string, value: string) =>
      Buffer.from(`--${b.boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
    chunks.push(
      Buffer.from(
        `--${b.boundary}\r\nContent-Disposition: form-data; name="file"; filename="${FILE_NAMES[b.base.filename]}"\r\nContent-Type: audio/wav\r\n\r\n`,
      ),
      AUDIO[b.base.audio],
      Buffer.from('\r\n'),
      field('owner', b.base.owner),
      field('extension', b.base.owner),
      field('is_check', b.base.isCheck),
    );
  }
  for (const p of b.parts) {
    const file = p.filename !== null;
    const headers = [
      `Content-Disposition: form-data; name="${p.name}"${file ? `; filename="${FILE_NAMES[p.filename!]}"` : ''}`,
    ];
    if (file && p.type) headers.push(`Content-Type: ${p.type}`);
    if (p.extraHeader) headers.push(p.extraHeader);
    chunks.push(
      Buffer.from(`--${b.boundary}\r\n${headers.join('\r\n')}\r\n\r\n`),
      file ? AUDIO[p.audio] : Buffer.from(p.value),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${b.boundary}${b.close}`));
  let bytes = Buffer.concat(chunks);
  // a well-formed base is sent whole, so its upload is accepted (or refused for what it says)
  if (b.base) return { contentType, bytes };
  if (b.cut !== null) bytes = bytes.subarray(0, Math.floor(b.cut * bytes.length));
  if (b.noise) {
    const at = Math.floor(b.noise.at * bytes.length);
    bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(b.noise.bytes), bytes.subarray(at)]);
  }
  return { contentType, bytes };
}

const rawAudio = fc.record({
  audio: audioKind,
  type: fc.constantFrom('audio/wav', 'audio/mpeg', 'audio/x-anything', 'application/octet-stream'),
  cut: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
  noise: fc.option(fc.uint8Array({ maxLength: 64 })),
});
type RawAudio = typeof rawAudio extends fc.Arbitrary<infer T> ? T : never;

function rawBytes(r: RawAudio): Buffer {
  let bytes = AUDIO[r.audio];
  if (r.cut !== null) bytes = bytes.subarray(0, Math.floor(r.cut * bytes.length));
  if (r.noise) bytes = Buffer.concat([Buffer.from(r.noise), bytes]);
  return bytes;
}

/** A new Flexisip slot's upload URL (a path on the gateway), for audio of `type`. */
async function flexisipSlot(type: string): Promise<string> {
  const r = await rawRequest(
    stack.baseUrl,
    'POST',
    '/api/accounts/me/voicemails',
    { 'x-api-key': flexisipKey, 'Content-Type': 'application/json', Accept: 'application/json' },
    Buffer.from(JSON.stringify({ sip_from: 'sip:+33612345678@sip.example.org', content_type: type })),
  );
  if (r.status !== 201) throw new Error(`slot creation answered ${r.status} ${r.body.toString('utf8')}`);
  return pathOf(JSON.parse(r.body.toString('utf8')).upload_url);
}

async function expectAlive(): Promise<void> {
  expect((await rawRequest(stack.baseUrl, 'GET', '/health/live', {})).status).toBe(200);
  const r = await stack.request('GET', messagesOf(), { token: a.token });
  expect(r.status).toBe(200);
}

const settings = (salt: number, numRuns = RUNS) => ({ numRuns, seed: SEED + salt, endOnFailure: true });

describe('upload routes under malformed bodies (property-based)', () => {
  it(
    'PUT .../messages with multipart/mixed',
    async () => {
      await fc.assert(
        fc.asyncProperty(body, async (b) => {
          const { contentType, bytes, surelyBad } = build(b);
          expectKazooAnswer(await send(messagesOf(), contentType, bytes), surelyBad);
        }),
        settings(1),
      );
      await expectAlive();
    },
    TIMEOUT_MS,
  );

  it(
    'PUT .../messages/{id}/raw with multipart/mixed',
    async () => {
      await fc.assert(
        fc.asyncProperty(body, async (b) => {
          const { contentType, bytes, surelyBad } = build(b);
          expectKazooAnswer(await send(`${messagesOf()}/${messageId}/raw`, contentType, bytes), surelyBad);
        }),
        settings(2),
      );
      await expectAlive();
    },
    TIMEOUT_MS,
  );

  it(
    'PUT .../messages/{id}/raw with a raw audio body',
    async () => {
      const raw = fc.record({
        audio: audioKind,
        type: fc.constantFrom('audio/wav', 'audio/mpeg', 'audio/x-anything', 'application/octet-stream'),
        cut: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
        noise: fc.option(fc.uint8Array({ maxLength: 64 })),
      });
      await fc.assert(
        fc.asyncProperty(raw, async (r) => {
          let bytes = AUDIO[r.audio];
          if (r.cut !== null) bytes = bytes.subarray(0, Math.floor(r.cut * bytes.length));
          if (r.noise) bytes = Buffer.concat([Buffer.from(r.noise), bytes]);
          expectKazooAnswer(await send(`${messagesOf()}/${messageId}/raw`, r.type, bytes), false);
        }),
        settings(3),
      );
      await expectAlive();
    },
    TIMEOUT_MS,
  );

  it(
    'PUT .../media/{id}/raw with a raw audio body or multipart/mixed',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(rawAudio, body), async (x) => {
          const path = `/v2/accounts/${a.accountId}/media/${mediaId}/raw`;
          if ('boundary' in x) {
            const { contentType, bytes, surelyBad } = build(x);
            expectKazooAnswer(await send(path, contentType, bytes), surelyBad);
          } else expectKazooAnswer(await send(path, x.type, rawBytes(x)), false);
        }),
        settings(4, EVENTFUL_RUNS),
      );
      await expectAlive();
    },
    TIMEOUT_MS,
  );

  it(
    'PUT .../media (a fuzzed document) and then its raw audio',
    async () => {
      const docBody = fc.constantFrom(
        '{"data":{"name":"prompt"}}',
        '{"data":{"name":"../x"}}',
        '{"data":{"name":"p","media_source":"tts"}}',
        '{"data":{"name":"p","kind":"greeting","description":"d"}}',
        '{"data":{}}',
        '{"data":',
        '',
        `{"data":{"name":"${'n'.repeat(500)}"}}`,
        '{"data":{"name":"\\ud800"}}',
      );
      await fc.assert(
        fc.asyncProperty(docBody, rawAudio, async (doc, x) => {
          const r = await send(`/v2/accounts/${a.accountId}/media`, 'application/json', Buffer.from(doc));
          expectKazooAnswer(r, false);
          if (r?.status !== 201) return;
          const id = JSON.parse(r.body.toString('utf8')).data.id;
          const path = `/v2/accounts/${a.accountId}/media/${id}/raw`;
          expectKazooAnswer(await send(path, x.type, rawBytes(x)), false);
        }),
        settings(5, EVENTFUL_RUNS),
      );
      await expectAlive();
    },
    TIMEOUT_MS,
  );

  it(
    'PUT .../vmboxes/{b}/greetings/{type} with a raw audio body or multipart/mixed',
    async () => {
      const type = fc.constantFrom('unavailable', 'busy', 'name', 'temporary', 'lunch', '%2e%2e');
      await fc.assert(
        fc.asyncProperty(type, fc.oneof(rawAudio, body), async (t, x) => {
          const path = `/v2/accounts/${a.accountId}/vmboxes/${box}/greetings/${t}`;
          if ('boundary' in x) {
            const { contentType, bytes, surelyBad } = build(x);
            expectKazooAnswer(await send(path, contentType, bytes), surelyBad);
          } else expectKazooAnswer(await send(path, x.type, rawBytes(x)), false);
        }),
        settings(6, EVENTFUL_RUNS),
      );
      await expectAlive();
    },
    TIMEOUT_MS,
  );

  for (const [salt, route] of [
    [7, 'vm_greeting/upload'],
    [8, 'extension_vm_greeting/upload'],
  ] as const) {
    it(
      `Yeastar POST /openapi/v1.0/${route} with multipart/form-data`,
      async () => {
        const token = fc.constantFrom('ok', 'ok', 'ok', 'ok', 'forged', 'none');
        await fc.assert(
          fc.asyncProperty(formBody, token, async (b, t) => {
            const { contentType, bytes } = buildForm(b);
            const q =
              t === 'ok' ? `?access_token=${yeastarToken}` : t === 'forged' ? '?access_token=x.y.z' : '';
            expectYeastarAnswer(await send(`/openapi/v1.0/${route}${q}`, contentType, bytes, 'POST', {}));
          }),
          settings(salt, EVENTFUL_RUNS),
        );
        await expectAlive();
      },
      TIMEOUT_MS,
    );
  }

  it(
    'Flexisip upload URL: multipart/form-data POST and raw PUT',
    async () => {
      const declared = fc.constantFrom('audio/wav', 'audio/opus');
      await fc.assert(
        fc.asyncProperty(declared, fc.oneof(formBody, rawAudio), fc.boolean(), async (type, x, fresh) => {
          // a fresh slot, or one that may already hold audio (a second upload is refused in shape)
          const path = fresh || !lastSlot ? (lastSlot = await flexisipSlot(type)) : lastSlot;
          if ('boundary' in x) {
            const { contentType, bytes } = buildForm(x);
            expectFlexisipAnswer(
              await send(path, contentType, bytes, 'POST', { Accept: 'application/json' }),
            );
          } else
            expectFlexisipAnswer(
              await send(path, x.type, rawBytes(x), 'PUT', { Accept: 'application/json' }),
            );
        }),
        settings(9, EVENTFUL_RUNS),
      );
      await expectAlive();
    },
    TIMEOUT_MS,
  );
});

let lastSlot: string | undefined;
