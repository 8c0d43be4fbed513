// Request shapes of the Kazoo clients people already run (Kazoo's test client, the PHP SDK, Monster UI's
// jquery.kazoosdk, curl as in Kazoo's examples): token in the query, CORS, trailing slashes, empty JSON
// bodies, JSON sent as a form, the exact JSON content type, and no `"revision": "undefined"`.
import { createHash, randomBytes } from 'node:crypto';
import { Tenant } from '@voxmail/testing';
import { createBox, rawRequest, useMessagesStack, wavFile } from './messages.helpers';
import { useTenant } from './fixture';

const stack = useMessagesStack();
const a = useTenant(stack);

const boxes = (t: Tenant = a) => `/v2/accounts/${t.accountId}/vmboxes`;
const mailbox = () => String(1000 + Math.floor(Math.random() * 8_000_000));

/** A request with a body exactly as given (fetch would add or drop headers for us). */
function send(method: string, path: string, headers: Record<string, string>, body?: string) {
  return rawRequest(stack.baseUrl, method, path, headers, body === undefined ? undefined : Buffer.from(body));
}

describe('10.1 auth_token in the query string', () => {
  it('authenticates GET .../messages/{id}/raw?auth_token= as Monster UI plays audio in <audio>', async () => {
    const box = await createBox(stack, a);
    const m = await stack.request('PUT', `${boxes()}/${box}/messages`, {
      token: a.token,
      body: { data: {} },
    });
    expect(m.status).toBe(201);
    const id: string = m.body.data.media_id;
    const audio = wavFile(1);
    const up = await rawRequest(
      stack.baseUrl,
      'PUT',
      `${boxes()}/${box}/messages/${id}/raw`,
      { 'X-Auth-Token': a.token, 'Content-Type': 'audio/wav' },
      audio,
    );
    expect(up.status).toBeLessThan(300);
    const played = await send('GET', `${boxes()}/${box}/messages/${id}/raw?auth_token=${a.token}`, {});
    expect(played.status).toBe(200);
    expect(played.headers['content-type']).toMatch(/^audio\//);
    const listed = await stack.request('GET', `${boxes()}?auth_token=${encodeURIComponent(a.token)}`);
    expect(listed.status).toBe(200);
  });

  it('a wrong query token is 401 in the envelope, and the header wins over the query', async () => {
    const wrong = await stack.request('GET', `${boxes()}?auth_token=nope`);
    expect(wrong.status).toBe(401);
    expect(wrong.body.status).toBe('error');
    const both = await stack.request('GET', `${boxes()}?auth_token=nope`, { token: a.token });
    expect(both.status).toBe(200);
  });
});

describe('10.2 CORS', () => {
  it('answers a browser preflight on any path with the allowed origin, methods, headers and max age', async () => {
    for (const path of [
      boxes(),
      `${boxes()}/0123456789abcdef0123456789abcdef`,
      '/v2/user_auth',
      '/v2/nothing',
    ]) {
      const r = await send('OPTIONS', path, {
        Origin: 'https://monster.example',
        'Access-Control-Request-Method': 'PUT',
        'Access-Control-Request-Headers': 'x-auth-token, content-type',
      });
      expect([200, 204]).toContain(r.status);
      expect(r.headers['access-control-allow-origin']).toBe('*');
      const methods = String(r.headers['access-control-allow-methods']);
      for (const m of ['GET', 'PUT', 'POST', 'PATCH', 'DELETE']) expect(methods).toContain(m);
      const allowed = String(r.headers['access-control-allow-headers']).toLowerCase();
      for (const h of ['x-auth-token', 'content-type', 'x-request-id', 'range', 'x-pretty-print', 'if-match'])
        expect(allowed).toContain(h);
      expect(Number(r.headers['access-control-max-age'])).toBeGreaterThan(0);
    }
  });

  it('answers a bare OPTIONS (no Origin) too', async () => {
    const r = await send('OPTIONS', boxes(), {});
    expect([200, 204]).toContain(r.status);
    expect(r.headers['access-control-allow-origin']).toBe('*');
  });

  it('every answer, errors included, carries Access-Control-Allow-Origin and the exposed headers', async () => {
    const origin = { Origin: 'https://monster.example' };
    const answers = [
      await send('GET', boxes(), { ...origin, 'X-Auth-Token': a.token }),
      await send('GET', boxes(), origin), // 401
      await send('GET', '/v2/no/such/route', origin), // 404
      await send(
        'PUT',
        boxes(),
        { ...origin, 'X-Auth-Token': a.token, 'Content-Type': 'application/json' },
        '{x',
      ),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 401, 404, 400]);
    for (const r of answers) {
      expect(r.headers['access-control-allow-origin']).toBe('*');
      const exposed = String(r.headers['access-control-expose-headers']).toLowerCase();
      for (const h of [
        'x-request-id',
        'content-range',
        'content-length',
        'accept-ranges',
        'content-disposition',
      ])
        expect(exposed).toContain(h);
    }
  });
});

