// A route of one API face is never reachable through another face's prefix, guard, error shape or verb
// tunnelling (issue 9), against the whole stack.
import { createBox, Stack, startMessagesStack, Tenant } from './messages.helpers';

jest.setTimeout(60000);

let stack: Stack;
let t: Tenant;
let adminKey: string;
let userKey: string;

const SLOT = { sip_from: 'sip:+33612345678@sip.example.org', content_type: 'audio/wav' };

async function call(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(stack.baseUrl + path, {
    method,
    headers: {
      Accept: 'application/json',
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...headers,
    },
    body,
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text };
}

/** The Kazoo error envelope: `{data, error: "<status>", message, status: "error", request_id}`. */
function expectKazooError(r: { status: number; body: any }, status: number): void {
  expect(r.status).toBe(status);
  expect(r.body).toEqual(
    expect.objectContaining({ error: String(status), status: 'error', request_id: expect.any(String) }),
  );
}

/** Laravel's shape of the Flexisip face: `{message}` (and `errors` for 422), nothing of Kazoo's. */
function expectFlexisipError(r: { status: number; body: any }, status: number): void {
  expect(r.status).toBe(status);
  expect(r.body).toEqual(expect.objectContaining({ message: expect.any(String) }));
  expect(r.body).not.toHaveProperty('request_id');
  expect(r.body).not.toHaveProperty('status');
}

beforeAll(async () => {
  stack = await startMessagesStack();
  t = await stack.createTenant();
  const r = await stack.request('PUT', `/v2/accounts/${t.accountId}/api_clients`, {
    token: t.token,
    body: { data: { name: 'isolation admin', priv_level: 'admin' } },
  });
  expect(r.status).toBe(201);
  adminKey = r.body.data.client_secret;
  const u = await stack.request('PUT', `/v2/accounts/${t.accountId}/users`, {
    token: t.token,
    body: { data: { first_name: 'Iso', last_name: 'Lation' } },
  });
  expect(u.status).toBe(201);
  await createBox(stack, t, { owner_id: u.body.data.id, mailbox: '400' });
  const c = await stack.request('PUT', `/v2/accounts/${t.accountId}/api_clients`, {
    token: t.token,
    body: { data: { name: 'isolation user', priv_level: 'user', owner_id: u.body.data.id } },
  });
  expect(c.status).toBe(201);
  userKey = c.body.data.client_secret;
});

afterAll(async () => {
  await stack?.stop();
});

describe('guards', () => {
  it('a Kazoo token on a Flexisip route is a Flexisip 401', async () => {
    const r = await call('GET', '/api/accounts/me/voicemails', { 'X-Auth-Token': t.token });
    expectFlexisipError(r, 401);
    expect(r.body).toEqual({ message: 'Unauthenticated.' });
    const bearer = await call('GET', '/api/accounts/me/voicemails', { Authorization: `Bearer ${t.token}` });
    expect(bearer.body).toEqual({ message: 'Unauthenticated.' });
  });

  it('an x-api-key on a Kazoo route is a Kazoo 401', async () => {
    const r = await call('GET', `/v2/accounts/${t.accountId}/vmboxes`, { 'x-api-key': adminKey });
    expectKazooError(r, 401);
  });

  it('the same key works on its own face', async () => {
    expect((await call('GET', '/api/accounts/me/voicemails', { 'x-api-key': adminKey })).status).not.toBe(
      401,
    );
    const kazoo = await call('GET', `/v2/accounts/${t.accountId}/vmboxes`, { 'X-Auth-Token': t.token });
    expect(kazoo.status).toBe(200);
  });
});

describe('prefixes', () => {
  it('a Flexisip path under /v2 is a Kazoo 404, a Kazoo path under /api a Flexisip 404', async () => {
    const kazoo = await call('GET', '/v2/api/accounts/me/voicemails', { 'x-api-key': adminKey });
    expectKazooError(kazoo, 404);
    const flexisip = await call('GET', `/api/v2/accounts/${t.accountId}/vmboxes`, {
      'X-Auth-Token': t.token,
    });
    expectFlexisipError(flexisip, 404);
  });

  it('framework errors answer in the shape of the prefix: malformed JSON, unknown route', async () => {
    const api = await call('POST', '/api/accounts/me/voicemails', { 'x-api-key': adminKey }, '{"sip_from":');
    expectFlexisipError(api, 400);
    const v2 = await call(
      'PUT',
      `/v2/accounts/${t.accountId}/vmboxes`,
      { 'X-Auth-Token': t.token },
      '{"data":',
    );
    expectKazooError(v2, 400);
    expectFlexisipError(await call('GET', '/api/nothing-here'), 404);
    expectKazooError(await call('GET', '/v2/nothing-here'), 404);
  });

  it('health and metrics belong to no face and take no credential', async () => {
    expect((await call('GET', '/health/live')).status).toBe(200);
    expect((await call('GET', '/metrics')).status).toBe(200);
  });
});

describe('verb tunnelling is Kazoo-only', () => {
  it('POST /api/...?verb=DELETE is a POST', async () => {
    const r = await call(
      'POST',
      '/api/accounts/me/voicemails?verb=DELETE',
      { 'x-api-key': userKey },
      JSON.stringify(SLOT),
    );
    expect(r.status).toBe(201);
    expect(r.body).toEqual(
      expect.objectContaining({ id: expect.any(String), upload_url: expect.any(String) }),
    );
    // and on a slot, where a tunnelled DELETE would have a route: POST has none there, so 404
    const onSlot = await call('POST', `/api/accounts/me/voicemails/${r.body.id}?verb=DELETE`, {
      'x-api-key': userKey,
    });
    expectFlexisipError(onSlot, 404);
    expect(
      (await call('GET', `/api/accounts/me/voicemails/${r.body.id}`, { 'x-api-key': userKey })).status,
    ).toBe(200);
  });

  it('a "verb" key in a Flexisip JSON body is never read', async () => {
    const r = await call(
      'POST',
      '/api/accounts/me/voicemails',
      { 'x-api-key': userKey },
      JSON.stringify({ ...SLOT, verb: 'GET' }),
    );
    expect(r.status).toBe(201);
    const onSlot = await call(
      'POST',
      `/api/accounts/me/voicemails/${r.body.id}`,
      { 'x-api-key': userKey },
      JSON.stringify({ verb: 'DELETE' }),
    );
    expectFlexisipError(onSlot, 404);
    expect(
      (await call('GET', `/api/accounts/me/voicemails/${r.body.id}`, { 'x-api-key': userKey })).status,
    ).toBe(200);
  });

  it('the same tunnelling under /v2 still works', async () => {
    const r = await call('POST', `/v2/accounts/${t.accountId}/vmboxes?verb=GET`, { 'X-Auth-Token': t.token });
    expect(r.status).toBe(200);
  });
});
