// Failed-login limits (issue 8.2, issue 10.11): counted per credential target and per address, a success
// clears only its own target, and a correct credential from a busy shared address still gets in.
import { createHash, randomBytes } from 'node:crypto';
import { Stack, startStack, TEST_OPERATOR_KEY, Tenant } from '@voxmail/testing';
import { startGateway } from '../../apps/api-gateway/src/bootstrap';
import { startMailboxService } from '../../apps/mailbox-service/src/bootstrap';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const uniqueIp = () => `10.${randomBytes(1)[0]}.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;
const LIMIT = 10; // the default AUTH_FAILURE_LIMIT

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ gateway: startGateway, mailbox: startMailboxService }, ['mailbox', 'gateway'], {
    TRUST_PROXY: 'true',
    AUTH_FAILURE_LIMIT: String(LIMIT),
  });
}, 60000);

afterAll(async () => {
  await stack?.stop();
});

/** A tenant with a user whose password is known, as the victim of a guessing attack. */
async function victim(): Promise<Tenant & { credentials: string }> {
  const t = await stack.createTenant();
  const pw = `pw-${randomBytes(6).toString('hex')}`;
  const u = await stack.request('PUT', `/v2/accounts/${t.accountId}/users`, {
    token: t.token,
    body: { data: { username: 'alice', password: pw, first_name: 'A', last_name: 'L' } },
  });
  expect(u.status).toBe(201);
  return { ...t, credentials: md5(`alice:${pw}`) };
}

const userAuth = (ip: string, account_name: string, credentials: string) =>
  stack.request('PUT', '/v2/user_auth', {
    headers: { 'X-Forwarded-For': ip },
    body: { data: { credentials, account_name } },
  });

const apiAuth = (ip: string, api_key: string) =>
  stack.request('PUT', '/v2/api_auth', { headers: { 'X-Forwarded-For': ip }, body: { data: { api_key } } });

const wrong = () => md5(`alice:${randomBytes(6).toString('hex')}`);

describe('failed logins are counted per target', () => {
  it('the 9 wrong user_auth + 1 valid api_auth attack, repeated, gets 429 on the target', async () => {
    const target = await victim();
    const attacker = await stack.createTenant();
    const ip = uniqueIp();
    const statuses: number[] = [];
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 9; i++) statuses.push((await userAuth(ip, target.name, wrong())).status);
      // the attacker's own valid key never resets the counter of another target
      expect((await apiAuth(ip, attacker.apiKey)).status).toBe(201);
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(LIMIT);
    expect(statuses.slice(LIMIT).every((s) => s === 429)).toBe(true);

    const limited = await userAuth(ip, target.name, wrong());
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(limited.body).toEqual(expect.objectContaining({ status: 'error' }));
  });

  it('a correct credential for the target under attack is refused while it is locked', async () => {
    const target = await victim();
    const ip = uniqueIp();
    for (let i = 0; i < LIMIT; i++) expect((await userAuth(ip, target.name, wrong())).status).toBe(401);
    expect((await userAuth(ip, target.name, target.credentials)).status).toBe(429);
    // the lock is on (address, target): the account's user still logs in from elsewhere
    expect((await userAuth(uniqueIp(), target.name, target.credentials)).status).toBe(201);
  });

  it('a correct key from the same address gets in during another target’s lockout (shared NAT)', async () => {
    const target = await victim();
    const ip = uniqueIp();
    for (let i = 0; i < LIMIT + 3; i++) await userAuth(ip, target.name, wrong());
    expect((await userAuth(ip, target.name, wrong())).status).toBe(429);
    expect((await apiAuth(ip, TEST_OPERATOR_KEY)).status).toBe(201);
    // and a user of another account behind the same address logs in too
    const neighbour = await victim();
    expect((await userAuth(ip, neighbour.name, neighbour.credentials)).status).toBe(201);
  });

  it('a guess spread over many addresses locks the target for everyone, not other targets', async () => {
    const target = await victim();
    const other = await victim();
    for (let i = 0; i < LIMIT * 5; i++) await userAuth(uniqueIp(), target.name, wrong());
    expect((await userAuth(uniqueIp(), target.name, target.credentials)).status).toBe(429);
    expect((await userAuth(uniqueIp(), other.name, other.credentials)).status).toBe(201);
  });

  it('a success clears its own target only: a key that failed and then worked starts afresh', async () => {
    const t = await stack.createTenant();
    const ip = uniqueIp();
    const typo = `${t.apiKey.slice(0, -1)}${t.apiKey.endsWith('0') ? '1' : '0'}`;
    for (let i = 0; i < LIMIT - 1; i++) expect((await apiAuth(ip, typo)).status).toBe(401);
    expect((await apiAuth(ip, t.apiKey)).status).toBe(201);
    // the typo is its own target and was not cleared: one more and it is locked
    expect((await apiAuth(ip, typo)).status).toBe(401);
    expect((await apiAuth(ip, typo)).status).toBe(429);
    expect((await apiAuth(ip, t.apiKey)).status).toBe(201);
  });
});

describe('failed logins under concurrency', () => {
  it('a burst of parallel guesses at one target gets no more than the limit checked', async () => {
    const target = await victim();
    const ip = uniqueIp();
    const statuses = (
      await Promise.all(Array.from({ length: 40 }, () => userAuth(ip, target.name, wrong())))
    ).map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(LIMIT);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(40 - LIMIT);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
  });
});

describe('failed logins are counted per address', () => {
  it('an address spraying many targets is stopped, but a correct API key from it still gets in', async () => {
    const ip = uniqueIp();
    const accounts = await Promise.all([victim(), victim()]);
    let last = 0;
    for (let i = 0; i < LIMIT * 10; i++) last = (await apiAuth(ip, randomBytes(32).toString('hex'))).status;
    expect(last).toBe(401);
    const sprayed = await apiAuth(ip, randomBytes(32).toString('hex'));
    expect(sprayed.status).toBe(429);
    expect(sprayed.headers.get('retry-after')).toBeTruthy();
    // an API key is 256 random bits: a correct one is checked and let through, a wrong one is not
    expect((await apiAuth(ip, TEST_OPERATOR_KEY)).status).toBe(201);
    // passwords are guessable: user_auth from the sprayed address waits, even with right credentials
    expect((await userAuth(ip, accounts[0].name, accounts[0].credentials)).status).toBe(429);
    expect((await userAuth(uniqueIp(), accounts[1].name, accounts[1].credentials)).status).toBe(201);
  });
});
