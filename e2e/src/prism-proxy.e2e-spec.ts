// Stoplight Prism in proxy mode in front of the gateway, a second validator of docs/openapi/kazoo.json
// independent of ours (e2e/src/openapi.helpers.ts): a Kazoo vmboxes and messages flow goes through Prism,
// which checks each request against the document before passing it on and each answer on its way back.
// Prism runs with `--errors`: a violation turns the answer into Prism's problem+json (request: 422,
// answer: 500); a lesser one is listed in its `sl-violations` header. The suite fails on either, and on any
// violation Prism logs.
import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterSuite } from './fixture';
import { useMessagesStack, useTenant, wavFile } from './messages.helpers';

const stack = useMessagesStack();
const a = useTenant(stack);

const ROOT = join(__dirname, '../..');
let prism: ChildProcess;
let prismUrl = '';
const log: string[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  const port = await freePort();
  prism = spawn(
    process.execPath,
    [
      join(ROOT, 'node_modules/@stoplight/prism-cli/dist/index.js'),
      'proxy',
      join(ROOT, 'docs/openapi/kazoo.json'),
      stack.baseUrl,
      '--errors',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      // violations are warnings and errors; the routes it lists at start are not needed
      '--verboseLevel',
      'warn',
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', SCARF_ANALYTICS: 'false' },
    },
  );
  afterSuite(() => {
    prism.kill('SIGTERM');
  });
  const collect = (chunk: Buffer) => log.push(chunk.toString('utf8'));
  prism.stdout!.on('data', collect);
  prism.stderr!.on('data', collect);
  // ready once it answers (it reads and compiles the document first: several seconds on a busy machine)
  const end = Date.now() + 90000;
  for (;;) {
    if (prism.exitCode !== null) throw new Error(`prism exited ${prism.exitCode}:\n${log.join('')}`);
    try {
      await fetch(`http://127.0.0.1:${port}/__ready`); // not a gateway path: no answer to check
      break;
    } catch {
      if (Date.now() > end) throw new Error(`prism did not start:\n${log.join('')}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  prismUrl = `http://127.0.0.1:${port}`;
}, 120000);

interface Answer {
  status: number;
  body: any;
  text: string;
}

/** A request through Prism; fails on any violation Prism reports for it. */
async function call(
  method: string,
  path: string,
  o: { body?: unknown; raw?: Buffer; type?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { 'X-Auth-Token': a.token };
  let body: string | Buffer | undefined;
  if (o.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(o.body);
  } else if (o.raw) {
    headers['Content-Type'] = o.type ?? 'application/octet-stream';
    body = o.raw;
  }
  const res = await fetch(prismUrl + path, { method, headers, body });
  const text = await res.text();
  const violations = res.headers.get('sl-violations');
  if (violations || /application\/problem\+json/.test(res.headers.get('content-type') ?? ''))
    throw new Error(`Prism: ${method} ${path} -> ${res.status}\n${violations ?? ''}\n${text.slice(0, 1500)}`);
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, text };
}

describe('the Kazoo document, checked by Stoplight Prism in proxy mode', () => {
  it('passes a vmboxes and messages flow both ways', async () => {
    const acct = `/v2/accounts/${a.accountId}`;
    const created = await call('PUT', `${acct}/vmboxes`, {
      body: { data: { name: 'Prism box', mailbox: '4100', pin: '1234', timezone: 'Europe/Paris' } },
    });
    expect(created.status).toBe(201);
    const box = created.body.data.id as string;
    expect((await call('GET', `${acct}/vmboxes`)).body.data.some((b: { id: string }) => b.id === box)).toBe(
      true,
    );
    expect((await call('GET', `${acct}/vmboxes/${box}`)).body.data.mailbox).toBe('4100');
    expect(
      (
        await call('POST', `${acct}/vmboxes/${box}`, {
          body: { data: { name: 'Prism box 2', mailbox: '4100' } },
        })
      ).status,
    ).toBe(200);
    expect(
      (await call('PATCH', `${acct}/vmboxes/${box}`, { body: { data: { require_pin: true } } })).status,
    ).toBe(200);

    // a message: its document, then its audio
    const m = await call('PUT', `${acct}/vmboxes/${box}/messages`, {
      body: { data: { caller_id_number: '+33100000000', caller_id_name: 'Prism' } },
    });
    expect(m.status).toBe(201);
    const id = m.body.data.media_id as string;
    // the audio goes to the gateway itself: Prism 5.14's proxy forwards a binary request body re-encoded as
    // text (the gateway then sees no WAV and answers 415), so binary uploads are outside this suite (the
    // e2e client's own check covers them, see the README)
    const upload = await fetch(`${stack.baseUrl}${acct}/vmboxes/${box}/messages/${id}/raw`, {
      method: 'PUT',
      headers: { 'X-Auth-Token': a.token, 'Content-Type': 'audio/wav' },
      body: wavFile(1),
    });
    expect(upload.status).toBe(200);
    const listed = await call('GET', `${acct}/vmboxes/${box}/messages`);
    expect(listed.body.data.map((x: { media_id: string }) => x.media_id)).toContain(id);
    expect((await call('GET', `${acct}/vmboxes/${box}/messages/${id}`)).body.data.media_id).toBe(id);
    expect(
      (await call('POST', `${acct}/vmboxes/${box}/messages/${id}`, { body: { data: { folder: 'saved' } } }))
        .status,
    ).toBe(200);
    const audio = await call('GET', `${acct}/vmboxes/${box}/messages/${id}/raw`);
    expect(audio.status).toBe(200);
    expect((await call('GET', `${acct}/vmboxes/${box}/mwi`)).status).toBe(200);
    expect((await call('GET', `${acct}/messages?q=Prism`)).status).toBe(200);

    // refusals pass through Prism too, in the document's error shape
    expect((await call('GET', `${acct}/vmboxes/${'0'.repeat(32)}`)).status).toBe(404);

    expect((await call('DELETE', `${acct}/vmboxes/${box}/messages/${id}`)).status).toBe(200);
    expect((await call('DELETE', `${acct}/vmboxes/${box}`)).status).toBe(200);

    // nothing Prism logged as a violation, even one it did not turn into an error
    expect(
      log
        .join('')
        .split('\n')
        .filter((l) => /violation/i.test(l)),
    ).toEqual([]);
  });
});
