import { createHmac } from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import { DomainError } from '@voxmail/contracts';
import { retryDelayMs } from '@voxmail/messaging';
import { SecretSealer, signBody } from './sealing';
import { guardedLookup, refusedAddress, TargetRefused } from '@voxmail/messaging';
import { checkWebhook, isSendableHeader } from './webhook-doc';

describe('refusedAddress', () => {
  it.each([
    '10.0.0.1',
    '172.31.255.255',
    '192.168.0.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    'fc00::1',
    'fe80::1',
    '::',
    '::ffff:192.168.1.1',
    '224.0.0.1',
  ])('refuses %s even when loopback is allowed', (a) => {
    expect(refusedAddress(a, 'loopback')).not.toBeNull();
    expect(refusedAddress(a, false)).not.toBeNull();
    expect(refusedAddress(a, true)).toBeNull();
  });

  it.each(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])('treats %s as loopback', (a) => {
    expect(refusedAddress(a, false)).toBe('a loopback address');
    expect(refusedAddress(a, 'loopback')).toBeNull();
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700::1111', '172.32.0.1'])(
    'lets the public %s through',
    (a) => {
      expect(refusedAddress(a, false)).toBeNull();
    },
  );
});

describe('guardedLookup', () => {
  const resolver =
    (addresses: LookupAddress[]) =>
    (_h: string, _o: { all: true }, cb: (e: NodeJS.ErrnoException | null, a: LookupAddress[]) => void) =>
      cb(null, addresses);
  const run = (addresses: LookupAddress[]) =>
    new Promise<{ err: Error | null; address: unknown }>((resolve) =>
      guardedLookup(false, resolver(addresses))('hook.example', {}, (err, address) =>
        resolve({ err, address }),
      ),
    );

  it('hands the socket the address it checked', async () => {
    const r = await run([{ address: '93.184.216.34', family: 4 }]);
    expect(r.err).toBeNull();
    expect(r.address).toBe('93.184.216.34');
  });

  it('refuses a name with any private answer (DNS rebinding to the metadata address)', async () => {
    const r = await run([
      { address: '93.184.216.34', family: 4 },
      { address: '169.254.169.254', family: 4 },
    ]);
    expect(r.err).toBeInstanceOf(TargetRefused);
  });
});

describe('signing and sealing', () => {
  it('signs the exact body bytes with HMAC-SHA256', () => {
    const body = Buffer.from('{"a":1}');
    expect(signBody('s3cret', body)).toBe(
      `sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`,
    );
  });

  it('seals a secret so the stored form does not show it, and opens it again', () => {
    const s = new SecretSealer('x'.repeat(32));
    const sealed = s.seal('the-secret');
    expect(sealed).not.toContain('the-secret');
    expect(s.open(sealed)).toBe('the-secret');
    expect(() => new SecretSealer('y'.repeat(32)).open(sealed)).toThrow();
  });

  it('doubles the retry delay each attempt, capped', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(1000, n))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(1000, 40)).toBe(3600000);
  });
});

describe('checkWebhook', () => {
  const base = { name: 'n', uri: 'https://crm.example.com/hook', hook: 'all' };
  it('fills Kazoo defaults', () => {
    expect(checkWebhook(base, false)).toEqual({
      ...base,
      http_verb: 'post',
      retries: 3,
      enabled: true,
      headers: {},
    });
  });

  it('refuses localhost unless loopback is allowed', () => {
    expect(() => checkWebhook({ ...base, uri: 'http://localhost:9/x' }, false)).toThrow(DomainError);
    expect(checkWebhook({ ...base, uri: 'http://localhost:9/x' }, 'loopback').uri).toBe(
      'http://localhost:9/x',
    );
  });

  it('refuses header names and values HTTP cannot carry (RFC 9110 token and field-value), naming the header', () => {
    const headersOf = (headers: Record<string, unknown>) => () => checkWebhook({ ...base, headers }, false);
    for (const bad of ['café\u0001', 'a\r\nInjected: 1', 'x\u0000', 'naïve \u20ac', ' padded', 'tab\t']) {
      let err: unknown;
      try {
        headersOf({ 'X-Bad': bad })();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).code).toBe('validation_failed');
      expect(JSON.stringify((err as DomainError).details)).toContain('X-Bad');
    }
    expect(headersOf({ 'Bad Name': 'x' })).toThrow(DomainError);
    expect(headersOf({ 'X-Ok': 'café Bearer\tabc', 'X-Empty': '' })()).toMatchObject({
      headers: { 'X-Ok': 'café Bearer\tabc', 'X-Empty': '' },
    });
  });

  it('judges a stored header sendable as Node would: control and non-Latin-1 characters are not', () => {
    expect(isSendableHeader('X-Bad', 'café\u0001')).toBe(false);
    expect(isSendableHeader('X-Bad', 'price \u20ac')).toBe(false);
    expect(isSendableHeader('Bad Name', 'x')).toBe(false);
    expect(isSendableHeader('X-Bad', 42)).toBe(false);
    // untidy but sendable: an old row that delivered keeps delivering
    expect(isSendableHeader('X-Old', ' padded café ')).toBe(true);
  });
});