describe('10.3 a trailing slash is ignored', () => {
  it('PUT /v2/accounts/{id}/vmboxes/ creates, GET .../vmboxes/ and .../vmboxes/{id}/ read', async () => {
    const created = await stack.request('PUT', `${boxes()}/`, {
      token: a.token,
      body: { data: { name: 'slash box', mailbox: mailbox() } },
    });
    expect(created.status).toBe(201);
    const listed = await stack.request('GET', `${boxes()}/`, { token: a.token });
    expect(listed.status).toBe(200);
    const one = await stack.request('GET', `${boxes()}/${created.body.data.id}/`, { token: a.token });
    expect(one.status).toBe(200);
    expect(one.body.data.name).toBe('slash box');
  });

  it('PUT .../users/ creates, and a tunnelled POST with a trailing slash is routed', async () => {
    const user = await stack.request('PUT', `/v2/accounts/${a.accountId}/users/`, {
      token: a.token,
      body: {
        data: { username: `u${Date.now()}`, password: 'correct horse', first_name: 'A', last_name: 'B' },
      },
    });
    expect(user.status).toBe(201);
    const box = await createBox(stack, a);
    const tunnelled = await stack.request('POST', `${boxes()}/${box}/?verb=DELETE`, { token: a.token });
    expect(tunnelled.status).toBe(200);
    expect((await stack.request('GET', `${boxes()}/${box}`, { token: a.token })).status).toBe(404);
  });
});

describe('10.4 an empty body with Content-Type: application/json is no data', () => {
  it('DELETE and GET with an empty JSON body work, as the PHP SDK sends them', async () => {
    const box = await createBox(stack, a);
    const headers = { 'X-Auth-Token': a.token, 'Content-Type': 'application/json' };
    const read = await send('GET', `${boxes()}/${box}`, { ...headers, 'Content-Length': '0' }, '');
    expect(read.status).toBe(200);
    const deleted = await send('DELETE', `${boxes()}/${box}`, { ...headers, 'Content-Length': '0' }, '');
    expect(deleted.status).toBe(200);
    const again = await send('GET', `${boxes()}/${box}`, headers);
    expect(again.status).toBe(404);
  });

  it('a whitespace-only body is no data too, and a create without data is still a 400 naming data', async () => {
    const r = await send(
      'PUT',
      boxes(),
      { 'X-Auth-Token': a.token, 'Content-Type': 'application/json; charset=utf-8' },
      ' \r\n',
    );
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body.toString()).data).toHaveProperty('data');
  });
});

describe('10.8 JSON sent as application/x-www-form-urlencoded (plain curl -d)', () => {
  it('is parsed as JSON', async () => {
    const r = await send(
      'PUT',
      boxes(),
      { 'X-Auth-Token': a.token, 'Content-Type': 'application/x-www-form-urlencoded' },
      JSON.stringify({ data: { name: 'curl box', mailbox: mailbox() } }),
    );
    expect(r.status).toBe(201);
    expect(JSON.parse(r.body.toString()).data.name).toBe('curl box');
  });

  it('a real form body is a clear 400 in the envelope', async () => {
    const r = await send(
      'PUT',
      boxes(),
      { 'X-Auth-Token': a.token, 'Content-Type': 'application/x-www-form-urlencoded' },
      'name=box&mailbox=1234',
    );
    expect(r.status).toBe(400);
    const body = JSON.parse(r.body.toString());
    expect(body).toEqual(expect.objectContaining({ status: 'error', error: '400' }));
    expect(body.message).toMatch(/JSON/);
  });
});

describe('10.9 answers carry exactly Content-Type: application/json', () => {
  it('for successes and for errors of every layer', async () => {
    const answers = [
      await send('GET', boxes(), { 'X-Auth-Token': a.token }),
      await send('GET', boxes(), {}),
      await send('GET', '/v2/nope', {}),
      await send('PUT', boxes(), { 'X-Auth-Token': a.token, 'Content-Type': 'application/json' }, '{"data":'),
      await send('PUT', boxes(), { 'X-Auth-Token': a.token, 'Content-Type': 'text/csv' }, 'a,b'),
      await send('GET', `${boxes()}/not-an-id`, { 'X-Auth-Token': a.token }),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 401, 404, 400, 415, 404]);
    for (const r of answers) expect(r.headers['content-type']).toBe('application/json');
  });
});

