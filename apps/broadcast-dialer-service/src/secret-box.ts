// AES-256-GCM for the secrets the dialer must use in clear (Onbuka API secrets: md5 needs them; trunk
// passwords: digest auth needs them). The key is derived from VOXMAIL_SECRET with the dialer's own label,
// so a leak of another service's key opens nothing here.
import { createHash } from 'node:crypto';
import { SealedSecrets } from '@voxmail/persistence';

export class SecretBox {
  private readonly sealed: SealedSecrets;

  constructor(secret: string) {
    this.sealed = new SealedSecrets(createHash('sha256').update(`voxmail:dialer:enc:${secret}`).digest());
  }

  encrypt(plain: string): string {
    return this.sealed.seal(plain);
  }

  decrypt(box: string): string {
    return this.sealed.open(box);
  }
}
