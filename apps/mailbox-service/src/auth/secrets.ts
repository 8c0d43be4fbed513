// Key material derived from VOXMAIL_SECRET: encryption of API keys (Kazoo returns them, so they must be
// recoverable), keyed hashes for lookups, and random credentials.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { SealedSecrets } from '@voxmail/persistence';

export class SecretBox {
  private readonly sealed: SealedSecrets;
  private readonly macKey: Buffer;

  constructor(secret: string) {
    this.sealed = new SealedSecrets(createHash('sha256').update(`voxmail:enc:${secret}`).digest());
    this.macKey = createHash('sha256').update(`voxmail:mac:${secret}`).digest();
  }

  encrypt(plain: string): string {
    return this.sealed.seal(plain);
  }

  decrypt(box: string): string {
    return this.sealed.open(box);
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
