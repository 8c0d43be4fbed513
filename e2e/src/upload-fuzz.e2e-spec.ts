// Property-based: truncated, oversized, interleaved and malformed multipart bodies, and raw audio bodies,
// sent over HTTP to every upload route of the real stack (issue 8 item 1). Every answer is 2xx or a 4xx
// in the Kazoo envelope, never a 5xx or a crash, and the gateway keeps serving.
// Bounded in `npm test`; `npm run test:fuzz` runs it longer (FUZZ_RUNS, FUZZ_SEED).
import * as fc from 'fast-check';
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

let stack: Stack;
let a: Tenant;
let box: string;
let messageId: string;

beforeAll(async () => {
  stack = await startMessagesStack();
  a = await stack.createTenant();
  box = await createBox(stack, a);
  const m = await stack.request('PUT', messagesOf(), { token: a.token, body: { data: {} } });
  messageId = m.body.data.media_id;
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
async function send(path: string, contentType: string, bytes: Buffer): Promise<RawResponse | undefined> {
  try {
    return await rawRequest(
      stack.baseUrl,
      'PUT',
      path,
      { 'X-Auth-Token': a.token, 'Content-Type': contentType },
      bytes,
    );
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

async function expectAlive(): Promise<void> {
  expect((await rawRequest(stack.baseUrl, 'GET', '/health/live', {})).status).toBe(200);
  const r = await stack.request('GET', messagesOf(), { token: a.token });
  expect(r.status).toBe(200);
}

const settings = (salt: number) => ({ numRuns: RUNS, seed: SEED + salt, endOnFailure: true });

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
});
