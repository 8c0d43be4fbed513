import type { GatewayConfig } from '@voxmail/config';
import { Actor, AuthTokenClaims, Revocation, signAuthToken } from '@voxmail/contracts';
import type { CommandBus } from '../common/command-bus';
import type { RevocationView } from './revocation-view';
import { TokenVerifier } from './token-verifier';

const acc = 'a'.repeat(32);
const uid = 'b'.repeat(32);
const keys = [{ kid: 'k1', key: new Uint8Array(32).fill(7) }];

function verifier(o: { current?: boolean; reachable?: boolean; entries?: Record<string, Revocation> } = {}) {
  const view = {
    isCurrent: () => o.current ?? true,
    canAskMailbox: () => o.reachable ?? true,
    get: (k: string) => o.entries?.[k],
  } as unknown as RevocationView;
  const asked: string[] = [];
  const bus = {
    send: async (command: { subject: string }) => {
      asked.push(command.subject);
      return { accountId: acc, role: 'user' } as Actor;
    },
  } as unknown as CommandBus;
  return { v: new TokenVerifier({ tokenKeys: keys } as GatewayConfig, view, bus), asked };
}

const claims = (o: Partial<AuthTokenClaims> = {}): AuthTokenClaims => ({
  acc,
  role: 'admin',
  src: 'user',
  uid,
  aud: 'kazoo',
  iatMs: 1000,
  exp: 2e9,
  ...o,
});

describe('token verification in the gateway', () => {
  it('refuses a token issued at or before a revocation of any of its principals, not one issued after', () => {
    const { v } = verifier({
      entries: { [`user.${uid}`]: { before: 1000 }, [`account.${acc}`]: { before: 500 } },
    });
    expect(() => v.actorOf(claims({ iatMs: 1000 }))).toThrow('invalid or expired auth token');
    expect(v.actorOf(claims({ iatMs: 1001 }))).toEqual({ accountId: acc, role: 'admin', userId: uid });
    // a revocation of the API key does not touch a user's login
    expect(verifier({ entries: { [`apikey.${acc}`]: { before: 5000 } } }).v.actorOf(claims()).role).toBe(
      'admin',
    );
  });

  it('refuses one signed-out token by its jti, not another token of the same user', async () => {
    const one = await signAuthToken({ acc, role: 'admin', src: 'user', uid }, 60, keys);
    const two = await signAuthToken({ acc, role: 'admin', src: 'user', uid }, 60, keys);
    expect(one.claims.jti).toMatch(/^[0-9a-f]{16}$/);
    expect(two.claims.jti).not.toBe(one.claims.jti);
    const { v } = verifier({ entries: { [`token.${one.claims.jti}`]: { before: Date.now() } } });
    await expect(v.verify(one.token)).rejects.toMatchObject({ code: 'unauthenticated' });
    await expect(v.verify(two.token)).resolves.toEqual({ accountId: acc, role: 'admin', userId: uid });
  });

  it("gives an older user token the user's new role", () => {
    const { v } = verifier({ entries: { [`role.${uid}`]: { before: 2000, role: 'user' } } });
    expect(v.actorOf(claims({ iatMs: 1500 })).role).toBe('user');
    expect(v.actorOf(claims({ iatMs: 2500 })).role).toBe('admin');
  });

  it('asks mailbox-service when its view is not current, and answers 503 when NATS is unreachable', async () => {
    const { token } = await signAuthToken({ acc, role: 'admin', src: 'api_key' }, 60, keys);
    const stale = verifier({ current: false });
    await expect(stale.v.verify(token)).resolves.toEqual({ accountId: acc, role: 'user' });
    expect(stale.asked).toEqual(['voxmail.cmd.mailbox.auth.verify_token']);

    const cut = verifier({ current: false, reachable: false });
    await expect(cut.v.verify(token)).rejects.toMatchObject({ code: 'service_unavailable' });
    expect(cut.asked).toEqual([]);
  });

  it('refuses a forged token without asking anyone, whatever the state of its view', async () => {
    const { token } = await signAuthToken({ acc, role: 'admin', src: 'api_key' }, 60, [
      { kid: 'k1', key: new Uint8Array(32).fill(8) },
    ]);
    const stale = verifier({ current: false });
    await expect(stale.v.verify(token)).rejects.toMatchObject({ code: 'unauthenticated' });
    expect(stale.asked).toEqual([]);
  });
});
