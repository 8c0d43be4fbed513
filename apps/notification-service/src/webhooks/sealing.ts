// Webhook signing secrets must be read back to sign, so they are sealed (AES-256-GCM under a key derived
// from VOXMAIL_SECRET) rather than hashed; a database dump alone does not reveal them.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

export class SecretSealer {
  private readonly key: Buffer;

  constructor(masterSecret: string) {
    this.key = Buffer.from(hkdfSync('sha256', masterSecret, 'voxmail', 'voxmail:webhook-secret', 32));
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return ['v1', iv.toString('base64'), c.getAuthTag().toString('base64'), body.toString('base64')].join(
      '.',
    );
  }

  open(sealed: string): string {
    const [v, iv, tag, body] = sealed.split('.');
    if (v !== 'v1') throw new Error('unknown sealed secret version');
    const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    d.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([d.update(Buffer.from(body, 'base64')), d.final()]).toString('utf8');
  }
}

/** The signature header's value: `sha256=<hex HMAC-SHA256 of the exact body bytes>`. */
export function signBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Exponential backoff: base, 2*base, 4*base ... capped at an hour. */
export function retryDelayMs(baseMs: number, attemptsSoFar: number): number {
  return Math.min(3600000, baseMs * 2 ** Math.max(0, attemptsSoFar - 1));
}
