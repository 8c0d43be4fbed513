// What a hostile client with a valid token tried (issue 8): huge documents, lone surrogates, secrets in
// logs, verb tunnelling on GET, and errors below the handlers (Node's parser, Fastify's router and body
// parsers) that must answer in the Kazoo envelope like any other error.
import { createHash } from 'node:crypto';
import { Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { Tenant } from '@voxmail/testing';
import { startApps, useLogLines, useStack, useTenant } from './fixture';
import { createBox, rawRequest } from './messages.helpers';

// every app of this stack writes its logs here, at info level, so the test can read them
const logLines = useLogLines();
const stack = useStack(['mailbox', 'message', 'media', 'gateway'], { env: { LOG_LEVEL: 'info' } });
const a = useTenant(stack);
const b = useTenant(stack);

const boxes = (t: Tenant = a) => `/v2/accounts/${t.accountId}/vmboxes`;
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const port = () => Number(new URL(stack.baseUrl).port);
const randomId = () => createHash('md5').update(String(Math.random())).digest('hex');

function send(method: string, path: string, headers: Record<string, string>, body?: string | Buffer) {
  return rawRequest(
    stack.baseUrl,
    method,
    path,
    headers,
    body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body),
  );
}

/** Bytes written on a socket as they are, and the server's answer (for what no HTTP client would send). */
function rawHttp(request: string | Buffer): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const chunks: Buffer[] = [];
    socket.connect(port(), '127.0.0.1', () => socket.write(request));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e) => (chunks.length ? undefined : reject(e)));
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const cut = text.indexOf('\r\n\r\n');
      const head = cut >= 0 ? text.slice(0, cut) : text;
      resolve({
        status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? 0),
        headers: head.toLowerCase(),
        body: cut >= 0 ? text.slice(cut + 4) : '',
      });
    });
  });
}

function expectEnvelope(status: number, body: string) {
  const parsed = JSON.parse(body);
  expect(parsed).toEqual(
    expect.objectContaining({ error: String(status), status: 'error', message: expect.any(String) }),
  );
  expect(parsed).toHaveProperty('data');
  expect(parsed).toHaveProperty('request_id');
  expect(body).not.toMatch(/at .*\.(ts|js):\d+/);
}

async function userToken(t: Tenant): Promise<{ token: string; userId: string }> {
  const username = `u${randomId().slice(0, 8)}`;
  const user = await stack.request('PUT', `/v2/accounts/${t.accountId}/users`, {
    token: t.token,
    body: { data: { username, password: 'correct horse', first_name: 'U', last_name: 'Ser' } },
  });
  expect(user.status).toBe(201);
  const login = await stack.request('PUT', '/v2/user_auth', {
    body: { data: { credentials: md5(`${username}:correct horse`), account_name: t.name } },
  });
  expect(login.status).toBe(201);
  return { token: login.body.auth_token, userId: user.body.data.id };
}

/** The request of issue 8 item 3: a 998 KB document of 60,000 keys. */
function hugeDocument(): string {
  const data: Record<string, string> = { name: 'big' };
  for (let i = 0; i < 60_000; i++) data[`k${String(i).padStart(5, '0')}`] = 'vvvv';
  return JSON.stringify({ data });
}

describe('8.3 a large document is refused at the gateway, and other tenants are served meanwhile', () => {
  it('PUT /v2/accounts/<random id> and POST .../users/{id} with 60,000 keys: 400 at once, B unaffected', async () => {
    const { token, userId } = await userToken(a);
    const body = hugeDocument();
    expect(Buffer.byteLength(body)).toBeGreaterThan(900_000);
    const headers = { 'X-Auth-Token': token, 'Content-Type': 'application/json' };
    const heavy = [
      send('PUT', `/v2/accounts/${randomId()}`, headers, body),
      send('POST', `/v2/accounts/${a.accountId}/users/${userId}`, headers, body),
      send('PUT', `/v2/accounts/${randomId()}`, headers, body),
    ];
    const other = stack.request('GET', boxes(b), { token: b.token });
    const [r1, r2, r3] = await Promise.all(heavy);
    for (const r of [r1, r2, r3]) {
      expect([400, 413]).toContain(r.status);
      expectEnvelope(r.status, r.body.toString());
      expect(r.headers['content-type']).toBe('application/json');
    }
    expect(JSON.parse(r1.body.toString()).data.data).toHaveProperty('maxKeys');
    expect((await other).status).toBe(200);
  });

  it('refuses before authorization too: no token, same answer, without any service round trip', async () => {
    const r = await send(
      'PUT',
      `/v2/accounts/${randomId()}`,
      { 'Content-Type': 'application/json' },
      hugeDocument(),
    );
    expect([400, 413]).toContain(r.status);
    expectEnvelope(r.status, r.body.toString());
  });

  it.each([
    ['deep', `{"data":{"name":"x","a":${'['.repeat(40)}${']'.repeat(40)}}}`, 'maxDepth', 400],
    [
      'a long array',
      JSON.stringify({ data: { name: 'x', list: new Array(10_001).fill(1) } }),
      'maxItems',
      400,
    ],
    ['a long key', JSON.stringify({ data: { name: 'x', ['k'.repeat(300)]: 1 } }), 'maxLength', 400],
    // no stored document could hold it: too large, as a body over the limit is
    [
      'a string longer than a document',
      JSON.stringify({ data: { name: 'x', n: 'n'.repeat(300_000) } }),
      'maxLength',
      413,
    ],
  ])('refuses %s naming the rule', async (_what, body, rule, status) => {
    const json = { 'X-Auth-Token': a.token, 'Content-Type': 'application/json' };
    const r = await send('PUT', boxes(), json, body);
    expect(r.status).toBe(status);
    expectEnvelope(status, r.body.toString());
    const details = JSON.parse(r.body.toString()).data as Record<string, Record<string, unknown>>;
    expect(Object.values(details).some((d) => rule in d)).toBe(true);
  });

  it('a document of a few hundred custom keys is still stored', async () => {
    const data: Record<string, unknown> = { name: 'many keys', mailbox: '4242' };
    for (let i = 0; i < 300; i++) data[`custom_${i}`] = `value ${i}`;
    const r = await stack.request('PUT', boxes(), { token: a.token, body: { data } });
    expect(r.status).toBe(201);
    expect(r.body.data.custom_299).toBe('value 299');
  });
});

