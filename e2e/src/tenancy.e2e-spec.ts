// Issue 25, items 2, 3, 4 and 7 ("what a hostile tenant found"): a disabled user's credentials stop on
// every face; users get 403 on broadcast data; no credential contains or stands for another; and one
// tenancy rule walked over every resource of every face, as operator, reseller above, the account's
// admin, its user, a child, a sibling and a stranger.
import { randomBytes } from 'node:crypto';
import { Tenant } from '@voxmail/testing';
import { md5 as md5hex, uploadPrompt } from './broadcast.helpers';
import { createBox } from './messages.helpers';
import { useOperator, useStack } from './fixture';

const unique = (p: string) => `${p}-${randomBytes(4).toString('hex')}`;

const stack = useStack(['mailbox', 'message', 'media', 'notification', 'dialer', 'gateway']);
const op = useOperator(stack);

/** An account created by `token` under `parentId`, with its own admin token. */
const childOf = (parentId: string, token: string, data: Record<string, unknown> = {}): Promise<Tenant> =>
  stack.createAccount(parentId, token, data, unique('acct'));

/** A user of `t` with its own token (user_auth). */
const userOf = (t: Tenant) => stack.createUser(t);

async function apiClient(
  t: Tenant,
  data: Record<string, unknown>,
): Promise<{ id: string; secret: string; status: number; body: any }> {
  const r = await stack.request('PUT', `/v2/accounts/${t.accountId}/api_clients`, {
    token: t.token,
    body: { data: { name: unique('client'), ...data } },
  });
  return { id: r.body?.data?.id, secret: r.body?.data?.client_secret, status: r.status, body: r.body };
}

