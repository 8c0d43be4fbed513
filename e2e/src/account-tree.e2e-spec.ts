// Kazoo's account tree (issue 10, "Reseller accounts") and disabling accounts (issue 8.7): a reseller
// creates and manages the accounts below it, never those above or beside it; only someone above an
// account disables it, and disabling revokes its tokens for good.
import { createHash, randomBytes } from 'node:crypto';
import { KazooResponse } from '@voxmail/testing';
import { createBox, Tenant, useMessagesStack } from './messages.helpers';
import { useEvents, useOperator } from './fixture';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const randomId = () => randomBytes(16).toString('hex');
const unique = (p: string) => `${p}-${randomBytes(4).toString('hex')}`;

const events = useEvents();
const stack = useMessagesStack();
const op = useOperator(stack);

/** An account created by `parent`'s token under `parentId`, with its own admin token. */
const childOf = (parentId: string, token: string, data: Record<string, unknown> = {}): Promise<Tenant> =>
  stack.createAccount(parentId, token, data, unique('child'));

const reseller = () => childOf(op.accountId, op.token, { is_reseller: true });

/** The 404 of a missing id, to compare a refused one with byte for byte (bar the request id). */
const same404 = (a: KazooResponse, b: KazooResponse) => {
  expect(a.status).toBe(404);
  expect(b.status).toBe(404);
  expect({ ...a.body, request_id: 'x' }).toEqual({ ...b.body, request_id: 'x' });
};

