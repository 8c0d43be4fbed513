// Yeastar's refresh_token: a platform token of the same API client, marked by an HMAC so that an access
// token cannot be used to refresh and a refresh token is never accepted as an access token.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const SEP = '~';

export class RefreshTokens {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHash('sha256').update(`voxmail:yeastar-refresh:${secret}`).digest();
  }

  private mac(token: string): string {
    return createHmac('sha256', this.key).update(token).digest('base64url');
  }

  wrap(platformToken: string): string {
    return `${platformToken}${SEP}${this.mac(platformToken)}`;
  }

  /** The platform token inside a refresh token, or undefined when it is not one this face made. */
  unwrap(refreshToken: string): string | undefined {
    const i = refreshToken.lastIndexOf(SEP);
    if (i <= 0) return undefined;
    const token = refreshToken.slice(0, i);
    const want = Buffer.from(this.mac(token));
    const got = Buffer.from(refreshToken.slice(i + 1));
    return want.length === got.length && timingSafeEqual(want, got) ? token : undefined;
  }
}

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
