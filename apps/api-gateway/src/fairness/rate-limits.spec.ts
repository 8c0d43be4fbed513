import type { GatewayConfig } from '@voxmail/config';
import { Actor, DomainError } from '@voxmail/contracts';
import { GatewayPeers } from './gateway-peers';
import { credentialOf, isAudioStream, RateLimits } from './rate-limits';

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);
const user = (accountId: string, userId: string): Actor => ({ accountId, role: 'user', userId });

function limits(fairness: Partial<GatewayConfig['fairness']>, replicas = 1): RateLimits {
  const config = {
    fairness: { accountRps: 0, accountBurst: 0, credentialRps: 0, credentialBurst: 0, ...fairness },
  } as GatewayConfig;
  return new RateLimits(config, { count: () => replicas } as GatewayPeers);
}

/** How many of `n` requests of `actor` are admitted at once. */
async function admitted(
  l: RateLimits,
  actor: Actor,
  n: number,
): Promise<{ ok: number; refused: DomainError[] }> {
  const refused: DomainError[] = [];
  let ok = 0;
  for (let i = 0; i < n; i++) {
    await l.admit(actor).then(
      () => ok++,
      (e: DomainError) => refused.push(e),
    );
  }
  return { ok, refused };
}

describe('RateLimits (issue 24: a token bucket per account and per credential)', () => {
  it('admits a credential its rate plus burst, then 429 with Retry-After; another credential has its own', async () => {
    const l = limits({ credentialRps: 5, credentialBurst: 5 });
    const first = await admitted(l, user(A, '1'.repeat(32)), 20);
    expect(first.ok).toBe(10);
    expect(first.refused[0]).toMatchObject({ code: 'rate_limited' });
    expect(first.refused[0].details?.retry_after_s).toBeGreaterThanOrEqual(1);
    expect((await admitted(l, user(A, '2'.repeat(32)), 5)).ok).toBe(5);
  });

  it('an account is limited across its credentials, and never another account', async () => {
    const l = limits({ accountRps: 4, accountBurst: 0 });
    const one = await admitted(l, user(A, '1'.repeat(32)), 3);
    const two = await admitted(l, user(A, '2'.repeat(32)), 3);
    expect(one.ok + two.ok).toBe(4);
    expect((await admitted(l, user(B, '3'.repeat(32)), 4)).ok).toBe(4);
  });

  it('each of N replicas enforces its share of the rate', async () => {
    const l = limits({ credentialRps: 10, credentialBurst: 0 }, 2);
    expect((await admitted(l, user(A, '1'.repeat(32)), 20)).ok).toBe(5);
    // a rate under the replica count still admits something
    expect((await admitted(limits({ credentialRps: 2 }, 5), user(B, '1'.repeat(32)), 5)).ok).toBe(1);
  });

  it('names the credential: API client, else user, else the account key', () => {
    expect(credentialOf({ accountId: A, role: 'admin', clientId: 'c'.repeat(32) })).toBe(
      `client:${'c'.repeat(32)}`,
    );
    expect(credentialOf(user(A, 'u'.repeat(32)))).toBe(`user:${'u'.repeat(32)}`);
    expect(credentialOf({ accountId: A, role: 'admin' })).toBe(`key:${A}`);
  });
});

