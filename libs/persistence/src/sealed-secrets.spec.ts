import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { SealedSecrets } from './sealed-secrets';

const key = createHash('sha256').update('k').digest();

describe('SealedSecrets', () => {
  it('opens what it sealed, and a tampered or foreign box never opens', () => {
    const s = new SealedSecrets(key);
    const box = s.seal('api-key-123');
    expect(box).not.toContain('api-key-123');
    expect(s.open(box)).toBe('api-key-123');
    const [v, iv, tag, ct] = box.split('.');
    const flipped = Buffer.from(ct, 'base64url');
    flipped[0] ^= 1;
    expect(() => s.open([v, iv, tag, flipped.toString('base64url')].join('.'))).toThrow();
    expect(() => new SealedSecrets(createHash('sha256').update('other').digest()).open(box)).toThrow();
  });

  it.each(['base64url', 'base64'] as const)('reads rows written before it, %s parts', (encoding) => {
    // the form the services wrote by hand before sharing this class
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv);
    const ct = Buffer.concat([c.update('secret', 'utf8'), c.final()]);
    const old = ['v1', iv.toString(encoding), c.getAuthTag().toString(encoding), ct.toString(encoding)].join(
      '.',
    );
    expect(new SealedSecrets(key, encoding).open(old)).toBe('secret');
  });
});
