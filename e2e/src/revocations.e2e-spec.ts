// Signed tokens are verified in each gateway replica; this checks the guarantee that makes that safe: a
// revocation stops the token on every replica within 100 ms, and a replica that cannot confirm its view of
// revocations never accepts a revoked token.
import { createHash, randomBytes } from 'node:crypto';
import { AddressInfo, createServer, Server, Socket, connect as tcpConnect } from 'node:net';
import { Stack, startStack, Tenant } from '@voxmail/testing';
// the apps run in this process: the test reads a replica's view and pauses the publisher directly
// eslint-disable-next-line @nx/enforce-module-boundaries
import { RevocationView } from '../../apps/api-gateway/src/auth/revocation-view';
import { startGateway } from '../../apps/api-gateway/src/bootstrap';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { Revocations } from '../../apps/mailbox-service/src/auth/revocations';
import { startMailboxService } from '../../apps/mailbox-service/src/bootstrap';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The design's bound on how long a revoked token may still be accepted anywhere. */
const BOUND_MS = 100;

type Gateway = Awaited<ReturnType<typeof startGateway>>;

let stack: Stack;
let second: Gateway;
let gateways: string[];

async function status(base: string, method: string, path: string, token: string): Promise<number> {
  const res = await fetch(base + path, { method, headers: { 'X-Auth-Token': token } });
  await res.arrayBuffer();
  return res.status;
}

/**
 * How long after `since` a poll of both replicas (every 10 ms) first saw `expected` on both, counted to
 * the start of that poll: a request started then was already refused, however long it then took to
 * answer on a busy machine. Infinity if not within 2 s.
 */
async function msUntilBoth(since: number, path: string, token: string, expected: number): Promise<number> {
  for (;;) {
    const startedAt = performance.now() - since;
    const seen = await Promise.all(gateways.map((g) => status(g, 'GET', path, token)));
    if (seen.every((s) => s === expected)) return startedAt;
    if (startedAt > 2000) return Infinity;
    await sleep(10);
  }
}

async function everywhere(path: string, token: string): Promise<number[]> {
  return Promise.all(gateways.map((g) => status(g, 'GET', path, token)));
}

async function gatewayConfig(overrides: Record<string, string> = {}) {
  const { loadGatewayConfig } = await import('@voxmail/config');
  return loadGatewayConfig({ ...stack.env, ...overrides });
}

/** Waits until a replica trusts its own view (it has seen a heartbeat), so the local path is tested. */
async function untilCurrent(g: { app: { get<T>(token: unknown): T } }): Promise<void> {
  const view = g.app.get<RevocationView>(RevocationView);
  const end = Date.now() + 5000;
  while (!view.isCurrent()) {
    if (Date.now() > end) throw new Error('revocation view never became current');
    await sleep(20);
  }
}

async function userToken(
  t: Tenant,
  privLevel: 'admin' | 'user' = 'user',
): Promise<{ id: string; token: string; credentials: string }> {
  const username = `u${randomBytes(4).toString('hex')}`;
  const password = `pw-${randomBytes(6).toString('hex')}`;
  const u = await stack.request('PUT', `/v2/accounts/${t.accountId}/users`, {
    token: t.token,
    body: { data: { username, password, first_name: 'R', last_name: 'V', priv_level: privLevel } },
  });
  expect(u.status).toBe(201);
  const credentials = md5(`${username}:${password}`);
  const login = await stack.request('PUT', '/v2/user_auth', {
    body: { data: { credentials, account_name: t.name } },
  });
  expect(login.status).toBe(201);
  return { id: u.body.data.id, token: login.body.auth_token, credentials };
}

beforeAll(async () => {
  stack = await startStack({ gateway: startGateway, mailbox: startMailboxService }, ['mailbox', 'gateway']);
  second = await startGateway(await gatewayConfig(), { handleSignals: false });
  gateways = [stack.baseUrl, second.url];
  await untilCurrent(stack.get('gateway'));
  await untilCurrent(second);
});

afterAll(async () => {
  await second?.close();
  await stack?.stop();
});