describe('8.4 a lone surrogate in any string or key is a 400 naming the field', () => {
  const lone = (json: string) => json; // written as the JSON escape, as a client would send it

  it.each([
    ['an account name', 'PUT', () => `/v2/accounts/${a.accountId}`, '{"data":{"name":"\\ud800"}}', 'name'],
    ['a vmbox name', 'PUT', () => boxes(), '{"data":{"name":"x\\udfff","mailbox":"5151"}}', 'name'],
    [
      'a user name',
      'PUT',
      () => `/v2/accounts/${a.accountId}/users`,
      '{"data":{"username":"lone","first_name":"\\ud83d","last_name":"x","password":"correct horse"}}',
      'first_name',
    ],
    ['a key', 'PUT', () => boxes(), '{"data":{"name":"x","mailbox":"5252","\\udc00k":"v"}}', '\udc00k'],
    [
      'a nested string',
      'PUT',
      () => boxes(),
      '{"data":{"name":"x","mailbox":"5353","a":{"b":["\\ud800"]}}}',
      'a.b.0',
    ],
  ])('%s', async (_what, method, path, body, field) => {
    const r = await send(
      method,
      path(),
      { 'X-Auth-Token': a.token, 'Content-Type': 'application/json' },
      lone(body),
    );
    expect(r.status).toBe(400);
    expectEnvelope(400, r.body.toString());
    expect(JSON.parse(r.body.toString()).data).toHaveProperty([field]);
  });

  it('caller_id_number of a message', async () => {
    const box = await createBox(stack, a);
    const r = await send(
      'PUT',
      `${boxes()}/${box}/messages`,
      { 'X-Auth-Token': a.token, 'Content-Type': 'application/json' },
      '{"data":{"caller_id_number":"\\ud800"}}',
    );
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body.toString()).data).toHaveProperty(['caller_id_number']);
  });

  it('a well-formed pair (an emoji) is fine', async () => {
    const r = await send(
      'PUT',
      boxes(),
      { 'X-Auth-Token': a.token, 'Content-Type': 'application/json' },
      '{"data":{"name":"box \\ud83d\\ude00","mailbox":"5454"}}',
    );
    expect(r.status).toBe(201);
    expect(JSON.parse(r.body.toString()).data.name).toBe('box \u{1F600}');
  });
});

describe('8.5 secrets never reach the logs', () => {
  it('a token in ?auth_token=, in headers, and credentials in bodies are redacted', async () => {
    const secretToken = a.token;
    await stack.request('GET', `${boxes()}?auth_token=${secretToken}&paginate=true`);
    await stack.request('GET', `${boxes()}?api_key=${a.apiKey}&x-api-key=${a.apiKey}&token=${secretToken}`);
    await stack.request('PUT', '/v2/api_auth', { body: { data: { api_key: a.apiKey } } });
    await stack.request('PUT', '/v2/user_auth', {
      body: { data: { credentials: md5('nobody:wrong-password-123'), account_name: a.name } },
    });
    await new Promise((r) => setTimeout(r, 200)); // pino writes asynchronously
    const text = logLines.join('');
    expect(text).toContain('auth_token=[redacted]');
    expect(text).not.toContain(secretToken);
    expect(text).not.toContain(a.apiKey);
    expect(text).not.toContain(md5('nobody:wrong-password-123'));
    expect(text).not.toContain('$argon2');
  });
});

