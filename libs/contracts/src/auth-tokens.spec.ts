import { createHmac } from 'node:crypto';
import {
  AuthTokenKey,
  parseRevocation,
  refusingKeysOf,
  roleKeyOf,
  signAuthToken,
  verifyAuthToken,
} from './auth-tokens';

const key = (kid: string, fill: number): AuthTokenKey => ({ kid, key: new Uint8Array(32).fill(fill) });
const acc = 'a'.repeat(32);
const uid = 'b'.repeat(32);

describe('auth tokens', () => {
  it('verifies what it signed, with the claims a gateway needs', async () => {
    const { token, claims, expiresAt } = await signAuthToken({ acc, role: 'admin', src: 'user', uid }, 3600, [
      key('k1', 1),
    ]);
    const verified = await verifyAuthToken(token, [key('k1', 1)]);
    expect(verified).toEqual(
      expect.objectContaining({ acc, role: 'admin', src: 'user', uid, iatMs: claims.iatMs }),
    );
    expect(verified.exp * 1000).toBe(expiresAt.getTime());
    expect(token.length).toBeLessThan(512);
  });

  it('keeps verifying tokens of an older key after rotation, and refuses an unknown kid', async () => {
    const old = await signAuthToken({ acc, role: 'admin', src: 'api_key' }, 60, [key('k1', 1)]);
    await expect(verifyAuthToken(old.token, [key('k2', 2), key('k1', 1)])).resolves.toBeDefined();
    await expect(verifyAuthToken(old.token, [key('k2', 2)])).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    // the same kid with another key: a forged signature
    await expect(verifyAuthToken(old.token, [key('k1', 9)])).rejects.toMatchObject({
      code: 'unauthenticated',
    });
  });

  it('refuses an expired token, a changed payload and an unsigned (alg none) token', async () => {
    const keys = [key('k1', 1)];
    const expired = await signAuthToken(
      { acc, role: 'admin', src: 'api_key' },
      10,
      keys,
      Date.now() - 11_000,
    );
    await expect(verifyAuthToken(expired.token, keys)).rejects.toMatchObject({ code: 'unauthenticated' });

    const { token } = await signAuthToken({ acc, role: 'user', src: 'api_key' }, 60, keys);
    const [h, p, sig] = token.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const elevated = Buffer.from(JSON.stringify({ ...payload, role: 'operator' })).toString('base64url');
    await expect(verifyAuthToken(`${h}.${elevated}.${sig}`, keys)).rejects.toMatchObject({
      code: 'unauthenticated',
    });

    const none = Buffer.from(JSON.stringify({ alg: 'none', kid: 'k1' })).toString('base64url');
    await expect(verifyAuthToken(`${none}.${p}.`, keys)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('accepts a token only for the purpose it was minted for (aud), and one without a purpose nowhere', async () => {
    const keys = [key('k1', 1)];
    const claims = { acc, role: 'admin' as const, src: 'api_client' as const, cid: uid };
    const access = await signAuthToken({ ...claims, aud: 'yeastar_access' }, 1800, keys);
    const refresh = await signAuthToken({ ...claims, aud: 'yeastar_refresh' }, 3600, keys);
    const kazoo = await signAuthToken(claims, 3600, keys);
    await expect(verifyAuthToken(access.token, keys, 'yeastar_access')).resolves.toMatchObject({
      aud: 'yeastar_access',
    });
    for (const [token, wrong] of [
      [access.token, 'kazoo'],
      [access.token, 'yeastar_refresh'],
      [refresh.token, 'kazoo'],
      [refresh.token, 'yeastar_access'],
      [kazoo.token, 'yeastar_access'],
      [kazoo.token, 'yeastar_refresh'],
    ] as const)
      await expect(verifyAuthToken(token, keys, wrong)).rejects.toMatchObject({ code: 'unauthenticated' });
    // the face's lifetime is in the token itself, so it holds wherever the token is checked
    expect(access.claims.exp - Math.floor(access.claims.iatMs / 1000)).toBe(1800);

    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const h = b64({ alg: 'HS256', kid: 'k1' });
    const p = b64({ ...claims, iatMs: Date.now(), exp: Math.floor(Date.now() / 1000) + 60 });
    const sig = createHmac('sha256', Buffer.from(keys[0].key)).update(`${h}.${p}`).digest('base64url');
    await expect(verifyAuthToken(`${h}.${p}.${sig}`, keys)).rejects.toMatchObject({
      code: 'unauthenticated',
    });
  });

  it('refuses a well-signed token whose claims are not the expected shapes', async () => {
    const k = key('k1', 1);
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const h = b64({ alg: 'HS256', kid: 'k1' });
    const p = b64({
      acc: 'not-hex',
      role: 'admin',
      src: 'api_key',
      iatMs: 1,
      exp: Math.floor(Date.now() / 1000) + 60,
    });
    const sig = createHmac('sha256', Buffer.from(k.key)).update(`${h}.${p}`).digest('base64url');
    await expect(verifyAuthToken(`${h}.${p}.${sig}`, [k])).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('keys revocations by the principals of each kind of token', () => {
    const cid = 'c'.repeat(32);
    expect(refusingKeysOf({ acc, src: 'api_key' })).toEqual([`account.${acc}`, `apikey.${acc}`]);
    expect(refusingKeysOf({ acc, src: 'user', uid })).toEqual([`account.${acc}`, `user.${uid}`]);
    // a client owned by a user stands for it: disabling or deleting the user refuses its tokens too
    expect(refusingKeysOf({ acc, src: 'api_client', uid, cid })).toEqual([
      `account.${acc}`,
      `client.${cid}`,
      `user.${uid}`,
    ]);
    expect(refusingKeysOf({ acc, src: 'api_client', cid })).toEqual([`account.${acc}`, `client.${cid}`]);
    expect(roleKeyOf({ src: 'user', uid })).toBe(`role.${uid}`);
    expect(roleKeyOf({ src: 'api_client', uid })).toBeUndefined();
  });

  it('reads a malformed revocation as refusing everything issued until now', () => {
    expect(parseRevocation('{"before":5,"role":"user"}')).toEqual({ before: 5, role: 'user' });
    expect(parseRevocation('{"before":5,"role":"root"}')).toEqual({ before: 5 });
    const before = Date.now();
    expect(parseRevocation('garbage').before).toBeGreaterThanOrEqual(before);
  });
});