describe('isAudioStream (a stream request is checked against the stream slots before any command)', () => {
  const req = (method: string, url: string, type?: string) => ({
    method,
    url,
    headers: type ? { 'content-type': type } : {},
  });

  it('knows uploads, downloads and ZIPs from their routes and body types', () => {
    expect(isAudioStream(req('GET', `/v2/accounts/${A}/vmboxes/${B}/messages/202612-${A}/raw`))).toBe(true);
    expect(isAudioStream(req('POST', `/v2/accounts/${A}/vmboxes/${B}/messages/raw`))).toBe(true);
    expect(isAudioStream(req('PUT', `/v2/accounts/${A}/vmboxes/${B}/greetings/unavailable`))).toBe(true);
    expect(
      isAudioStream(req('POST', '/openapi/v1.0/vm_greeting/upload?access_token=x', 'multipart/form-data')),
    ).toBe(true);
    expect(
      isAudioStream(req('PUT', `/v2/accounts/${A}/vmboxes/${B}/messages`, 'multipart/mixed; boundary=x')),
    ).toBe(true);
    expect(isAudioStream(req('GET', `/v2/accounts/${A}`))).toBe(false);
    expect(isAudioStream(req('PUT', `/v2/accounts/${A}/vmboxes`, 'application/json'))).toBe(false);
  });

  it('refuses a stream request of an account holding all its slots, before the transfer', async () => {
    const { configureStreams, streamSlots } = await import('../application/object-transfer');
    configureStreams({ perAccount: 1, idleTimeoutMs: 30000 });
    const l = limits({});
    const release = streamSlots.acquire(A);
    const raw = req('GET', `/v2/accounts/${A}/vmboxes/${B}/messages/202612-${A}/raw`);
    await expect(l.admit(user(A, '1'.repeat(32)), raw)).rejects.toMatchObject({ code: 'rate_limited' });
    await expect(l.admit(user(A, '1'.repeat(32)), req('GET', `/v2/accounts/${A}`))).resolves.toBeUndefined();
    await expect(l.admit(user(B, '1'.repeat(32)), raw)).resolves.toBeUndefined();
    release();
    await expect(l.admit(user(A, '1'.repeat(32)), raw)).resolves.toBeUndefined();
  });

  it('refusalOf looks without counting: none until the rate and burst are spent, then the 429 admit gives', async () => {
    const l = limits({ accountRps: 3, accountBurst: 2, requestsInFlightPerAccount: 0 });
    const get = { method: 'GET', url: `/v2/accounts/${A}`, headers: {} };
    const actor = user(A, '1'.repeat(32));
    for (let i = 0; i < 10; i++) expect(await l.refusalOf(actor, get)).toBeUndefined();
    expect((await admitted(l, actor, 10)).ok).toBe(5);
    const refusal = await l.refusalOf(actor, get);
    expect(refusal).toMatchObject({ code: 'rate_limited' });
    expect(refusal?.details?.retry_after_s).toBeGreaterThanOrEqual(1);
    expect(await l.refusalOf(user(B, '2'.repeat(32)), get)).toBeUndefined();
  });

  it('caps the requests and the audio streams one account has in flight; leaving gives the room back', async () => {
    const { configureStreams } = await import('../application/object-transfer');
    configureStreams({ perAccount: 32, idleTimeoutMs: 30000 });
    const l = limits({ requestsInFlightPerAccount: 2 });
    const get = { method: 'GET', url: `/v2/accounts/${A}`, headers: {} };
    const raw = { method: 'GET', url: `/v2/accounts/${A}/vmboxes/x/messages/y/raw`, headers: {} };
    const actor = user(A, '1'.repeat(32));
    const leave = [l.enter(A, false), l.enter(A, false)];
    expect(await l.refusalOf(actor, get)).toMatchObject({ code: 'rate_limited' });
    expect(await l.refusalOf(user(B, '2'.repeat(32)), get)).toBeUndefined();
    // streams have their own cap (STREAMS_PER_ACCOUNT, 32 by default), counted from their admission
    expect(await l.refusalOf(actor, raw)).toBeUndefined();
    const streams = Array.from({ length: 32 }, () => l.enter(A, true));
    expect(await l.refusalOf(actor, raw)).toMatchObject({ code: 'rate_limited' });
    streams[0]();
    expect(await l.refusalOf(actor, raw)).toBeUndefined();
    leave[0]();
    leave[0](); // once only
    expect(await l.refusalOf(actor, get)).toBeUndefined();
    l.enter(A, false);
    expect(await l.refusalOf(actor, get)).toMatchObject({ code: 'rate_limited' });
  });
});
