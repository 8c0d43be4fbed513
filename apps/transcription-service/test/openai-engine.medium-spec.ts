// The openai engine against a local server speaking the OpenAI transcription protocol: the request's shape
// (multipart file, model, language, response_format; the bearer key), retries of 5xx and timeouts, no
// retry of a refused audio, and the outbound guard on the address.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineInputError } from '../src/engines/engine';
import { OpenAiEngine, OpenAiEngineOptions } from '../src/engines/openai.engine';

interface Seen {
  path: string;
  authorization?: string;
  fields: Record<string, string>;
  file?: { name: string; type: string; bytes: Buffer };
}

let server: Server;
let base: string;
let dir: string;
let wav: string;
const WAV = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4000, 7)]);
const seen: Seen[] = [];
/** What the server does with the n-th request (0-based); the last entry repeats. */
let script: ((res: ServerResponse) => void)[] = [];

async function read(req: IncomingMessage): Promise<Seen> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const form = await new Response(Buffer.concat(chunks), {
    headers: { 'content-type': req.headers['content-type'] ?? '' },
  }).formData();
  const fields: Record<string, string> = {};
  let file: Seen['file'];
  for (const [k, v] of form.entries()) {
    if (typeof v === 'string') fields[k] = v;
    else file = { name: v.name, type: v.type, bytes: Buffer.from(await v.arrayBuffer()) };
  }
  return { path: req.url ?? '', authorization: req.headers.authorization, fields, file };
}

const ok = (res: ServerResponse) =>
  res.writeHead(200, { 'content-type': 'application/json' }).end(
    JSON.stringify({
      task: 'transcribe',
      language: 'english',
      text: ' Please call me back about the invoice. ',
      segments: [{ avg_logprob: -0.1 }, { avg_logprob: -0.3 }],
    }),
  );

beforeAll(async () => {
  server = createServer((req, res) => {
    void read(req).then((s) => {
      const n = seen.push(s) - 1;
      (script[Math.min(n, script.length - 1)] ?? ok)(res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'openai-engine-'));
  wav = join(dir, 'speech.wav');
  await writeFile(wav, WAV);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  seen.length = 0;
  script = [ok];
});

const engine = (o: Partial<OpenAiEngineOptions> = {}) =>
  new OpenAiEngine({
    baseUrl: base,
    apiKey: 'sk-test-key',
    model: 'whisper-large-v3',
    timeoutMs: 2000,
    attempts: 3,
    retryBaseMs: 20,
    allowPrivate: 'loopback',
    ...o,
  });

const run = (e: OpenAiEngine) => e.transcribe(wav, 'en-us', AbortSignal.timeout(30000));

describe('openai engine', () => {
  it('posts the audio as the OpenAI protocol says and reads verbose_json', async () => {
    const r = await run(engine({ baseUrl: `${base}/v1/` }));
    expect(r).toEqual({ text: 'Please call me back about the invoice.', language: 'en', confidence: 0.819 });
    expect(seen).toHaveLength(1);
    expect(seen[0].path).toBe('/v1/audio/transcriptions');
    expect(seen[0].authorization).toBe('Bearer sk-test-key');
    expect(seen[0].fields).toEqual({
      model: 'whisper-large-v3',
      language: 'en',
      response_format: 'verbose_json',
    });
    expect(seen[0].file?.name).toBe('audio.wav');
    expect(seen[0].file?.type).toBe('audio/wav');
    expect(seen[0].file?.bytes.equals(WAV)).toBe(true);
  });

  it('sends no Authorization header without a key', async () => {
    await run(engine({ apiKey: undefined }));
    expect(seen[0].authorization).toBeUndefined();
  });

  it('retries a server error and a timeout, then succeeds', async () => {
    script = [
      (res) => res.writeHead(503).end('busy'),
      () => undefined, // never answers: the engine's timeout
      ok,
    ];
    const r = await run(engine({ timeoutMs: 500 }));
    expect(r.text).toBe('Please call me back about the invoice.');
    expect(seen).toHaveLength(3);
  });

  it('gives up after its attempts when the server keeps failing', async () => {
    script = [(res) => res.writeHead(500).end()];
    await expect(run(engine({ attempts: 2 }))).rejects.toThrow(/after 2 attempts: HTTP 500/);
    expect(seen).toHaveLength(2);
  });

  it('does not retry audio the server refuses (the job ends failed at once)', async () => {
    script = [(res) => res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{}}')];
    await expect(run(engine())).rejects.toBeInstanceOf(EngineInputError);
    expect(seen).toHaveLength(1);
  });

  it('refuses a loopback address unless allowed (the outbound guard)', async () => {
    await expect(run(engine({ allowPrivate: false }))).rejects.toThrow(/not allowed/);
    await expect(
      run(engine({ allowPrivate: false, baseUrl: base.replace('127.0.0.1', 'localhost') })),
    ).rejects.toThrow(/not allowed/);
    expect(seen).toHaveLength(0);
  });
});