describe('8.6 verb tunnelling only on POST, only under /v2', () => {
  it('GET ...?verb=DELETE reads and deletes nothing; POST ...?verb=DELETE deletes', async () => {
    const box = await createBox(stack, a);
    const got = await stack.request('GET', `${boxes()}/${box}?verb=DELETE`, { token: a.token });
    expect(got.status).toBe(200);
    expect(got.body.data.id).toBe(box);
    expect((await stack.request('GET', `${boxes()}/${box}`, { token: a.token })).status).toBe(200);
    const del = await stack.request('POST', `${boxes()}/${box}?verb=DELETE`, { token: a.token });
    expect(del.status).toBe(200);
    expect((await stack.request('GET', `${boxes()}/${box}`, { token: a.token })).status).toBe(404);
  });

  it('GET with an envelope verb changes nothing either, and /health never tunnels', async () => {
    const box = await createBox(stack, a);
    const envelope = '{"data":{},"verb":"DELETE"}';
    const r = await send(
      'GET',
      `${boxes()}/${box}`,
      {
        'X-Auth-Token': a.token,
        'Content-Type': 'application/json',
        'Content-Length': String(envelope.length),
      },
      envelope,
    );
    expect(r.status).toBe(200);
    expect((await stack.request('GET', `${boxes()}/${box}`, { token: a.token })).status).toBe(200);
    const health = await fetch(`${stack.baseUrl}/health/live?verb=GET`, { method: 'POST' });
    expect(health.status).toBe(404);
  });
});

describe('8.8 errors below the handlers answer in the Kazoo envelope', () => {
  it('a malformed request (400 "Client Error")', async () => {
    const r = await rawHttp('GET /v2/accounts HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n');
    expect(r.status).toBe(400);
    expect(r.headers).toContain('content-type: application/json\r\n');
    expect(r.headers).toContain('access-control-allow-origin: *');
    expectEnvelope(400, r.body);
  });

  it('a URI longer than the server reads: 414', async () => {
    const huge = await rawHttp(`GET /v2/accounts?x=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(huge.status).toBe(414);
    expectEnvelope(414, huge.body);
    const long = await send('GET', `/v2/accounts?x=${'a'.repeat(9_000)}`, {});
    expect(long.status).toBe(414);
    expectEnvelope(414, long.body.toString());
    const param = await send('GET', `/v2/accounts/${'a'.repeat(300)}`, {});
    expect(param.status).toBe(414);
    expect(param.headers['content-type']).toBe('application/json');
    expectEnvelope(414, param.body.toString());
  });

  it('headers too large: 431', async () => {
    const r = await rawHttp(`GET /v2/accounts HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`);
    expect(r.status).toBe(431);
    expectEnvelope(431, r.body);
  });

  it('a malformed %-escape in the URL', async () => {
    const r = await send('GET', '/v2/accounts/%zz', {});
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toBe('application/json');
    expectEnvelope(400, r.body.toString());
  });

  it('malformed JSON, an unsupported content type, a body too large, an unknown route', async () => {
    const json = { 'X-Auth-Token': a.token, 'Content-Type': 'application/json' };
    const answers = [
      [400, await send('PUT', boxes(), json, '{"data": {')],
      [415, await send('PUT', boxes(), { ...json, 'Content-Type': 'text/xml' }, '<data/>')],
      [
        413,
        await send('PUT', boxes(), json, JSON.stringify({ data: { name: 'x', n: 'n'.repeat(1_100_000) } })),
      ],
      [404, await send('GET', '/v2/no/such/thing', {})],
      [404, await send('DELETE', '/nothing-here', {})],
    ] as const;
    for (const [status, r] of answers) {
      expect(r.status).toBe(status);
      expect(r.headers['content-type']).toBe('application/json');
      expectEnvelope(status, r.body.toString());
    }
  });
});

describe('25.10 service ports listen on the configured address only', () => {
  /** Whether a TCP connection to host:port is accepted. */
  const accepts = (host: string, port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.setTimeout(3000);
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('timeout', () => (socket.destroy(), resolve(false)));
      socket.once('error', () => resolve(false));
      socket.connect(port, host);
    });

  it("health and /metrics of a service answer on loopback only, even with HOST=0.0.0.0 (the gateway's)", async () => {
    // a service started as a shared environment starts it: HOST open for the gateway, HEALTH_HOST unset
    const own = await startApps(['mailbox'], { env: { HOST: '0.0.0.0' } });
    try {
      const url = new URL(own.get('mailbox').url);
      expect(url.hostname).toBe('127.0.0.1');
      const port = Number(url.port);
      expect((await fetch(`${url.origin}/health/live`)).status).toBe(200);
      expect((await fetch(`${url.origin}/metrics`)).status).toBe(200);
      const others = Object.values(networkInterfaces())
        .flat()
        .filter((i) => i && !i.internal && i.family === 'IPv4')
        .map((i) => i!.address);
      for (const address of others) expect([address, await accepts(address, port)]).toEqual([address, false]);
    } finally {
      await own.stop();
    }
  });
});