describe('each revocation stops the token on both gateway replicas within 100 ms', () => {
  it('account disabled, for good: re-enabling does not bring the old tokens back', async () => {
    const t = await stack.createTenant();
    const user = await userToken(t);
    const path = `/v2/accounts/${t.accountId}`;
    expect(await everywhere(path, t.token)).toEqual([200, 200]);
    expect(await everywhere(path, user.token)).toEqual([200, 200]);
    const op = await stack.operatorLogin();
    const off = await stack.request('PATCH', path, { token: op.token, body: { data: { enabled: false } } });
    expect(off.status).toBe(200);
    const since = performance.now();
    expect(await msUntilBoth(since, path, t.token, 401)).toBeLessThanOrEqual(BOUND_MS);
    expect(await everywhere(path, user.token)).toEqual([401, 401]);

    const on = await stack.request('PATCH', path, { token: op.token, body: { data: { enabled: true } } });
    expect(on.status).toBe(200);
    await sleep(50);
    expect(await everywhere(path, t.token)).toEqual([401, 401]);
    expect(await everywhere(path, user.token)).toEqual([401, 401]);
    const fresh = await stack.request('PUT', '/v2/api_auth', { body: { data: { api_key: t.apiKey } } });
    expect(fresh.status).toBe(201);
    expect(await everywhere(path, fresh.body.auth_token)).toEqual([200, 200]);
  });

  it('only the operator disables or re-enables an account: its own admin gets 403', async () => {
    const t = await stack.createTenant();
    const path = `/v2/accounts/${t.accountId}`;
    const self = await stack.request('PATCH', path, { token: t.token, body: { data: { enabled: false } } });
    expect(self.status).toBe(403);
    expect(self.body.error).toBe('403');
    const replaced = await stack.request('POST', path, {
      token: t.token,
      body: { data: { name: t.name, enabled: false } },
    });
    expect(replaced.status).toBe(403);
    const read = await stack.request('GET', path, { token: t.token });
    expect(read.status).toBe(200);
    expect(read.body.data.enabled).not.toBe(false);
    // other settings stay the admin's to change
    const renamed = await stack.request('PATCH', path, {
      token: t.token,
      body: { data: { language: 'fr-FR' } },
    });
    expect(renamed.status).toBe(200);
  });

  it('account deleted', async () => {
    const t = await stack.createTenant();
    const user = await userToken(t);
    const path = `/v2/accounts/${t.accountId}/users/${user.id}`;
    expect(await everywhere(path, user.token)).toEqual([200, 200]);
    const op = await stack.operatorLogin();
    expect((await stack.request('DELETE', `/v2/accounts/${t.accountId}`, { token: op.token })).status).toBe(
      200,
    );
    const since = performance.now();
    expect(await msUntilBoth(since, path, user.token, 401)).toBeLessThanOrEqual(BOUND_MS);
    expect(await everywhere(`/v2/accounts/${t.accountId}`, t.token)).toEqual([401, 401]);
  });

  it("API key rotated: the key's tokens stop, a user's token of the account does not", async () => {
    const t = await stack.createTenant();
    const user = await userToken(t);
    const path = `/v2/accounts/${t.accountId}`;
    const rotated = await stack.request('PUT', `${path}/api_key`, { token: t.token });
    expect(rotated.status).toBe(201);
    const since = performance.now();
    expect(await msUntilBoth(since, path, t.token, 401)).toBeLessThanOrEqual(BOUND_MS);
    expect(await everywhere(path, user.token)).toEqual([200, 200]);
  });

  it('user disabled', async () => {
    const t = await stack.createTenant();
    const user = await userToken(t);
    const path = `/v2/accounts/${t.accountId}/users/${user.id}`;
    const off = await stack.request('PATCH', path, { token: t.token, body: { data: { enabled: false } } });
    expect(off.status).toBe(200);
    const since = performance.now();
    expect(await msUntilBoth(since, path, user.token, 401)).toBeLessThanOrEqual(BOUND_MS);
    expect(await everywhere(path, t.token)).toEqual([200, 200]);
  });

  it('user demoted: the old token stops carrying admin rights but still works as the user', async () => {
    const t = await stack.createTenant();
    const boss = await userToken(t, 'admin');
    const key = `/v2/accounts/${t.accountId}/api_key`;
    expect(await everywhere(key, boss.token)).toEqual([200, 200]);
    const demoted = await stack.request('PATCH', `/v2/accounts/${t.accountId}/users/${boss.id}`, {
      token: t.token,
      body: { data: { priv_level: 'user' } },
    });
    expect(demoted.status).toBe(200);
    const since = performance.now();
    expect(await msUntilBoth(since, key, boss.token, 403)).toBeLessThanOrEqual(BOUND_MS);
    expect(await everywhere(`/v2/accounts/${t.accountId}/users/${boss.id}`, boss.token)).toEqual([200, 200]);
  });

  it('user deleted', async () => {
    const t = await stack.createTenant();
    const user = await userToken(t);
    const path = `/v2/accounts/${t.accountId}`;
    expect(await everywhere(path, user.token)).toEqual([200, 200]);
    const del = await stack.request('DELETE', `/v2/accounts/${t.accountId}/users/${user.id}`, {
      token: t.token,
    });
    expect(del.status).toBe(200);
    const since = performance.now();
    expect(await msUntilBoth(since, path, user.token, 401)).toBeLessThanOrEqual(BOUND_MS);
  });

  it("one token signed out (DELETE /v2/token_auth): that token stops, the same user's other tokens do not", async () => {
    const t = await stack.createTenant();
    const user = await userToken(t);
    const other = await stack.request('PUT', '/v2/api_auth', { body: { data: { api_key: t.apiKey } } });
    const path = `/v2/accounts/${t.accountId}/users/${user.id}`;
    // a second login of the same user
    const again = await stack.request('PUT', '/v2/user_auth', {
      body: { data: { credentials: user.credentials, account_name: t.name } },
    });
    expect(again.status).toBe(201);
    expect(await everywhere(path, user.token)).toEqual([200, 200]);
    // the token signs itself out on the second replica; refused on both at once
    const out = await fetch(`${second.url}/v2/token_auth`, {
      method: 'DELETE',
      headers: { 'X-Auth-Token': user.token },
    });
    expect(out.status).toBe(200);
    expect(((await out.json()) as { status: string }).status).toBe('success');
    const since = performance.now();
    expect(await msUntilBoth(since, path, user.token, 401)).toBeLessThanOrEqual(BOUND_MS);
    expect(await everywhere(path, again.body.auth_token)).toEqual([200, 200]);
    expect(await everywhere(path, t.token)).toEqual([200, 200]);
    expect(await everywhere(path, other.body.auth_token)).toEqual([200, 200]);
    // signing out twice: the token is no credential any more
    expect(await status(stack.baseUrl, 'DELETE', '/v2/token_auth', user.token)).toBe(401);
    // an API key's token signs out alone too: the key's other tokens keep working
    expect(await status(stack.baseUrl, 'DELETE', '/v2/token_auth', other.body.auth_token)).toBe(200);
    expect(await everywhere(path, other.body.auth_token)).toEqual([401, 401]);
    expect(await everywhere(path, t.token)).toEqual([200, 200]);
    // without a token there is nothing to sign out
    const none = await fetch(`${stack.baseUrl}/v2/token_auth`, { method: 'DELETE' });
    expect(none.status).toBe(401);
  });

  it('API client deleted', async () => {
    const t = await stack.createTenant();
    const c = await stack.request('PUT', `/v2/accounts/${t.accountId}/api_clients`, {
      token: t.token,
      body: { data: { name: 'pbx', priv_level: 'admin' } },
    });
    expect(c.status).toBe(201);
    const { client_id, client_secret } = c.body.data;
    const grant = await stack.request('PUT', '/v2/api_client_auth', {
      body: { data: { client_id, client_secret } },
    });
    expect(grant.status).toBe(201);
    const path = `/v2/accounts/${t.accountId}`;
    expect(await everywhere(path, grant.body.auth_token)).toEqual([200, 200]);
    const del = await stack.request('DELETE', `${path}/api_clients/${client_id}`, { token: t.token });
    expect(del.status).toBe(200);
    const since = performance.now();
    expect(await msUntilBoth(since, path, grant.body.auth_token, 401)).toBeLessThanOrEqual(BOUND_MS);
    expect(await everywhere(path, t.token)).toEqual([200, 200]);
  });
});

