// Signed, expiring links of voicemail slots (Laravel's `?expires=&signature=` style): the link is the
// credential, bound to its purpose, tenant and slot by an HMAC keyed from VOXMAIL_SECRET.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type LinkPurpose = 'upload' | 'download';

export interface LinkTarget {
  tenantId: string;
  slotId: string;
}

export class SlotLinks {
  private readonly key: Buffer;

  constructor(
    secret: string,
    private readonly baseUrl: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createHash('sha256').update(`voxmail:flexisip-links:${secret}`).digest();
  }

  private signature(purpose: LinkPurpose, t: LinkTarget, expires: number): string {
    return createHmac('sha256', this.key)
      .update(`${purpose}\n${t.tenantId}\n${t.slotId}\n${expires}`)
      .digest('base64url');
  }

  static path(purpose: LinkPurpose, t: LinkTarget): string {
    return `/api/voicemail_files/${t.tenantId}/${t.slotId}/${purpose}`;
  }

  /** An absolute link valid until `expiresAtMs` (whole seconds, as Laravel signs them). */
  url(purpose: LinkPurpose, t: LinkTarget, expiresAtMs: number): string {
    const expires = Math.floor(expiresAtMs / 1000);
    return `${this.baseUrl}${SlotLinks.path(purpose, t)}?expires=${expires}&signature=${this.signature(purpose, t, expires)}`;
  }

  /** 'ok', 'expired', or 'invalid' (tampered, another slot's or purpose's signature, missing). */
  verify(
    purpose: LinkPurpose,
    t: LinkTarget,
    expires: unknown,
    signature: unknown,
  ): 'ok' | 'expired' | 'invalid' {
    if (typeof expires !== 'string' || !/^\d{1,12}$/.test(expires) || typeof signature !== 'string')
      return 'invalid';
    const want = Buffer.from(this.signature(purpose, t, Number(expires)));
    const got = Buffer.from(signature);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return 'invalid';
    return Number(expires) * 1000 <= this.now() ? 'expired' : 'ok';
  }
}
