// The signed links of voicemail slots: the account manager's URL shape around the application's signer.
import { LinkCheck, LinkSigner } from '../../application/signed-links';

export type LinkPurpose = 'upload' | 'download';

export interface LinkTarget {
  tenantId: string;
  slotId: string;
}

const partsOf = (purpose: LinkPurpose, t: LinkTarget) => [purpose, t.tenantId, t.slotId];

export class SlotLinks {
  private readonly signer: LinkSigner;

  constructor(
    secret: string,
    private readonly baseUrl: string,
    now: () => number = Date.now,
  ) {
    this.signer = new LinkSigner(secret, 'flexisip-links', now);
  }

  static path(purpose: LinkPurpose, t: LinkTarget): string {
    return `/api/voicemail_files/${t.tenantId}/${t.slotId}/${purpose}`;
  }

  /** An absolute link valid until `expiresAtMs` (whole seconds, as Laravel signs them). */
  url(purpose: LinkPurpose, t: LinkTarget, expiresAtMs: number): string {
    return `${this.baseUrl}${SlotLinks.path(purpose, t)}?${this.signer.query(partsOf(purpose, t), expiresAtMs)}`;
  }

  /**
   * The upload URL: the account manager's path `/api/files/{uuid}`, which its admin `x-api-key` opens
   * (Flexisip's VoicemailServer posts to the path alone), signed in the query for clients that use the
   * whole URL as their credential.
   */
  uploadUrl(t: LinkTarget, expiresAtMs: number): string {
    const query = this.signer.query(partsOf('upload', t), expiresAtMs);
    return `${this.baseUrl}/api/files/${t.slotId}?account=${t.tenantId}&${query}`;
  }

  verify(purpose: LinkPurpose, t: LinkTarget, expires: unknown, signature: unknown): LinkCheck {
    return this.signer.verify(partsOf(purpose, t), expires, signature);
  }
}