/** A TCP relay between one gateway and NATS that the test can cut and restore. */
class NatsLink {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: URL) {}

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = tcpConnect(Number(this.target.port), this.target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  get isOpen(): boolean {
    return this.server !== undefined;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

describe('a gateway that cannot confirm its view of revocations', () => {
  it('NATS cut between one replica and the services: no revoked token is accepted, and it recovers', async () => {
    const link = new NatsLink(new URL(stack.env.NATS_URL ?? 'nats://127.0.0.1:4222'));
    await link.open();
    const cutOff = await startGateway(await gatewayConfig({ NATS_URL: `nats://127.0.0.1:${link.port}` }), {
      handleSignals: false,
    });
    try {
      await untilCurrent(cutOff);
      const t = await stack.createTenant();
      const other = await stack.createTenant();
      const path = `/v2/accounts/${t.accountId}`;
      expect(await status(cutOff.url, 'GET', path, t.token)).toBe(200);

      await link.cut();
      expect((await stack.request('PUT', `${path}/api_key`, { token: t.token })).status).toBe(201);
      const seen = new Set<number>();
      const end = Date.now() + 1500;
      while (Date.now() < end) {
        seen.add(await status(cutOff.url, 'GET', path, t.token));
        await sleep(10);
      }
      expect(seen.has(200)).toBe(false);
      expect([...seen].every((s) => s === 401 || s === 503)).toBe(true);
      // it refuses what it cannot check rather than guess, and says so the Kazoo way
      const unchecked = await fetch(cutOff.url + `/v2/accounts/${other.accountId}`, {
        headers: { 'X-Auth-Token': other.token },
      });
      expect(unchecked.status).toBe(503);
      expect(unchecked.headers.get('retry-after')).toBe('1');
      expect(((await unchecked.json()) as { error: string }).error).toBe('503');

      await link.open();
      await untilCurrent(cutOff);
      expect(await status(cutOff.url, 'GET', path, t.token)).toBe(401);
      expect(await status(cutOff.url, 'GET', `/v2/accounts/${other.accountId}`, other.token)).toBe(200);
    } finally {
      // close the replica while its link is up, so its connection drains instead of reconnecting forever
      if (!link.isOpen) await link.open();
      await cutOff.close();
      await link.cut();
    }
  });

  it('a replica whose NATS connection is closed refuses every token (503), never accepts a revoked one', async () => {
    const { NATS_CONNECTION } = await import('@voxmail/messaging');
    const closed = await startGateway(await gatewayConfig(), { handleSignals: false });
    try {
      await untilCurrent(closed);
      const t = await stack.createTenant();
      const path = `/v2/accounts/${t.accountId}`;
      expect(await status(closed.url, 'GET', path, t.token)).toBe(200);
      await closed.app.get<{ close(): Promise<void> }>(NATS_CONNECTION).close();
      expect((await stack.request('PUT', `${path}/api_key`, { token: t.token })).status).toBe(201);
      expect(await status(closed.url, 'GET', path, t.token)).toBe(503);
    } finally {
      await closed.close();
    }
  });

  it('when revocations stop being published, replicas ask mailbox-service, which still refuses', async () => {
    const publisher = stack.get('mailbox').app.get<Revocations>(Revocations);
    const t = await stack.createTenant();
    const path = `/v2/accounts/${t.accountId}`;
    await publisher.onApplicationShutdown();
    try {
      const views = [stack.get('gateway'), second].map((g) => g.app.get<RevocationView>(RevocationView));
      const end = Date.now() + 6000;
      while (views.some((v) => v.isCurrent()) && Date.now() < end) await sleep(50);
      expect(views.map((v) => v.isCurrent())).toEqual([false, false]);
      expect(await everywhere(path, t.token)).toEqual([200, 200]);

      // the revocation is committed but never reaches the bucket: the very next request, on either
      // replica, is checked by mailbox-service against its database and refused
      expect((await stack.request('PUT', `${path}/api_key`, { token: t.token })).status).toBe(201);
      expect(await everywhere(path, t.token)).toEqual([401, 401]);
    } finally {
      await publisher.onApplicationBootstrap();
    }
    // the publisher catches up (full sync) and the replicas trust their own view again
    await untilCurrent(stack.get('gateway'));
    await untilCurrent(second);
    expect(await everywhere(path, t.token)).toEqual([401, 401]);
  });
});
