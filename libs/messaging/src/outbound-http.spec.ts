import { AllowedNetworks, LookupFn, refusedTarget, resolveTarget, TargetRefused } from './outbound-http';

const table =
  (t: Record<string, string[]>): LookupFn =>
  (host, _o, cb) => {
    const a = t[host];
    if (!a) return cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), []);
    cb(
      null,
      a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };

describe('trunk targets: public addresses, and private ones only in the operator allowed networks', () => {
  const none = new AllowedNetworks([]);
  const trunks = new AllowedNetworks(['10.20.0.0/16', 'fd00::/8']);

  it('refuses loopback, link-local, private and reserved addresses unless a network allows them', () => {
    for (const a of ['127.0.0.2', '169.254.169.254', '10.0.0.1', '::1', '::ffff:10.0.0.1', '192.168.1.1'])
      expect(refusedTarget(a, none)).not.toBeNull();
    expect(refusedTarget('203.0.114.10', none)).toBeNull();
    expect(refusedTarget('10.20.3.4', trunks)).toBeNull();
    expect(refusedTarget('::ffff:10.20.3.4', trunks)).toBeNull();
    expect(refusedTarget('fd12::1', trunks)).toBeNull();
    expect(refusedTarget('10.21.0.1', trunks)).toMatch(/private/);
    expect(refusedTarget('127.0.0.1', trunks)).toMatch(/loopback/);
  });

  it('resolves a name once and refuses it whole when one answer is refused', async () => {
    const lookup = table({
      ok: ['203.0.114.10'],
      mixed: ['203.0.114.10', '10.0.0.1'],
      inside: ['10.20.0.9'],
    });
    await expect(resolveTarget('ok', none, { lookup })).resolves.toEqual([
      { address: '203.0.114.10', family: 4 },
    ]);
    await expect(resolveTarget('mixed', none, { lookup })).rejects.toThrow(TargetRefused);
    await expect(resolveTarget('inside', none, { lookup })).rejects.toThrow('inside resolves to a private');
    await expect(resolveTarget('inside', trunks, { lookup })).resolves.toHaveLength(1);
    await expect(resolveTarget('[::1]', none)).rejects.toThrow('::1 is a loopback address');
    await expect(resolveTarget('gone', none, { lookup })).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('gives up on a resolver that does not answer in time', async () => {
    await expect(resolveTarget('slow', none, { lookup: () => undefined, timeoutMs: 50 })).rejects.toThrow(
      'slow did not resolve within 50 ms',
    );
  });
});
