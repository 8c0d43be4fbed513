// Webhook signing secrets must be read back to sign, so they are sealed (AES-256-GCM under a key derived
// from VOXMAIL_SECRET) rather than hashed; a database dump alone does not reveal them.
import { createHmac, hkdfSync } from 'node:crypto';
import { SealedSecrets } from '@voxmail/persistence';

export class SecretSealer {
  private readonly sealed: SealedSecrets;

  constructor(masterSecret: string) {
    const key = Buffer.from(hkdfSync('sha256', masterSecret, 'voxmail', 'voxmail:webhook-secret', 32));
    // base64 parts: the form stored since webhooks were first sealed
    this.sealed = new SealedSecrets(key, 'base64');
  }

  seal(plain: string): string {
    return this.sealed.seal(plain);
  }

  open(sealed: string): string {
    return this.sealed.open(sealed);
  }
}

/** The signature header's value: `sha256=<hex HMAC-SHA256 of the exact body bytes>`. */
export function signBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
