// The foundation slice over HTTP: operator key → token → tenant → tenant key → user → user token,
// the Kazoo envelopes, credentials that must stop working, tenant isolation and the events.
import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { signAuthToken } from '@voxmail/contracts';
import { EventRecorder, Stack, startStack, TEST_OPERATOR_KEY } from '@voxmail/testing';
import { startGateway } from '../../apps/api-gateway/src/bootstrap';
import { startMailboxService } from '../../apps/mailbox-service/src/bootstrap';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const uniqueIp = () => `10.${randomBytes(1)[0]}.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;

let stack: Stack;
let events: EventRecorder;
let db: Client;

beforeAll(async () => {
  stack = await startStack({ gateway: startGateway, mailbox: startMailboxService }, ['mailbox', 'gateway'], {
    TRUST_PROXY: 'true',
    COMMAND_TIMEOUT_MS: '1500',
    AUTH_FAILURE_LIMIT: '5',
  });
  events = await EventRecorder.start();
  db = new Client({ connectionString: stack.env.DATABASE_URL });
  await db.connect();
});

afterAll(async () => {
  await events?.stop();
  await db?.end();
  await stack?.stop();
});

describe('walk-through from the README', () => {
  it('operator key → token → tenant → tenant key → user → user token', async () => {
    const auth = await stack.request('PUT', '/v2/api_auth', {
      body: { data: { api_key: TEST_OPERATOR_KEY } },
    });
    expect(auth.status).toBe(201);
    expect(auth.body).toEqual(
      expect.objectContaining({
        auth_token: expect.any(String),
        status: 'success',
        request_id: expect.any(String),
      }),
    );
    expect(auth.body.data.account_id).toMatch(/^[0-9a-f]{32}$/);
    const op = { token: auth.body.auth_token as string, accountId: auth.body.data.account_id as string };

    const name = `Acme ${randomBytes(3).toString('hex')}`;
    const tenant = await stack.request('PUT', `/v2/accounts/${op.accountId}`, {
      token: op.token,
      body: { data: { name, timezone: 'America/Los_Angeles' } },
    });
    expect(tenant.status).toBe(201);
    expect(tenant.body.data).toEqual(
      expect.objectContaining({
        name,
        timezone: 'America/Los_Angeles',
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
      }),
    );
    const accountId = tenant.body.data.id;

    const key = await stack.request('GET', `/v2/accounts/${accountId}/api_key`, { token: op.token });
    expect(key.status).toBe(200);
    expect(key.body.data.api_key).toMatch(/^[0-9a-f]{64}$/);

    const tenantAuth = await stack.request('PUT', '/v2/api_auth', {
      body: { data: { api_key: key.body.data.api_key } },
    });
    expect(tenantAuth.status).toBe(201);
    expect(tenantAuth.body.data.account_id).toBe(accountId);
    const adminToken = tenantAuth.body.auth_token;

    const user = await stack.request('PUT', `/v2/accounts/${accountId}/users`, {
      token: adminToken,
      body: {
        data: {
          username: 'alice',
          password: 'correct horse',
          first_name: 'Alice',
          last_name: 'Liddell',
          email: 'alice@example.com',
        },
      },
    });
    expect(user.status).toBe(201);
    expect(user.body.data).toEqual(
      expect.objectContaining({ username: 'alice', priv_level: 'user', enabled: true }),
    );
    expect(user.body.data).not.toHaveProperty('password');

    const userAuth = await stack.request('PUT', '/v2/user_auth', {
      body: { data: { credentials: md5('alice:correct horse'), account_name: name } },
    });
    expect(userAuth.status).toBe(201);
    expect(userAuth.body.data).toEqual(
      expect.objectContaining({ account_id: accountId, owner_id: user.body.data.id }),
    );

    const me = await stack.request('GET', `/v2/accounts/${accountId}/users/${user.body.data.id}`, {
      token: userAuth.body.auth_token,
    });
    expect(me.status).toBe(200);
    expect(me.body.data.username).toBe('alice');

    const wrong = await stack.request('PUT', '/v2/user_auth', {
      body: { data: { credentials: md5('alice:wrong'), account_name: name } },
    });
    expect(wrong.status).toBe(401);
  });
});

describe('Kazoo envelopes and verbs', () => {
  it('wraps success and errors in the crossbar envelope', async () => {
    const t = await stack.createTenant();
    const ok = await stack.request('GET', `/v2/accounts/${t.accountId}`, { token: t.token });
    expect(Object.keys(ok.body).sort()).toEqual(['auth_token', 'data', 'request_id', 'revision', 'status']);
    expect(ok.body.auth_token).toBe(t.token);
    expect(ok.body.revision).toMatch(/^\d+-[0-9a-f]{32}$/);
    expect(ok.headers.get('x-request-id')).toBe(ok.body.request_id);

    const missing = await stack.request('GET', `/v2/accounts/${t.accountId}/users/${'0'.repeat(32)}`, {
      token: t.token,
    });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual(
      expect.objectContaining({
        error: '404',
        status: 'error',
        message: expect.any(String),
        request_id: expect.any(String),
        data: expect.anything(),
      }),
    );
    expect(missing.text).not.toMatch(/at \w+ \(|\.ts:\d+/);
  });

  it('keeps a caller-given request id', async () => {
    const t = await stack.createTenant();
    const r = await stack.request('GET', `/v2/accounts/${t.accountId}`, {
      token: t.token,
      headers: { 'X-Request-Id': 'trace-abc-123' },
    });
    expect(r.body.request_id).toBe('trace-abc-123');
  });

  it('answers 400 naming the field for a malformed body, and for malformed JSON', async () => {
    const op = await stack.operatorLogin();
    const noName = await stack.request('PUT', `/v2/accounts/${op.accountId}`, {
      token: op.token,
      body: { data: { realm: 'ab' } },
    });
    expect(noName.status).toBe(400);
    expect(noName.body.message).toBe('invalid data');
    expect(noName.body.data.name.required.message).toBe('Field is required but missing');
    expect(noName.body.data.realm.minLength).toBeDefined();

    const badJson = await stack.request('PUT', `/v2/accounts/${op.accountId}`, {
      token: op.token,
      body: '{"data": {',
    });
    expect(badJson.status).toBe(400);
    expect(badJson.body.status).toBe('error');

    const noData = await stack.request('PUT', `/v2/accounts/${op.accountId}`, {
      token: op.token,
      body: { name: 'x' },
    });
    expect(noData.status).toBe(400);
    expect(noData.body.data.data.required).toBeDefined();

    const badZone = await stack.request('PUT', `/v2/accounts/${op.accountId}`, {
      token: op.token,
      body: { data: { name: 'z', timezone: 'Mars/Olympus_Mons' } },
    });
    expect(badZone.status).toBe(400);
    expect(badZone.body.data.timezone).toBeDefined();
  });

  it('POST replaces, PATCH merges (null removes, custom keys kept), DELETE marks the document deleted', async () => {
    const t = await stack.createTenant();
    const u = await stack.request('PUT', `/v2/accounts/${t.accountId}/users`, {
      token: t.token,
      body: { data: { first_name: 'Bob', last_name: 'Builder', some_key: 'some_value', nick: 'bobby' } },
    });
    const id = u.body.data.id;
    const patched = await stack.request('PATCH', `/v2/accounts/${t.accountId}/users/${id}`, {
      token: t.token,
      body: { data: { nick: null, extra: { a: 1 } } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toEqual(
      expect.objectContaining({ first_name: 'Bob', some_key: 'some_value', extra: { a: 1 } }),
    );
    expect(patched.body.data).not.toHaveProperty('nick');
    expect(patched.body.revision).not.toBe(u.body.revision);

    const replaced = await stack.request('POST', `/v2/accounts/${t.accountId}/users/${id}`, {
      token: t.token,
      body: { data: { first_name: 'Robert', last_name: 'Builder' } },
    });
    expect(replaced.body.data).not.toHaveProperty('some_key');
    expect(replaced.body.data.first_name).toBe('Robert');

    const deleted = await stack.request('DELETE', `/v2/accounts/${t.accountId}/users/${id}`, {
      token: t.token,
    });
    expect(deleted.status).toBe(200);
    expect(deleted.body.data._read_only).toEqual({ deleted: true });
    const gone = await stack.request('GET', `/v2/accounts/${t.accountId}/users/${id}`, { token: t.token });
    expect(gone.status).toBe(404);
  });

  it('refuses a write with a stale If-Match revision (409)', async () => {
    const t = await stack.createTenant();
    const u = await stack.request('PUT', `/v2/accounts/${t.accountId}/users`, {
      token: t.token,
      body: { data: { first_name: 'A', last_name: 'B' } },
    });
    const first = await stack.request('PATCH', `/v2/accounts/${t.accountId}/users/${u.body.data.id}`, {
      token: t.token,
      headers: { 'If-Match': u.body.revision },
      body: { data: { first_name: 'A2' } },
    });
    expect(first.status).toBe(200);
    const stale = await stack.request('PATCH', `/v2/accounts/${t.accountId}/users/${u.body.data.id}`, {
      token: t.token,
      headers: { 'If-Match': u.body.revision },
      body: { data: { first_name: 'A3' } },
    });
    expect(stale.status).toBe(409);
  });

  it('tunnels the verb in ?verb= and in the envelope', async () => {
    const t = await stack.createTenant();
    const viaQuery = await stack.request('POST', `/v2/accounts/${t.accountId}/users?verb=PUT`, {
      token: t.token,
      body: { data: { first_name: 'Q', last_name: 'Uery' } },
    });
    expect(viaQuery.status).toBe(201);
    const viaEnvelope = await stack.request(
      'POST',
      `/v2/accounts/${t.accountId}/users/${viaQuery.body.data.id}`,
      {
        token: t.token,
        body: { verb: 'PATCH', data: { nick: 'q' } },
      },
    );
    expect(viaEnvelope.status).toBe(200);
    expect(viaEnvelope.body.data).toEqual(expect.objectContaining({ first_name: 'Q', nick: 'q' }));
    const viaEnvelopeDelete = await stack.request(
      'POST',
      `/v2/accounts/${t.accountId}/users/${viaQuery.body.data.id}`,
      {
        token: t.token,
        body: { verb: 'DELETE' },
      },
    );
    expect(viaEnvelopeDelete.body.data._read_only).toEqual({ deleted: true });
  });

  it('pretty prints on request', async () => {
    const t = await stack.createTenant();
    const r = await stack.request('GET', `/v2/accounts/${t.accountId}`, {
      token: t.token,
      headers: { 'X-Pretty-Print': 'true' },
    });
    expect(r.text).toContain('\n    "data"');
  });

  it('answers 405 for a method a resource does not have', async () => {
    const t = await stack.createTenant();
    const c = await stack.request('PUT', `/v2/accounts/${t.accountId}/api_clients`, {
      token: t.token,
      body: { data: { name: 'pbx', priv_level: 'admin' } },
    });
    const r = await stack.request('PATCH', `/v2/accounts/${t.accountId}/api_clients/${c.body.data.id}`, {
      token: t.token,
      body: { data: { name: 'x' } },
    });
    expect(r.status).toBe(405);
    expect(r.body.error).toBe('405');
  });
});

describe('listing', () => {
  it('pages users with page_size/start_key/next_start_key, no duplicates or gaps, and filters fill pages', async () => {
    const t = await stack.createTenant();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await stack.request('PUT', `/v2/accounts/${t.accountId}/users`, {
        token: t.token,
        body: {
          data: { first_name: `U${i}`, last_name: i % 2 ? 'Odd' : 'Even', ...(i === 3 ? { vip: true } : {}) },
        },
      });
      ids.push(r.body.data.id);
    }
    const seen: string[] = [];
    let key: string | undefined;
    let pages = 0;
    do {
      const r = await stack.request(
        'GET',
        `/v2/accounts/${t.accountId}/users?page_size=3${key ? `&start_key=${key}` : ''}`,
        {
          token: t.token,
        },
      );
      expect(r.status).toBe(200);
      expect(r.body.page_size).toBe(r.body.data.length);
      seen.push(...r.body.data.map((u: { id: string }) => u.id));
      key = r.body.next_start_key;
      pages++;
    } while (key);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse()); // newest first, each once

    const asc = await stack.request(
      'GET',
      `/v2/accounts/${t.accountId}/users?ascending=true&paginate=false`,
      { token: t.token },
    );
    expect(asc.body.data.map((u: { id: string }) => u.id)).toEqual(ids);
    expect(asc.body).not.toHaveProperty('next_start_key');

    const odd = await stack.request(
      'GET',
      `/v2/accounts/${t.accountId}/users?filter_last_name=Odd&page_size=2`,
      { token: t.token },
    );
    expect(odd.body.data).toHaveLength(2);
    expect(odd.body.data.every((u: { last_name: string }) => u.last_name === 'Odd')).toBe(true);
    const odd2 = await stack.request(
      'GET',
      `/v2/accounts/${t.accountId}/users?filter_last_name=Odd&page_size=2&start_key=${odd.body.next_start_key}`,
      {
        token: t.token,
      },
    );
    expect(odd2.body.data).toHaveLength(1);
    expect(odd2.body).not.toHaveProperty('next_start_key');

    const vip = await stack.request('GET', `/v2/accounts/${t.accountId}/users?has_key=vip`, {
      token: t.token,
    });
    expect(vip.body.data.map((u: { id: string }) => u.id)).toEqual([ids[3]]);
    const notEven = await stack.request(
      'GET',
      `/v2/accounts/${t.accountId}/users?filter_not_last_name=Even&key_missing=vip`,
      { token: t.token },
    );
    expect(notEven.body.data).toHaveLength(2);

    const bad = await stack.request('GET', `/v2/accounts/${t.accountId}/users?page_size=0`, {
      token: t.token,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.data.page_size).toBeDefined();
  });
});

describe('credentials that must stop working', () => {
  it('rejects missing, invalid and expired tokens with 401', async () => {
    const t = await stack.createTenant();
    expect((await stack.request('GET', `/v2/accounts/${t.accountId}`)).status).toBe(401);
    expect((await stack.request('GET', `/v2/accounts/${t.accountId}`, { token: 'not-a-token' })).status).toBe(
      401,
    );
    // a token signed with the real key whose lifetime is over; and one with a signature that does not match
    const { tokenKeys } = (await import('@voxmail/config')).loadGatewayConfig(stack.env);
    const { token: expiredToken } = await signAuthToken(
      { acc: t.accountId, role: 'admin', src: 'api_key' },
      60,
      tokenKeys,
      Date.now() - 61_000,
    );
    const [head, body] = t.token.split('.');
    const forged = `${head}.${body}.${Buffer.alloc(32).toString('base64url')}`;
    expect((await stack.request('GET', `/v2/accounts/${t.accountId}`, { token: forged })).status).toBe(401);
    const expired = await stack.request('GET', `/v2/accounts/${t.accountId}`, { token: expiredToken });
    expect(expired.status).toBe(401);
    expect(expired.body.error).toBe('401');
  });

  it('issues tokens that expire after the configured lifetime', async () => {
    const t = await stack.createTenant();
    // the token is opaque to clients, but it is a JWS whose claims carry its lifetime
    const claims = JSON.parse(Buffer.from(t.token.split('.')[1], 'base64url').toString('utf8'));
    expect(claims.exp - claims.iat).toBe(3600);
  });

  it('rotating the API key stops the old key and the tokens it gave', async () => {
    const t = await stack.createTenant();
    const rotated = await stack.request('PUT', `/v2/accounts/${t.accountId}/api_key`, { token: t.token });
    expect(rotated.status).toBe(201);
    expect(rotated.body.data.api_key).not.toBe(t.apiKey);
    expect(
      (await stack.request('PUT', '/v2/api_auth', { body: { data: { api_key: t.apiKey } } })).status,
    ).toBe(401);
    expect((await stack.request('GET', `/v2/accounts/${t.accountId}`, { token: t.token })).status).toBe(401);
    const again = await stack.request('PUT', '/v2/api_auth', {
      body: { data: { api_key: rotated.body.data.api_key } },
    });
    expect(again.status).toBe(201);
  });

  it('a deleted account loses its tokens and its key', async () => {
    const t = await stack.createTenant();
    const op = await stack.operatorLogin();
    const del = await stack.request('DELETE', `/v2/accounts/${t.accountId}`, { token: op.token });
    expect(del.status).toBe(200);
    expect(del.body.data._read_only).toEqual({ deleted: true });
    expect((await stack.request('GET', `/v2/accounts/${t.accountId}`, { token: t.token })).status).toBe(401);
    expect(
      (await stack.request('PUT', '/v2/api_auth', { body: { data: { api_key: t.apiKey } } })).status,
    ).toBe(401);
    expect((await stack.request('GET', `/v2/accounts/${t.accountId}`, { token: op.token })).status).toBe(404);
  });

  it('api clients: the secret is shown once, stored hashed, and a deleted client is revoked at once', async () => {
    const t = await stack.createTenant();
    const c = await stack.request('PUT', `/v2/accounts/${t.accountId}/api_clients`, {
      token: t.token,
      body: { data: { name: 'yeastar pbx', priv_level: 'admin' } },
    });
    expect(c.status).toBe(201);
    const { client_id, client_secret } = c.body.data;
    expect(client_id).toMatch(/^[0-9a-f]{32}$/);
    expect(client_secret.length).toBeGreaterThanOrEqual(40);
    const list = await stack.request('GET', `/v2/accounts/${t.accountId}/api_clients`, { token: t.token });
    expect(list.body.data).toEqual([
      expect.objectContaining({ client_id, name: 'yeastar pbx', priv_level: 'admin' }),
    ]);
    expect(list.text).not.toContain(client_secret);
    const { rows } = await db.query('SELECT secret_hash FROM mailbox.api_clients WHERE id = $1', [client_id]);
    expect(rows[0].secret_hash).not.toContain(client_secret);

    const grant = await stack.request('PUT', '/v2/api_client_auth', {
      body: { data: { client_id, client_secret } },
    });
    expect(grant.status).toBe(201);
    const clientToken = grant.body.auth_token;
    expect((await stack.request('GET', `/v2/accounts/${t.accountId}`, { token: clientToken })).status).toBe(
      200,
    );

    const del = await stack.request('DELETE', `/v2/accounts/${t.accountId}/api_clients/${client_id}`, {
      token: t.token,
    });
    expect(del.status).toBe(200);
    expect((await stack.request('GET', `/v2/accounts/${t.accountId}`, { token: clientToken })).status).toBe(
      401,
    );
    expect(
      (await stack.request('PUT', '/v2/api_client_auth', { body: { data: { client_id, client_secret } } }))
        .status,
    ).toBe(401);
  });

  it('rate limits repeated failures from one client (429) without affecting others', async () => {
    const ip = uniqueIp();
    for (let i = 0; i < 5; i++) {
      const r = await stack.request('PUT', '/v2/api_auth', {
        headers: { 'X-Forwarded-For': ip },
        body: { data: { api_key: 'x'.repeat(64) } },
      });
      expect(r.status).toBe(401);
    }
    const limited = await stack.request('PUT', '/v2/api_auth', {
      headers: { 'X-Forwarded-For': ip },
      body: { data: { api_key: 'x'.repeat(64) } },
    });
    expect(limited.status).toBe(429);
    // the limit is on what failed, not on the address: a correct key from it still gets in
    const correct = await stack.request('PUT', '/v2/api_auth', {
      headers: { 'X-Forwarded-For': ip },
      body: { data: { api_key: TEST_OPERATOR_KEY } },
    });
    expect(correct.status).toBe(201);
    expect(limited.headers.get('retry-after')).toBeTruthy();
    const other = await stack.request('PUT', '/v2/api_auth', {
      headers: { 'X-Forwarded-For': uniqueIp() },
      body: { data: { api_key: TEST_OPERATOR_KEY } },
    });
    expect(other.status).toBe(201);
  });

  it('keeps secrets out of the database in clear', async () => {
    const t = await stack.createTenant();
    await stack.request('PUT', `/v2/accounts/${t.accountId}/users`, {
      token: t.token,
      body: { data: { username: 'carol', password: 'hunter2-secret', first_name: 'C', last_name: 'D' } },
    });
    const { rows } = await db.query(
      `SELECT row_to_json(a)::text AS a FROM mailbox.accounts a WHERE id = $1
       UNION ALL SELECT row_to_json(u)::text FROM mailbox.users u WHERE account_id = $1`,
      [t.accountId],
    );
    const dump = rows.map((r) => r.a).join('\n');
    expect(dump).not.toContain(t.apiKey);
    expect(dump).not.toContain('hunter2-secret');
    expect(dump).not.toContain(t.token);
    expect(dump).toContain('$argon2id$');
  });
});

describe('account settings that guard other tenants', () => {
  it('a disabled account can neither log in nor use its tokens, until it is enabled again', async () => {
    const t = await stack.createTenant();
    const op = await stack.operatorLogin();
    const off = await stack.request('PATCH', `/v2/accounts/${t.accountId}`, {
      token: op.token,
      body: { data: { enabled: false } },
    });
    expect(off.status).toBe(200);
    expect((await stack.request('GET', `/v2/accounts/${t.accountId}`, { token: t.token })).status).toBe(401);
    expect(
      (await stack.request('PUT', '/v2/api_auth', { body: { data: { api_key: t.apiKey } } })).status,
    ).toBe(401);
    await stack.request('PATCH', `/v2/accounts/${t.accountId}`, {
      token: op.token,
      body: { data: { enabled: true } },
    });
    expect(
      (await stack.request('PUT', '/v2/api_auth', { body: { data: { api_key: t.apiKey } } })).status,
    ).toBe(201);
  });

  it('only the operator sets realms, so an admin cannot probe which realms other tenants use', async () => {
    const op = await stack.operatorLogin();
    const realm = `r${randomBytes(4).toString('hex')}.example.com`;
    const a = await stack.createTenant();
    await stack.request('PATCH', `/v2/accounts/${a.accountId}`, {
      token: op.token,
      body: { data: { realm } },
    });
    const b = await stack.createTenant();
    const probe = await stack.request('PATCH', `/v2/accounts/${b.accountId}`, {
      token: b.token,
      body: { data: { realm } },
    });
    expect(probe.status).toBe(403);
    expect(probe.text).not.toContain(a.accountId);
    const dup = await stack.request('PATCH', `/v2/accounts/${b.accountId}`, {
      token: op.token,
      body: { data: { realm } },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.data.realm.unique).toBeDefined();
    const other = await stack.request('PATCH', `/v2/accounts/${b.accountId}`, {
      token: b.token,
      body: { data: { language: 'de-DE' } },
    });
    expect(other.status).toBe(200);
  });

  it('the operator account cannot be disabled', async () => {
    const op = await stack.operatorLogin();
    const r = await stack.request('PATCH', `/v2/accounts/${op.accountId}`, {
      token: op.token,
      body: { data: { enabled: false } },
    });
    expect(r.status).toBe(403);
  });

  it('If-Match: * matches any revision', async () => {
    const t = await stack.createTenant();
    const r = await stack.request('PATCH', `/v2/accounts/${t.accountId}`, {
      token: t.token,
      headers: { 'If-Match': '*' },
      body: { data: { language: 'fr-FR' } },
    });
    expect(r.status).toBe(200);
  });
});

describe('authorization', () => {
  it('another tenant is 404, exactly as a missing one', async () => {
    const a = await stack.createTenant();
    const b = await stack.createTenant();
    const bUser = await stack.request('PUT', `/v2/accounts/${b.accountId}/users`, {
      token: b.token,
      body: { data: { first_name: 'B', last_name: 'User' } },
    });
    const missingId = randomBytes(16).toString('hex');
    for (const path of [
      `/v2/accounts/${b.accountId}`,
      `/v2/accounts/${b.accountId}/users`,
      `/v2/accounts/${b.accountId}/users/${bUser.body.data.id}`,
      `/v2/accounts/${b.accountId}/api_key`,
      `/v2/accounts/${b.accountId}/api_clients`,
    ]) {
      const cross = await stack.request('GET', path, { token: a.token });
      const missing = await stack.request('GET', path.replace(b.accountId, missingId), { token: a.token });
      expect(cross.status).toBe(404);
      expect(missing.status).toBe(404);
      expect({ ...cross.body, request_id: 'x' }).toEqual({ ...missing.body, request_id: 'x' });
    }
    const write = await stack.request('PATCH', `/v2/accounts/${b.accountId}/users/${bUser.body.data.id}`, {
      token: a.token,
      body: { data: { first_name: 'hacked' } },
    });
    expect(write.status).toBe(404);
    const still = await stack.request('GET', `/v2/accounts/${b.accountId}/users/${bUser.body.data.id}`, {
      token: b.token,
    });
    expect(still.body.data.first_name).toBe('B');
  });

  it('only the operator creates tenants (403 for an account admin)', async () => {
    const t = await stack.createTenant();
    const r = await stack.request('PUT', `/v2/accounts/${t.accountId}`, {
      token: t.token,
      body: { data: { name: 'child' } },
    });
    expect(r.status).toBe(403);
    expect(r.body.error).toBe('403');
  });

  it('a user sees only itself and cannot administer', async () => {
    const t = await stack.createTenant();
    const mk = (username: string) =>
      stack.request('PUT', `/v2/accounts/${t.accountId}/users`, {
        token: t.token,
        body: { data: { username, password: 'pw-123456', first_name: username, last_name: 'X' } },
      });
    const dave = await mk('dave');
    const erin = await mk('erin');
    const login = await stack.request('PUT', '/v2/user_auth', {
      body: { data: { credentials: md5('dave:pw-123456'), account_name: t.name } },
    });
    const token = login.body.auth_token;
    const list = await stack.request('GET', `/v2/accounts/${t.accountId}/users`, { token });
    expect(list.body.data.map((u: { id: string }) => u.id)).toEqual([dave.body.data.id]);
    expect(
      (await stack.request('GET', `/v2/accounts/${t.accountId}/users/${erin.body.data.id}`, { token }))
        .status,
    ).toBe(404);
    expect(
      (
        await stack.request('PUT', `/v2/accounts/${t.accountId}/users`, {
          token,
          body: { data: { first_name: 'x', last_name: 'y' } },
        })
      ).status,
    ).toBe(403);
    expect((await stack.request('GET', `/v2/accounts/${t.accountId}/api_key`, { token })).status).toBe(403);
    const promote = await stack.request('PATCH', `/v2/accounts/${t.accountId}/users/${dave.body.data.id}`, {
      token,
      body: { data: { priv_level: 'admin' } },
    });
    expect(promote.status).toBe(403);
    const rename = await stack.request('PATCH', `/v2/accounts/${t.accountId}/users/${dave.body.data.id}`, {
      token,
      body: { data: { first_name: 'David' } },
    });
    expect(rename.status).toBe(200);
  });

  it('a username is unique within an account (409 naming the field) but not across accounts', async () => {
    const a = await stack.createTenant();
    const b = await stack.createTenant();
    const body = { data: { username: 'frank', first_name: 'F', last_name: 'K' } };
    expect(
      (await stack.request('PUT', `/v2/accounts/${a.accountId}/users`, { token: a.token, body })).status,
    ).toBe(201);
    const dup = await stack.request('PUT', `/v2/accounts/${a.accountId}/users`, { token: a.token, body });
    expect(dup.status).toBe(409);
    expect(dup.body.data.username.unique).toBeDefined();
    expect(
      (await stack.request('PUT', `/v2/accounts/${b.accountId}/users`, { token: b.token, body })).status,
    ).toBe(201);
  });
});

describe('events', () => {
  it('emits an event for each change with the documented envelope', async () => {
    const t = await stack.createTenant();
    const created = await events.waitFor(
      (e) => e.type === 'account.created' && e.aggregateId === t.accountId,
    );
    expect(created.subject).toBe(`voxmail.evt.${t.accountId}.account.created`);
    expect(created).toEqual(
      expect.objectContaining({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        version: 1,
        tenantId: t.accountId,
        occurredAt: expect.any(String),
        data: expect.objectContaining({ id: t.accountId, name: t.name }),
      }),
    );
    expect(created.headers['nats-msg-id']).toBe(created.id);

    const u = await stack.request('PUT', `/v2/accounts/${t.accountId}/users`, {
      token: t.token,
      headers: { 'X-Request-Id': 'evt-req-1' },
      body: { data: { first_name: 'E', last_name: 'V', password: 'never-in-events', username: 'ev' } },
    });
    const uc = await events.waitFor((e) => e.type === 'user.created' && e.aggregateId === u.body.data.id);
    expect(uc.subject).toBe(`voxmail.evt.${t.accountId}.user.created`);
    expect(uc.requestId).toBe('evt-req-1');
    expect(uc.headers['x-request-id']).toBe('evt-req-1');
    expect(JSON.stringify(uc)).not.toContain('never-in-events');

    await stack.request('PATCH', `/v2/accounts/${t.accountId}/users/${u.body.data.id}`, {
      token: t.token,
      body: { data: { nick: 'e' } },
    });
    await events.waitFor((e) => e.type === 'user.updated' && e.aggregateId === u.body.data.id);
    await stack.request('DELETE', `/v2/accounts/${t.accountId}/users/${u.body.data.id}`, { token: t.token });
    await events.waitFor((e) => e.type === 'user.deleted' && e.aggregateId === u.body.data.id);
    await stack.request('PATCH', `/v2/accounts/${t.accountId}`, {
      token: t.token,
      body: { data: { language: 'fr-FR' } },
    });
    await events.waitFor((e) => e.type === 'account.updated' && e.aggregateId === t.accountId);
    const op = await stack.operatorLogin();
    await stack.request('DELETE', `/v2/accounts/${t.accountId}`, { token: op.token });
    await events.waitFor((e) => e.type === 'account.deleted' && e.aggregateId === t.accountId);
  });

  it('loses no event when the relay stops between the write and the publish', async () => {
    const { OutboxRelay } = await import('@voxmail/messaging');
    const relay = stack.get('mailbox').app.get<InstanceType<typeof OutboxRelay>>(OutboxRelay);
    const t = await stack.createTenant();
    await relay.stop();
    try {
      const u = await stack.request('PUT', `/v2/accounts/${t.accountId}/users`, {
        token: t.token,
        body: { data: { first_name: 'Late', last_name: 'Event' } },
      });
      expect(u.status).toBe(201);
      const pending = await db.query(
        `SELECT count(*)::int AS n FROM mailbox.outbox WHERE published_at IS NULL AND envelope->>'aggregateId' = $1`,
        [u.body.data.id],
      );
      expect(pending.rows[0].n).toBe(1);
      await new Promise((r) => setTimeout(r, 300));
      expect(events.events.find((e) => e.aggregateId === u.body.data.id)).toBeUndefined();
      await relay.start();
      const e = await events.waitFor((ev) => ev.type === 'user.created' && ev.aggregateId === u.body.data.id);
      expect(e.tenantId).toBe(t.accountId);
      // the relay marks the row after JetStream acknowledged it, which can be just after delivery
      let publishedAt: Date | null = null;
      for (let i = 0; i < 100 && !publishedAt; i++) {
        const after = await db.query(
          `SELECT published_at FROM mailbox.outbox WHERE envelope->>'aggregateId' = $1`,
          [u.body.data.id],
        );
        publishedAt = after.rows[0].published_at;
        if (!publishedAt) await new Promise((r) => setTimeout(r, 20));
      }
      expect(publishedAt).not.toBeNull();
    } finally {
      await relay.start();
    }
  });
});

describe('a service restart', () => {
  it('answers 503 with a retry hint while mailbox-service is down, and works again after it restarts', async () => {
    const t = await stack.createTenant();
    await stack.stopApp('mailbox');
    const down = await stack.request('GET', `/v2/accounts/${t.accountId}`, { token: t.token });
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('1');
    expect(down.body.error).toBe('503');
    await stack.startApp('mailbox');
    const up = await stack.request('GET', `/v2/accounts/${t.accountId}`, { token: t.token });
    expect(up.status).toBe(200);
    expect(up.body.data.id).toBe(t.accountId);
  });
});

describe('a user token follows the user (review)', () => {
  it('a demoted admin loses admin rights at once, and a disabled user is signed out', async () => {
    const t = await stack.createTenant();
    const pw = `pw-${randomBytes(4).toString('hex')}`;
    const u = await stack.request('PUT', `/v2/accounts/${t.accountId}/users`, {
      token: t.token,
      body: {
        data: { username: 'boss', password: pw, first_name: 'B', last_name: 'Oss', priv_level: 'admin' },
      },
    });
    expect(u.status).toBe(201);
    const login = await stack.request('PUT', '/v2/user_auth', {
      headers: { 'X-Forwarded-For': uniqueIp() },
      body: { data: { credentials: md5(`boss:${pw}`), account_name: t.name } },
    });
    expect(login.status).toBe(201);
    const token = login.body.auth_token;
    const key = `/v2/accounts/${t.accountId}/api_key`;
    expect((await stack.request('GET', key, { token })).status).toBe(200);

    const demoted = await stack.request('PATCH', `/v2/accounts/${t.accountId}/users/${u.body.data.id}`, {
      token: t.token,
      body: { data: { priv_level: 'user' } },
    });
    expect(demoted.status).toBe(200);
    expect((await stack.request('GET', key, { token })).status).toBe(403);
    expect(
      (await stack.request('GET', `/v2/accounts/${t.accountId}/users/${u.body.data.id}`, { token })).status,
    ).toBe(200);

    const disabled = await stack.request('PATCH', `/v2/accounts/${t.accountId}/users/${u.body.data.id}`, {
      token: t.token,
      body: { data: { enabled: false } },
    });
    expect(disabled.status).toBe(200);
    expect(
      (await stack.request('GET', `/v2/accounts/${t.accountId}/users/${u.body.data.id}`, { token })).status,
    ).toBe(401);
  });
});
