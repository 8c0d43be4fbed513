// Secrets a service must read back in clear (API keys Kazoo shows again, Onbuka secrets md5 needs, trunk
// passwords digest auth needs, webhook signing secrets), kept at rest as AES-256-GCM `v1.<iv>.<tag>.<ct>`.
// Each service derives its own key, so one service's key opens nothing of another's.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export class SealedSecrets {
  constructor(
    private readonly key: Buffer,
    /** How the parts are written; fixed per service, since rows already stored must still open. */
    private readonly encoding: 'base64url' | 'base64' = 'base64url',
  ) {}

  seal(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return ['v1', iv, c.getAuthTag(), ct]
      .map((p) => (typeof p === 'string' ? p : p.toString(this.encoding)))
      .join('.');
  }

  open(sealed: string): string {
    const [v, iv, tag, ct] = sealed.split('.');
    if (v !== 'v1') throw new Error('unknown sealed secret version');
    const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, this.encoding));
    d.setAuthTag(Buffer.from(tag, this.encoding));
    return Buffer.concat([d.update(Buffer.from(ct, this.encoding)), d.final()]).toString('utf8');
  }
}
