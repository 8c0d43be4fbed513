import { addressBlocksBeforeCheck, counterKeys } from './login-limits';

describe('login limit counters', () => {
  it('keep address, (address, target) and target apart, and never store them in clear', () => {
    const k = counterKeys({ kind: 'user', address: '10.0.0.1', target: 'acme' });
    expect(new Set(Object.values(k)).size).toBe(3);
    for (const v of Object.values(k)) {
      expect(v).toMatch(/^[0-9a-f]{64}$/);
      expect(v).not.toContain('10.0.0.1');
    }
  });

  it('share the address counter across targets and kinds, but not the target counters', () => {
    const a = counterKeys({ kind: 'user', address: '10.0.0.1', target: 'acme' });
    const b = counterKeys({ kind: 'api_key', address: '10.0.0.1', target: 'acme' });
    const c = counterKeys({ kind: 'user', address: '10.0.0.2', target: 'acme' });
    expect(b.address).toBe(a.address);
    expect(b.target).not.toBe(a.target);
    expect(b.pair).not.toBe(a.pair);
    expect(c.target).toBe(a.target);
    expect(c.pair).not.toBe(a.pair);
  });

  it('cannot be confused by a target that embeds the separator', () => {
    const a = counterKeys({ kind: 'user', address: '10.0.0.1\u0000user', target: 'x' });
    const b = counterKeys({ kind: 'user', address: '10.0.0.1', target: 'user\u0000x' });
    expect(b.pair).not.toBe(a.pair);
  });

  it('refuse before checking only guessable credentials when the address is over its limit', () => {
    expect(addressBlocksBeforeCheck('user')).toBe(true);
    expect(addressBlocksBeforeCheck('api_key')).toBe(false);
    expect(addressBlocksBeforeCheck('api_client')).toBe(false);
  });
});