describe('10.10 a revision is a real value or absent', () => {
  const noUndefined = (text: string) => expect(text).not.toContain('"undefined"');

  it('GET .../api_key, bulk message POST/DELETE and the other envelopes never say "undefined"', async () => {
    const op = await stack.operatorLogin();
    const key = await stack.request('GET', `/v2/accounts/${a.accountId}/api_key`, { token: op.token });
    expect(key.status).toBe(200);
    noUndefined(key.text);
    const box = await createBox(stack, a);
    const m = await stack.request('PUT', `${boxes()}/${box}/messages`, {
      token: a.token,
      body: { data: {} },
    });
    const id: string = m.body.data.media_id;
    const moved = await stack.request('POST', `${boxes()}/${box}/messages`, {
      token: a.token,
      body: { data: { folder: 'saved', messages: [id] } },
    });
    expect(moved.status).toBe(200);
    noUndefined(moved.text);
    const deleted = await stack.request('DELETE', `${boxes()}/${box}/messages`, {
      token: a.token,
      body: { data: { messages: [id] } },
    });
    expect(deleted.status).toBe(200);
    noUndefined(deleted.text);
    for (const path of [
      boxes(),
      `${boxes()}/${box}`,
      `${boxes()}/${box}/messages`,
      `/v2/accounts/${a.accountId}`,
    ]) {
      const r = await stack.request('GET', path, { token: a.token });
      expect(r.status).toBe(200);
      noUndefined(r.text);
    }
    const login = await stack.request('PUT', '/v2/api_auth', { body: { data: { api_key: a.apiKey } } });
    noUndefined(login.text);
  });
});

describe('10.11 the PHP SDK logs in with username, password and SIP realm (Kazoo\\AuthToken\\User)', () => {
  const REALM = 'sdkphp2.clients.test';
  const md5 = (x: string) => createHash('md5').update(x).digest('hex');
  let accountId: string;
  let accountName: string;

  beforeAll(async () => {
    const op = await stack.operatorLogin();
    accountName = `sdkphp2-${randomBytes(3).toString('hex')}`;
    const acct = await stack.request('PUT', `/v2/accounts/${op.accountId}`, {
      token: op.token,
      body: { data: { name: accountName, realm: REALM } },
    });
    expect(acct.status).toBe(201);
    accountId = acct.body.data.id;
    const user = await stack.request('PUT', `/v2/accounts/${accountId}/users`, {
      token: op.token,
      body: {
        data: {
          username: 'sdkuser',
          password: 'sdk pass 2',
          first_name: 'S',
          last_name: 'DK',
          priv_level: 'admin',
        },
      },
    });
    expect(user.status).toBe(201);
  });

  /** Kazoo's answer when no account matches: the system error `invalid_credentials`. */
  const invalidCredentials = {
    data: { message: 'invalid credentials' },
    error: '401',
    message: 'invalid_credentials',
    status: 'error',
  };

  it("replays the SDK's request: PUT /v2/user_auth {credentials, realm}, then uses the token", async () => {
    // what AuthToken\User::requestToken() sends: PUT {base}/v2/user_auth with the SDK's User-Agent and
    // JSON headers, the body json_encode of {"data":{"credentials":md5("user:pass"),"realm":<sipRealm>}}
    const body = JSON.stringify({ data: { credentials: md5('sdkuser:sdk pass 2'), realm: REALM } });
    const r = await send(
      'PUT',
      '/v2/user_auth',
      {
        'User-Agent': 'kazoo-php-sdk (http://github.com/2600hz/kazoo-php-sdk)',
        Accept: 'application/json',
        'Content-Type': 'application/json',
      },
      body,
    );
    expect(r.status).toBe(201);
    const login = JSON.parse(r.body.toString('utf8'));
    expect(login).toMatchObject({ status: 'success', data: { account_id: accountId } });
    expect(typeof login.auth_token).toBe('string');
    // the SDK then sends X-Auth-Token on every request
    const me = await stack.request('GET', `/v2/accounts/${accountId}`, { token: login.auth_token });
    expect(me.status).toBe(200);
  });

  it('takes the first defined of account_realm and realm, then account_name, as cb_user_auth does', async () => {
    const creds = md5('sdkuser:sdk pass 2');
    const login = (data: Record<string, unknown>) =>
      stack.request('PUT', '/v2/user_auth', { body: { data: { credentials: creds, ...data } } });
    expect((await login({ account_realm: REALM, realm: 'other.clients.test' })).status).toBe(201);
    expect((await login({ account_realm: REALM.toUpperCase() })).status).toBe(201);
    // an unknown realm falls back to the account name
    expect((await login({ realm: 'unknown.clients.test', account_name: accountName })).status).toBe(201);
    // account_realm is the first defined: a realm beside it is not looked at
    const first = await login({ account_realm: 'unknown.clients.test', realm: REALM });
    expect(first.status).toBe(401);
    expect(first.body).toMatchObject(invalidCredentials);
  });

  it("answers Kazoo's invalid_credentials when nothing names an account or nothing matches", async () => {
    const creds = md5('sdkuser:sdk pass 2');
    for (const data of [
      {},
      { phone_number: '+15555550123' },
      { realm: 'nowhere.clients.test' },
      { account_name: 'no such account' },
      { realm: REALM, credentials: md5('sdkuser:wrong') },
    ]) {
      const r = await stack.request('PUT', '/v2/user_auth', {
        body: { data: { credentials: creds, ...data } },
      });
      expect([JSON.stringify(data), r.status]).toEqual([JSON.stringify(data), 401]);
      expect(r.body).toMatchObject(invalidCredentials);
    }
  });
});
