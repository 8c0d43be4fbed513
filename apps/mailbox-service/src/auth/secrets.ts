// Key material derived from VOXMAIL_SECRET: encryption of API keys (Kazoo returns them, so they must be
// recoverable), keyed hashes for lookups, and random credentials.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

export class SecretBox {
  private readonly encKey: Buffer;
  private readonly macKey: Buffer;

  constructor(secret: string) {
    this.encKey = createHash('sha256').update(`voxmail:enc:${secret}`).digest();
    this.macKey = createHash('sha256').update(`voxmail:mac:${secret}`).digest();
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.encKey, iv);
    const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return [
      'v1',
      iv.toString('base64url'),
      c.getAuthTag().toString('base64url'),
      ct.toString('base64url'),
    ].join('.');
  }

  decrypt(box: string): string {
    const [v, iv, tag, ct] = box.split('.');
    if (v !== 'v1') throw new Error('unknown secret box version');
    const d = createDecipheriv('aes-256-gcm', this.encKey, Buffer.from(iv, 'base64url'));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
  }

  /** Keyed hash for looking up high-entropy secrets (API keys, client secrets). */
  mac(value: string): string {
    return createHmac('sha256', this.macKey).update(value).digest('hex');
  }
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** 64 hex characters, like Kazoo's API keys. */
export function newApiKey(): string {
  return randomBytes(32).toString('hex');
}