describe('reseller accounts', () => {
  it('a reseller creates, reads and deletes a child, its users, boxes and messages', async () => {
    const r = await reseller();
    const login = await stack.request('PUT', '/v2/api_auth', { body: { data: { api_key: r.apiKey } } });
    expect(login.body.data.is_reseller).toBe(true);

    const c = await childOf(r.accountId, r.token);
    const created = await events.waitFor(
      (e) => e.type === 'account.created' && e.aggregateId === c.accountId,
    );
    expect(created.tenantId).toBe(c.accountId);
    expect(created.subject).toBe(`voxmail.evt.${c.accountId}.account.created`);
    expect(created.data).toEqual(
      expect.objectContaining({ parent_id: r.accountId, tree: [op.accountId, r.accountId] }),
    );

    const got = await stack.request('GET', `/v2/accounts/${c.accountId}`, { token: r.token });
    expect(got.status).toBe(200);
    expect(got.body.data.name).toBe(c.name);
    const children = await stack.request('GET', `/v2/accounts/${r.accountId}/children`, { token: r.token });
    expect(children.status).toBe(200);
    expect(children.body.data.map((a: { id: string }) => a.id)).toEqual([c.accountId]);

    const user = await stack.request('PUT', `/v2/accounts/${c.accountId}/users`, {
      token: r.token,
      body: { data: { username: 'ann', password: 'secret-pw', first_name: 'A', last_name: 'N' } },
    });
    expect(user.status).toBe(201);
    const box = await createBox(stack, c, { name: 'child box', mailbox: '1000' }, r.token);
    const boxEvent = await events.waitFor((e) => e.type === 'mailbox.created' && e.aggregateId === box);
    expect(boxEvent.tenantId).toBe(c.accountId);
    expect(boxEvent.subject).toBe(`voxmail.evt.${c.accountId}.mailbox.created`);

    const messages = `/v2/accounts/${c.accountId}/vmboxes/${box}/messages`;
    const msg = await stack.request('PUT', messages, {
      token: r.token,
      body: { data: { caller_id_number: '1' } },
    });
    expect(msg.status).toBe(201);
    const list = await stack.request('GET', messages, { token: r.token });
    expect(list.body.data.map((m: { media_id: string }) => m.media_id)).toEqual([msg.body.data.media_id]);
    expect(
      (await stack.request('DELETE', `${messages}/${msg.body.data.media_id}`, { token: r.token })).status,
    ).toBe(200);
    expect(
      (await stack.request('DELETE', `/v2/accounts/${c.accountId}/vmboxes/${box}`, { token: r.token }))
        .status,
    ).toBe(200);
    expect(
      (
        await stack.request('DELETE', `/v2/accounts/${c.accountId}/users/${user.body.data.id}`, {
          token: r.token,
        })
      ).status,
    ).toBe(200);

    const del = await stack.request('DELETE', `/v2/accounts/${c.accountId}`, { token: r.token });
    expect(del.status).toBe(200);
    expect((await stack.request('GET', `/v2/accounts/${c.accountId}`, { token: r.token })).status).toBe(404);
    expect((await stack.request('GET', `/v2/accounts/${c.accountId}`, { token: c.token })).status).toBe(401);
  });

  it('deletes a subtree from the leaves up: an account with children answers 409', async () => {
    const r = await reseller();
    const c = await childOf(r.accountId, r.token);
    const g = await childOf(c.accountId, r.token);
    const refused = await stack.request('DELETE', `/v2/accounts/${c.accountId}`, { token: r.token });
    expect(refused.status).toBe(409);
    expect((await stack.request('GET', `/v2/accounts/${c.accountId}`, { token: c.token })).status).toBe(200);
    expect((await stack.request('DELETE', `/v2/accounts/${g.accountId}`, { token: r.token })).status).toBe(
      200,
    );
    expect((await stack.request('DELETE', `/v2/accounts/${c.accountId}`, { token: r.token })).status).toBe(
      200,
    );
    // a reseller cannot delete itself: that is for the operator
    expect((await stack.request('DELETE', `/v2/accounts/${r.accountId}`, { token: r.token })).status).toBe(
      403,
    );
  });

  it('reaches every descendant; /children lists one level, /descendants all', async () => {
    const r = await reseller();
    const c = await childOf(r.accountId, r.token);
    const g = await childOf(c.accountId, r.token);
    const ids = (x: KazooResponse) => x.body.data.map((a: { id: string }) => a.id).sort();
    const children = await stack.request('GET', `/v2/accounts/${r.accountId}/children`, { token: r.token });
    expect(ids(children)).toEqual([c.accountId]);
    const desc = await stack.request('GET', `/v2/accounts/${r.accountId}/descendants`, { token: r.token });
    expect(desc.status).toBe(200);
    expect(ids(desc)).toEqual([c.accountId, g.accountId].sort());
    expect(desc.body.data.find((a: { id: string }) => a.id === g.accountId).tree).toEqual([
      op.accountId,
      r.accountId,
      c.accountId,
    ]);
    expect(
      (await stack.request('GET', `/v2/accounts/${g.accountId}/vmboxes`, { token: r.token })).status,
    ).toBe(200);
    // the operator still reaches everything
    expect((await stack.request('GET', `/v2/accounts/${g.accountId}`, { token: op.token })).status).toBe(200);
    const all = await stack.request('GET', `/v2/accounts/${op.accountId}/descendants?paginate=false`, {
      token: op.token,
    });
    expect(ids(all)).toEqual(expect.arrayContaining([r.accountId, c.accountId, g.accountId]));
  });

  it('a sibling, a child and a non-reseller are refused: 404 like a missing id, 403 on create', async () => {
    const r = await reseller();
    const sibling = await reseller();
    const c = await childOf(r.accountId, r.token);
    const box = await createBox(stack, c, {}, r.token);
    const missing = randomId();

    for (const path of [
      '',
      '/vmboxes',
      `/vmboxes/${box}`,
      '/users',
      '/api_key',
      '/children',
      '/descendants',
    ]) {
      same404(
        await stack.request('GET', `/v2/accounts/${c.accountId}${path}`, { token: sibling.token }),
        await stack.request('GET', `/v2/accounts/${missing}${path}`, { token: sibling.token }),
      );
    }
    same404(
      await stack.request('PUT', `/v2/accounts/${c.accountId}`, {
        token: sibling.token,
        body: { data: { name: 'x' } },
      }),
      await stack.request('PUT', `/v2/accounts/${missing}`, {
        token: sibling.token,
        body: { data: { name: 'x' } },
      }),
    );
    // the child sees neither its parent nor its parent's other children
    same404(
      await stack.request('GET', `/v2/accounts/${r.accountId}`, { token: c.token }),
      await stack.request('GET', `/v2/accounts/${missing}`, { token: c.token }),
    );
    same404(
      await stack.request('GET', `/v2/accounts/${r.accountId}/descendants`, { token: c.token }),
      await stack.request('GET', `/v2/accounts/${missing}/descendants`, { token: c.token }),
    );
    // a child of a reseller is no reseller itself
    const noChild = await stack.request('PUT', `/v2/accounts/${c.accountId}`, {
      token: c.token,
      body: { data: { name: unique('grandchild') } },
    });
    expect(noChild.status).toBe(403);

    const plain = await stack.createTenant();
    const refused = await stack.request('PUT', `/v2/accounts/${plain.accountId}`, {
      token: plain.token,
      body: { data: { name: unique('nope') } },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.status).toBe('error');
    // nor can an admin make its own account (or its child) a reseller
    for (const [id, token] of [
      [plain.accountId, plain.token],
      [c.accountId, r.token],
    ]) {
      const promote = await stack.request('PATCH', `/v2/accounts/${id}`, {
        token,
        body: { data: { is_reseller: true } },
      });
      expect(promote.status).toBe(403);
    }
  });

  it("a reseller's user-level token stays in its own account", async () => {
    const r = await reseller();
    const c = await childOf(r.accountId, r.token);
    const pw = 'user-secret-pw';
    const u = await stack.request('PUT', `/v2/accounts/${r.accountId}/users`, {
      token: r.token,
      body: { data: { username: 'ulla', password: pw, first_name: 'U', last_name: 'L' } },
    });
    expect(u.status).toBe(201);
    const login = await stack.request('PUT', '/v2/user_auth', {
      body: { data: { credentials: md5(`ulla:${pw}`), account_name: r.name } },
    });
    expect(login.status).toBe(201);
    same404(
      await stack.request('GET', `/v2/accounts/${c.accountId}`, { token: login.body.auth_token }),
      await stack.request('GET', `/v2/accounts/${randomId()}`, { token: login.body.auth_token }),
    );
  });
});

describe('disabling an account', () => {
  it('revokes its tokens for good: enabling it again does not bring them back', async () => {
    const t = await stack.createTenant();
    const pw = 'pw-for-good';
    await stack.request('PUT', `/v2/accounts/${t.accountId}/users`, {
      token: t.token,
      body: { data: { username: 'bo', password: pw, first_name: 'B', last_name: 'O' } },
    });
    const user = await stack.request('PUT', '/v2/user_auth', {
      body: { data: { credentials: md5(`bo:${pw}`), account_name: t.name } },
    });
    expect(user.status).toBe(201);
    const self = `/v2/accounts/${t.accountId}`;

    const off = await stack.request('PATCH', self, { token: op.token, body: { data: { enabled: false } } });
    expect(off.status).toBe(200);
    const revoked = await events.waitFor(
      (e) => e.type === 'auth.tokens_revoked' && e.tenantId === t.accountId,
    );
    expect(revoked.subject).toBe(`voxmail.evt.${t.accountId}.auth.tokens_revoked`);
    expect(revoked.data).toEqual(
      expect.objectContaining({
        id: t.accountId,
        scope: 'account',
        account_id: t.accountId,
        reason: 'account_disabled',
        revoked_before: expect.any(String),
      }),
    );
    expect(JSON.stringify(revoked)).not.toContain(t.token);

    const on = await stack.request('PATCH', self, { token: op.token, body: { data: { enabled: true } } });
    expect(on.status).toBe(200);
    expect((await stack.request('GET', self, { token: t.token })).status).toBe(401);
    expect((await stack.request('GET', self, { token: user.body.auth_token })).status).toBe(401);
    const fresh = await stack.request('PUT', '/v2/api_auth', { body: { data: { api_key: t.apiKey } } });
    expect(fresh.status).toBe(201);
    expect((await stack.request('GET', self, { token: fresh.body.auth_token })).status).toBe(200);
  });

  it('a tenant admin cannot disable its own account; a reseller above it can', async () => {
    const t = await stack.createTenant();
    const self = `/v2/accounts/${t.accountId}`;
    for (const method of ['PATCH', 'POST']) {
      const r = await stack.request(method, self, {
        token: t.token,
        body: { data: { name: t.name, enabled: false } },
      });
      expect(r.status).toBe(403);
    }
    const still = await stack.request('GET', self, { token: t.token });
    expect(still.status).toBe(200);
    expect(still.body.data.enabled).not.toBe(false);
    // other changes by the admin still work
    expect(
      (await stack.request('PATCH', self, { token: t.token, body: { data: { language: 'de-DE' } } })).status,
    ).toBe(200);

    const r = await reseller();
    const c = await childOf(r.accountId, r.token);
    const child = `/v2/accounts/${c.accountId}`;
    expect(
      (await stack.request('PATCH', child, { token: c.token, body: { data: { enabled: false } } })).status,
    ).toBe(403);
    expect(
      (await stack.request('PATCH', child, { token: r.token, body: { data: { enabled: false } } })).status,
    ).toBe(200);
    expect((await stack.request('GET', child, { token: c.token })).status).toBe(401);
    expect(
      (await stack.request('PATCH', child, { token: r.token, body: { data: { enabled: true } } })).status,
    ).toBe(200);
    expect((await stack.request('GET', child, { token: c.token })).status).toBe(401);
    // the reseller cannot switch itself off either: that is for the operator
    expect(
      (
        await stack.request('PATCH', `/v2/accounts/${r.accountId}`, {
          token: r.token,
          body: { data: { enabled: false } },
        })
      ).status,
    ).toBe(403);
  });

  it('a disabled user is signed out for good, as is a rotated key', async () => {
    const t = await stack.createTenant();
    const pw = 'pw-user-off';
    const u = await stack.request('PUT', `/v2/accounts/${t.accountId}/users`, {
      token: t.token,
      body: { data: { username: 'cy', password: pw, first_name: 'C', last_name: 'Y' } },
    });
    const login = await stack.request('PUT', '/v2/user_auth', {
      body: { data: { credentials: md5(`cy:${pw}`), account_name: t.name } },
    });
    const userPath = `/v2/accounts/${t.accountId}/users/${u.body.data.id}`;
    expect((await stack.request('GET', userPath, { token: login.body.auth_token })).status).toBe(200);
    await stack.request('PATCH', userPath, { token: t.token, body: { data: { enabled: false } } });
    await stack.request('PATCH', userPath, { token: t.token, body: { data: { enabled: true } } });
    expect((await stack.request('GET', userPath, { token: login.body.auth_token })).status).toBe(401);
    const e = await events.waitFor(
      (x) => x.type === 'auth.tokens_revoked' && x.aggregateId === u.body.data.id,
    );
    expect(e.data).toEqual(expect.objectContaining({ scope: 'user', reason: 'user_disabled' }));

    const rotated = await stack.request('PUT', `/v2/accounts/${t.accountId}/api_key`, { token: t.token });
    expect(rotated.status).toBe(201);
    expect((await stack.request('GET', `/v2/accounts/${t.accountId}`, { token: t.token })).status).toBe(401);
    await events.waitFor(
      (x) => x.type === 'auth.tokens_revoked' && x.tenantId === t.accountId && x.data.scope === 'api_key',
    );
  });
});
