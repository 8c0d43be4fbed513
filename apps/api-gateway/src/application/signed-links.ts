// Signed, expiring links (Laravel's `?expires=&signature=` style): the link is the credential, bound to
// what it names by an HMAC keyed from VOXMAIL_SECRET. Faces choose what a link names and its URL shape.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type LinkCheck = 'ok' | 'expired' | 'invalid';

export class LinkSigner {
  private readonly key: Buffer;

  /** `domain` separates the keys of different link families (one face's links never verify as another's). */
  constructor(
    secret: string,
    domain: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createHash('sha256').update(`voxmail:${domain}:${secret}`).digest();
  }

  /** The signature of `parts` until `expires` (whole seconds since the epoch). */
  sign(parts: readonly string[], expires: number): string {
    return createHmac('sha256', this.key)
      .update(`${parts.join('\n')}\n${expires}`)
      .digest('base64url');
  }

  /** The `expires` and `signature` query values of a link valid until `expiresAtMs`. */
  query(parts: readonly string[], expiresAtMs: number): string {
    const expires = Math.floor(expiresAtMs / 1000);
    return `expires=${expires}&signature=${this.sign(parts, expires)}`;
  }

  /** 'ok', 'expired', or 'invalid' (tampered, another target's signature, missing). */
  verify(parts: readonly string[], expires: unknown, signature: unknown): LinkCheck {
    if (typeof expires !== 'string' || !/^\d{1,12}$/.test(expires) || typeof signature !== 'string')
      return 'invalid';
    const want = Buffer.from(this.sign(parts, Number(expires)));
    const got = Buffer.from(signature);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return 'invalid';
    return Number(expires) * 1000 <= this.now() ? 'expired' : 'ok';
  }
}