async function json(method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  const res = await fetch(stack.baseUrl + path, {
    method,
    headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed };
}

const flexisip = (key: string, path = '/api/accounts/me/voicemails') =>
  json('GET', path, { 'x-api-key': key });
const yeastarToken = (id: string, secret: string) =>
  json('POST', '/openapi/v1.0/get_token', {}, { username: id, password: secret });
const yeastarList = (token: string, q: string) =>
  json('GET', `/openapi/v1.0/extension_vm_greeting/list?access_token=${encodeURIComponent(token)}&${q}`);
let onbukaTs = 0;
/** An Onbuka-signed request; each its own timestamp (the replay guard refuses a repeated triple). */
const onbuka = (k: { id: string; secret: string }, method: string, path: string, body?: unknown) => {
  const ts = String(Math.floor(Date.now() / 1000) - ++onbukaTs);
  return json(method, path, { 'Api-Key': k.id, Timestamp: ts, Sign: md5hex(k.id + k.secret + ts) }, body);
};
const clientLogin = (id: string, secret: string) =>
  stack.request('PUT', '/v2/api_client_auth', { body: { data: { client_id: id, client_secret: secret } } });

describe('a disabled or deleted user loses every credential it owns (issue 25.2)', () => {
  it('PATCH enabled:false stops its API clients on the Flexisip, Yeastar and Kazoo faces, for good', async () => {
    const t = await stack.createTenant();
    const u = await userOf(t);
    await createBox(stack, t, { mailbox: '3200', owner_id: u.id });
    const client = await apiClient(t, { priv_level: 'user', owner_id: u.id });
    expect(client.status).toBe(201);
    // an admin-level client owned by the user (Onbuka signs with it) goes too
    const owned = await apiClient(t, { priv_level: 'admin', owner_id: u.id, onbuka: true });
    expect(owned.status).toBe(201);
    const unowned = await apiClient(t, { priv_level: 'admin' });

    expect((await flexisip(client.secret)).status).toBe(200);
    const kazoo = await clientLogin(client.id, client.secret);
    expect(kazoo.status).toBe(201);
    const yeastar = await yeastarToken(owned.id, owned.secret);
    expect(yeastar.body.errcode).toBe(0);
    expect((await yeastarList(yeastar.body.access_token, 'extension=3200')).body.errcode).toBe(0);
    const me = `/v2/accounts/${t.accountId}/users/${u.id}`;
    expect((await stack.request('GET', me, { token: kazoo.body.auth_token })).status).toBe(200);
    // the Onbuka face takes the owned client's signature (an unknown voiceId: -24, not -1)
    const record = `/v3/voice/recordGroup/${'f'.repeat(32)}`;
    expect((await onbuka(owned, 'GET', record)).body.status).toBe('-24');

    const off = await stack.request('PATCH', me, { token: t.token, body: { data: { enabled: false } } });
    expect(off.status).toBe(200);

    // the request of the report: the user client's x-api-key lists nothing any more
    const listed = await flexisip(client.secret);
    expect(listed.status).toBe(401);
    expect(listed.body).toEqual({ message: 'Unauthenticated.' });
    expect((await stack.request('GET', me, { token: kazoo.body.auth_token })).status).toBe(401);
    expect((await clientLogin(client.id, client.secret)).status).toBe(401);
    expect((await yeastarList(yeastar.body.access_token, 'extension=3200')).body.errcode).toBe(10004);
    expect(
      (await json('POST', '/openapi/v1.0/refresh_token', {}, { refresh_token: yeastar.body.refresh_token }))
        .body.errcode,
    ).toBe(10004);
    // a deleted client's credentials are wrong credentials, answered as Yeastar's result page shows them
    expect((await yeastarToken(owned.id, owned.secret)).body).toMatchObject({
      errcode: -1,
      errmsg: 'FAILURE',
    });
    expect((await onbuka(owned, 'GET', record)).body.status).toBe('-1');
    // the clients it owned are gone; the account's other client is untouched
    const clients = await stack.request('GET', `/v2/accounts/${t.accountId}/api_clients`, { token: t.token });
    expect(clients.body.data.map((c: { id: string }) => c.id)).toEqual([unowned.id]);

    // enabling the user again brings none of them back
    const on = await stack.request('PATCH', me, { token: t.token, body: { data: { enabled: true } } });
    expect(on.status).toBe(200);
    expect((await flexisip(client.secret)).status).toBe(401);
    expect((await stack.request('GET', me, { token: kazoo.body.auth_token })).status).toBe(401);
  });

  it('refuses to create an API client for a disabled user', async () => {
    const t = await stack.createTenant();
    const u = await userOf(t);
    const me = `/v2/accounts/${t.accountId}/users/${u.id}`;
    await stack.request('PATCH', me, { token: t.token, body: { data: { enabled: false } } });
    const refused = await apiClient(t, { priv_level: 'user', owner_id: u.id });
    expect(refused.status).toBe(400);
    expect(refused.body.data).toEqual({ owner_id: { enabled: expect.any(Object) } });
    const clients = await stack.request('GET', `/v2/accounts/${t.accountId}/api_clients`, { token: t.token });
    expect(clients.body.data).toEqual([]);
  });

  it('DELETE of the user stops its client keys too', async () => {
    const t = await stack.createTenant();
    const u = await userOf(t);
    const client = await apiClient(t, { priv_level: 'user', owner_id: u.id });
    expect((await flexisip(client.secret)).status).toBe(200);
    const del = await stack.request('DELETE', `/v2/accounts/${t.accountId}/users/${u.id}`, {
      token: t.token,
    });
    expect(del.status).toBe(200);
    expect((await flexisip(client.secret)).status).toBe(401);
    expect((await clientLogin(client.id, client.secret)).status).toBe(401);
  });
});

describe('broadcast data is for admins (issue 25.3)', () => {
  it('a user token gets 403, in the Kazoo shape, on broadcast_apps, dnc_numbers and broadcasts', async () => {
    const t = await stack.createTenant();
    const put = await stack.request('PUT', `/v2/accounts/${t.accountId}/broadcast_apps`, {
      token: t.token,
      body: { data: { id: 'app1', carrier: 'simulated', settings: { ring_ms: 5, talk_ms: 5 } } },
    });
    expect(put.status).toBe(201);
    const u = await userOf(t);
    for (const path of ['broadcast_apps', 'broadcast_apps/app1', 'dnc_numbers', 'broadcasts']) {
      const r = await stack.request('GET', `/v2/accounts/${t.accountId}/${path}`, { token: u.token });
      expect({ path, status: r.status }).toEqual({ path, status: 403 });
      expect(r.body).toEqual(expect.objectContaining({ status: 'error', error: '403' }));
      expect(r.text).not.toContain('settings');
    }
    // as users get on the other admin resources
    const clients = await stack.request('GET', `/v2/accounts/${t.accountId}/api_clients`, { token: u.token });
    expect(clients.status).toBe(403);
  });
});

describe('credentials are opaque and distinct (issue 25.4)', () => {
  it('a Yeastar refresh_token cut at its last "~" is nothing; no token contains or stands for another', async () => {
    const t = await stack.createTenant();
    const u = await userOf(t);
    await createBox(stack, t, { mailbox: '3200', owner_id: u.id });
    const c = await apiClient(t, { priv_level: 'admin' });
    const tok = await yeastarToken(c.id, c.secret);
    expect(tok.body.errcode).toBe(0);
    const access: string = tok.body.access_token;
    const refresh: string = tok.body.refresh_token;
    const kazoo: string = (await clientLogin(c.id, c.secret)).body.auth_token;
    const userToken = u.token;
    const all = [access, refresh, kazoo, userToken, c.secret];
    for (const a of all) for (const b of all) if (a !== b) expect(b.includes(a)).toBe(false);

    const accountPath = `/v2/accounts/${t.accountId}`;
    // the exact probe of the report, and the plain misuses
    const cut = refresh.slice(0, refresh.lastIndexOf('~'));
    for (const wrong of [cut, refresh, kazoo, userToken])
      expect((await yeastarList(wrong, 'extension=3200')).body.errcode).toBe(10004);
    for (const wrong of [cut, refresh, access])
      expect((await stack.request('GET', accountPath, { token: wrong })).status).toBe(401);
    for (const wrong of [access, kazoo, cut])
      expect(
        (await json('POST', '/openapi/v1.0/refresh_token', {}, { refresh_token: wrong })).body.errcode,
      ).toBe(10004);

    // each for its own purpose still works
    expect((await yeastarList(access, 'extension=3200')).body.errcode).toBe(0);
    expect((await stack.request('GET', accountPath, { token: kazoo })).status).toBe(200);
    const renewed = await json('POST', '/openapi/v1.0/refresh_token', {}, { refresh_token: refresh });
    expect(renewed.body.errcode).toBe(0);
    expect((await yeastarList(renewed.body.access_token, 'extension=3200')).body.errcode).toBe(0);

    // the face's lifetime is the token's own: 1800 s, not the platform's 3600
    const payload = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    for (const a of [access, renewed.body.access_token]) {
      const p = payload(a);
      expect(p.exp - Math.floor(p.iatMs / 1000)).toBe(1800);
    }
  });
});

type Who = 'operator' | 'reseller' | 'admin' | 'user' | 'child' | 'sibling' | 'stranger';
const WHO: Who[] = ['operator', 'reseller', 'admin', 'user', 'child', 'sibling', 'stranger'];

/** Expected status per role: the account's holders and those above it, else 404 (403 for a user when said). */
const reach = (ok: number, user: number): Record<Who, number> => ({
  operator: ok,
  reseller: ok,
  admin: ok,
  user,
  child: 404,
  sibling: 404,
  stranger: 404,
});

describe('one tenancy rule over every resource of every face (issue 25.7)', () => {
  interface World {
    a: Tenant;
    tokens: Record<Who, string>;
    userId: string;
    box: string;
    message: string;
    media: string;
    hook: string;
    broadcast: string;
    voiceId: string;
    /** API client secrets of each role's own account (the faces whose credential names the account). */
    keys: Record<'admin' | 'user' | 'sibling' | 'stranger', { id: string; secret: string }>;
    /** Onbuka-signing clients (`onbuka: true`) of the account, a sibling and a stranger. */
    onbuka: Record<'admin' | 'sibling' | 'stranger', { id: string; secret: string }>;
  }
  let w: World;

  beforeAll(async () => {
    const r = await childOf(op.accountId, op.token, { is_reseller: true });
    const a = await childOf(r.accountId, r.token);
    const child = await childOf(a.accountId, r.token);
    const sibling = await childOf(r.accountId, r.token);
    const stranger = await childOf(op.accountId, op.token);
    const u = await userOf(a);
    const box = await createBox(stack, a, { mailbox: '3200', owner_id: u.id });
    const msg = await stack.request('PUT', `/v2/accounts/${a.accountId}/vmboxes/${box}/messages`, {
      token: a.token,
      body: { data: { caller_id_number: '1' } },
    });
    expect(msg.status).toBe(201);
    const media = await stack.request('PUT', `/v2/accounts/${a.accountId}/media`, {
      token: a.token,
      body: { data: { name: 'welcome', kind: 'prompt' } },
    });
    expect(media.status).toBe(201);
    const hook = await stack.request('PUT', `/v2/accounts/${a.accountId}/webhooks`, {
      token: a.token,
      body: { data: { name: 'crm', uri: 'https://crm.example.com/hook', hook: 'all', enabled: false } },
    });
    expect(hook.status).toBe(201);
    const app = await stack.request('PUT', `/v2/accounts/${a.accountId}/broadcast_apps`, {
      token: a.token,
      body: { data: { id: 'app1', carrier: 'simulated', settings: { ring_ms: 5, talk_ms: 5 } } },
    });
    expect(app.status).toBe(201);
    const key = async (t: Tenant, data: Record<string, unknown> = { priv_level: 'admin' }) => {
      const c = await apiClient(t, data);
      expect(c.status).toBe(201);
      return { id: c.id, secret: c.secret };
    };
    // a broadcast of the account, sent on the Onbuka face with the account's own client
    await uploadPrompt(stack, a, 'prompt.mp3');
    const onbukaKeys = {
      admin: await key(a, { priv_level: 'admin', onbuka: true }),
      sibling: await key(sibling, { priv_level: 'admin', onbuka: true }),
      stranger: await key(stranger, { priv_level: 'admin', onbuka: true }),
    };
    const sent = await onbuka(onbukaKeys.admin, 'POST', '/v3/voice/sendGroup', {
      fileId: 'prompt.mp3',
      appId: 'app1',
      callee: '4915112345678',
    });
    expect(sent.body.status).toBe('0');
    const broadcasts = await stack.request('GET', `/v2/accounts/${a.accountId}/broadcasts`, {
      token: a.token,
    });
    expect(broadcasts.body.data).toHaveLength(1);
    w = {
      a,
      tokens: {
        operator: op.token,
        reseller: r.token,
        admin: a.token,
        user: u.token,
        child: child.token,
        sibling: sibling.token,
        stranger: stranger.token,
      },
      userId: u.id,
      box,
      message: msg.body.data.media_id,
      media: media.body.data.id,
      hook: hook.body.data.id,
      broadcast: broadcasts.body.data[0].id,
      voiceId: sent.body.data[0].voiceId,
      onbuka: onbukaKeys,
      keys: {
        admin: await key(a),
        user: await key(a, { priv_level: 'user', owner_id: u.id }),
        sibling: await key(sibling),
        stranger: await key(stranger),
      },
    };
  }, 120000);

  interface Row {
    method: string;
    path: string;
    body?: (who: Who) => unknown;
    expect: Record<Who, number>;
  }

  // `{a}` is the account under test; every path is one of its resources
  const rows = (): Row[] => {
    const a = `/v2/accounts/${w.a.accountId}`;
    const box = `${a}/vmboxes/${w.box}`;
    return [
      { method: 'GET', path: a, expect: reach(200, 200) },
      { method: 'PATCH', path: a, body: () => ({ data: { custom: 1 } }), expect: reach(200, 403) },
      { method: 'GET', path: `${a}/children`, expect: reach(200, 403) },
      { method: 'GET', path: `${a}/descendants`, expect: reach(200, 403) },
      { method: 'GET', path: `${a}/api_key`, expect: reach(200, 403) },
      { method: 'GET', path: `${a}/users`, expect: reach(200, 200) },
      { method: 'GET', path: `${a}/users/${w.userId}`, expect: reach(200, 200) },
      {
        method: 'PUT',
        path: `${a}/users`,
        body: (who) => ({ data: { first_name: who, last_name: 'x', username: unique(who) } }),
        expect: reach(201, 403),
      },
      { method: 'GET', path: `${a}/vmboxes`, expect: reach(200, 200) },
      { method: 'GET', path: box, expect: reach(200, 200) },
      { method: 'PATCH', path: box, body: () => ({ data: { custom: 1 } }), expect: reach(200, 200) },
      {
        method: 'PUT',
        path: `${a}/vmboxes`,
        body: () => ({
          data: { name: unique('box'), mailbox: String(4000 + Math.floor(Math.random() * 5000)) },
        }),
        expect: reach(201, 403),
      },
      { method: 'GET', path: `${box}/messages`, expect: reach(200, 200) },
      { method: 'GET', path: `${box}/messages/${w.message}`, expect: reach(200, 200) },
      {
        method: 'POST',
        path: `${box}/messages/${w.message}`,
        body: () => ({ data: { folder: 'saved' } }),
        expect: reach(200, 200),
      },
      { method: 'GET', path: `${box}/mwi`, expect: reach(200, 200) },
      { method: 'GET', path: `${box}/greetings`, expect: reach(200, 200) },
      { method: 'GET', path: `${a}/media`, expect: reach(200, 200) },
      { method: 'GET', path: `${a}/media/${w.media}`, expect: reach(200, 200) },
      {
        method: 'POST',
        path: `${a}/media/${w.media}`,
        body: () => ({ data: { name: 'welcome', kind: 'prompt', description: 'x' } }),
        expect: reach(200, 403),
      },
      { method: 'GET', path: `${a}/api_clients`, expect: reach(200, 403) },
      {
        method: 'PUT',
        path: `${a}/api_clients`,
        body: (who) => ({ data: { name: who, priv_level: 'user' } }),
        expect: reach(201, 403),
      },
      { method: 'GET', path: `${a}/webhooks`, expect: reach(200, 403) },
      { method: 'GET', path: `${a}/webhooks/${w.hook}`, expect: reach(200, 403) },
      {
        method: 'PATCH',
        path: `${a}/webhooks/${w.hook}`,
        body: () => ({ data: { name: 'crm2' } }),
        expect: reach(200, 403),
      },
      { method: 'GET', path: `${a}/notifications/voicemail_to_email`, expect: reach(200, 403) },
      {
        method: 'POST',
        path: `${a}/notifications/voicemail_to_email`,
        body: () => ({ data: { subject: 'VM {{mailbox}}', text: 'x' } }),
        expect: reach(200, 403),
      },
      { method: 'GET', path: `${a}/broadcast_apps`, expect: reach(200, 403) },
      { method: 'GET', path: `${a}/broadcast_apps/app1`, expect: reach(200, 403) },
      {
        method: 'POST',
        path: `${a}/broadcast_apps/app1`,
        body: () => ({ data: { carrier: 'simulated', settings: { ring_ms: 5, talk_ms: 5 } } }),
        expect: reach(200, 403),
      },
      { method: 'GET', path: `${a}/dnc_numbers`, expect: reach(200, 403) },
      {
        method: 'PUT',
        path: `${a}/dnc_numbers`,
        body: () => ({ data: { numbers: ['4915100000009'] } }),
        expect: reach(200, 403),
      },
      { method: 'GET', path: `${a}/broadcasts`, expect: reach(200, 403) },
      { method: 'GET', path: `${a}/broadcasts/${w.broadcast}`, expect: reach(200, 403) },
      { method: 'GET', path: `${a}/broadcasts/${w.broadcast}/calls`, expect: reach(200, 403) },
    ];
  };

  it('the Kazoo face: every resource, read and write, as each role', async () => {
    const got: string[] = [];
    const want: string[] = [];
    for (const row of rows()) {
      for (const who of WHO) {
        const r = await stack.request(row.method, row.path, {
          token: w.tokens[who],
          ...(row.body ? { body: row.body(who) } : {}),
        });
        const path = row.path.replace(w.a.accountId, '{a}');
        got.push(`${row.method} ${path} as ${who}: ${r.status}`);
        want.push(`${row.method} ${path} as ${who}: ${row.expect[who]}`);
        // refusals are in the face's own shape; a 404 is exactly that of a missing id
        if (r.status >= 400) expect(r.body).toEqual(expect.objectContaining({ status: 'error' }));
      }
    }
    expect(got).toEqual(want);
  }, 180000);

  it('the faces whose credential names the account (Flexisip, Yeastar, Onbuka): only its own clients reach it', async () => {
    const got: string[] = [];
    const want: string[] = [];
    const cases: [keyof World['keys'], number, number][] = [
      // [whose client, Flexisip status on the account's user, Yeastar errcode on the account's box]
      ['admin', 200, 0],
      ['user', 200, 0],
      ['sibling', 404, 60001],
      ['stranger', 404, 60001],
    ];
    for (const [who, flexStatus, yeastarCode] of cases) {
      const k = w.keys[who];
      const f = await flexisip(k.secret, `/api/accounts/${w.userId}/voicemails`);
      got.push(`flexisip as ${who}: ${f.status}`);
      want.push(`flexisip as ${who}: ${flexStatus}`);
      const y = await yeastarToken(k.id, k.secret);
      const list = await yeastarList(y.body.access_token, 'extension=3200');
      got.push(`yeastar as ${who}: ${list.body.errcode}`);
      want.push(`yeastar as ${who}: ${yeastarCode}`);
    }
    // Onbuka: the account's voiceId is found only with the account's own key; anyone else's is -24
    for (const [who, status] of [
      ['admin', '0'],
      ['sibling', '-24'],
      ['stranger', '-24'],
    ] as const) {
      const r = await onbuka(w.onbuka[who], 'GET', `/v3/voice/recordGroup/${w.voiceId}`);
      got.push(`onbuka recordGroup as ${who}: ${r.body.status}`);
      want.push(`onbuka recordGroup as ${who}: ${status}`);
    }
    expect(got).toEqual(want);
  }, 120000);
});
