// Yeastar's tokens are platform tokens minted for this face's purposes (`yeastar_access`,
// `yeastar_refresh`: the `aud` claim, checked by libs/contracts verifyAuthToken), each signed on its own,
// so neither contains nor stands for the other, nor for a `/v2` token.

/** Issue time of a (verified) platform token, from its payload; undefined when unreadable. */
export function issuedAtMs(token: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      iatMs?: unknown;
      iat?: unknown;
    };
    if (typeof payload.iatMs === 'number') return payload.iatMs;
    if (typeof payload.iat === 'number') return payload.iat * 1000;
    return undefined;
  } catch {
    return undefined;
  }
}
