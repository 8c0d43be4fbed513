// Yeastar play links `/api/download/<opaque>.<ext>`: the link is the credential, bound to one greeting of
// one tenant and to its expiry by an HMAC keyed from VOXMAIL_SECRET; nothing else is needed to download.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface PlayTarget {
  tenantId: string;
  mediaId: string;
}

const OPAQUE =
  /^VoicemailGreeting-([0-9a-f]{32})([0-9a-f]{32})-(\d{1,12})-([A-Za-z0-9_-]{43})\.(wav|mp3|gsm)$/;

export class PlayLinks {
  private readonly key: Buffer;

  constructor(
    secret: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createHash('sha256').update(`voxmail:yeastar-play-links:${secret}`).digest();
  }

  private signature(t: PlayTarget, expires: number, ext: string): string {
    return createHmac('sha256', this.key)
      .update(`${t.tenantId}\n${t.mediaId}\n${expires}\n${ext}`)
      .digest('base64url');
  }

  /** The relative `play_resource_url`, valid for `ttlSeconds` from now. */
  path(t: PlayTarget, ext: string, ttlSeconds: number): string {
    const expires = Math.floor(this.now() / 1000) + ttlSeconds;
    return `/api/download/VoicemailGreeting-${t.tenantId}${t.mediaId}-${expires}-${this.signature(t, expires, ext)}.${ext}`;
  }

  /** The greeting a link names, 'expired', or 'invalid' (malformed, tampered, another link's signature). */
  verify(file: string): PlayTarget | 'expired' | 'invalid' {
    const m = OPAQUE.exec(file);
    if (!m) return 'invalid';
    const t = { tenantId: m[1], mediaId: m[2] };
    const expires = Number(m[3]);
    const want = Buffer.from(this.signature(t, expires, m[5]));
    const got = Buffer.from(m[4]);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return 'invalid';
    return expires * 1000 <= this.now() ? 'expired' : t;
  }
}
