import {
  AccountSchema,
  decodeKey,
  encodeKey,
  fromGregorian,
  mergePatch,
  newId,
  revisionOf,
  toGregorian,
  UserSchema,
  validateDocument,
  withoutReservedKeys,
} from './index';
import { DomainError, ErrorCode } from './errors';

describe('Kazoo document conventions', () => {
  it('makes 32-hex ids', () => {
    expect(newId()).toMatch(/^[0-9a-f]{32}$/);
    expect(newId()).not.toBe(newId());
  });

  it('converts Gregorian seconds both ways', () => {
    const d = new Date('2016-05-10T00:18:42Z');
    expect(toGregorian(d)).toBe(63630058722);
    expect(fromGregorian(63630058722).toISOString()).toBe('2016-05-10T00:18:42.000Z');
  });

  it('changes the revision with every version', () => {
    expect(revisionOf('a', 1)).toMatch(/^1-[0-9a-f]{32}$/);
    expect(revisionOf('a', 2)).not.toBe(revisionOf('a', 1));
  });

  it('merges like RFC 7396: null removes, objects merge, the rest replaces', () => {
    expect(
      mergePatch({ a: 1, b: { c: 2, d: 3 }, e: [1] }, { a: null, b: { c: null, x: 1 }, e: [2], f: 'n' }),
    ).toEqual({
      b: { d: 3, x: 1 },
      e: [2],
      f: 'n',
    });
  });

  it('drops ids and private keys a client may not set', () => {
    expect(withoutReservedKeys({ id: 'x', _read_only: {}, pvt_type: 'user', _rev: '1', name: 'n' })).toEqual({
      name: 'n',
    });
  });

  it('round-trips opaque URL-safe keys and refuses forged ones', () => {
    const k = encodeKey(['123', 'abc']);
    expect(k).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeKey(k)).toEqual(['123', 'abc']);
    expect(decodeKey('not-json')).toBeUndefined();
    expect(decodeKey(Buffer.from('{"a":1}').toString('base64url'))).toBeUndefined();
  });
});

describe('document validation', () => {
  it('fills schema defaults', () => {
    expect(validateDocument(UserSchema, { first_name: 'a', last_name: 'b' })).toEqual(
      expect.objectContaining({ priv_level: 'user', enabled: true }),
    );
  });

  it("reports Kazoo's {field: {rule: {message}}} details for every failure at once", () => {
    try {
      validateDocument(AccountSchema, { realm: 'a', timezone: 'Nowhere/City', max_message_count: 0 });
      throw new Error('should have failed');
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      const err = e as DomainError;
      expect(err.code).toBe(ErrorCode.ValidationFailed);
      expect(err.details).toEqual({
        name: { required: { message: 'Field is required but missing' } },
        realm: { minLength: { message: 'String must be at least 4 characters', target: 4 } },
        timezone: { format: expect.objectContaining({ message: 'Value is not a known IANA time zone' }) },
        max_message_count: { minimum: { message: 'Value must be at least 1', target: 1 } },
      });
    }
  });

  it.each([['Japan'], ['Egypt'], ['Etc/GMT+5'], ['America/Argentina/Buenos_Aires']])(
    'accepts the IANA zone %s',
    (tz) => {
      expect(validateDocument(AccountSchema, { name: 'x', timezone: tz }).timezone).toBe(tz);
    },
  );

  it.each([['Mars/Olympus'], ['+01:00'], ['Europe/Parisx']])('refuses %s as a time zone', (tz) => {
    expect(() => validateDocument(AccountSchema, { name: 'x', timezone: tz })).toThrow(DomainError);
  });

  it('accepts real IANA zones and keeps custom keys', () => {
    expect(
      validateDocument(AccountSchema, { name: 'x', timezone: 'America/Los_Angeles', custom: { a: 1 } }),
    ).toEqual(expect.objectContaining({ timezone: 'America/Los_Angeles', custom: { a: 1 } }));
  });

  it('checks bounds at, below and above', () => {
    const name = (n: number) => () => validateDocument(AccountSchema, { name: 'x'.repeat(n) });
    expect(name(0)).toThrow(DomainError);
    expect(name(1)).not.toThrow();
    expect(name(128)).not.toThrow();
    expect(name(129)).toThrow(DomainError);
  });
});
