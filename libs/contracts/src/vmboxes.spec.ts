import { DomainError, ErrorCode } from './errors';
import { validatePinAttempt, validateVmbox } from './vmboxes';

const detailsOf = (f: () => unknown): Record<string, Record<string, { message: string }>> => {
  try {
    f();
  } catch (e) {
    expect((e as DomainError).code).toBe(ErrorCode.ValidationFailed);
    return (e as DomainError).details as Record<string, Record<string, { message: string }>>;
  }
  throw new Error('expected a validation error');
};

describe('vmbox schema', () => {
  it('requires name and mailbox with Kazoo’s message', () => {
    expect(detailsOf(() => validateVmbox({}))).toEqual({
      name: { required: { message: 'Field is required but missing' } },
      mailbox: { required: { message: 'Field is required but missing' } },
    });
  });

  it('keeps custom keys and fills defaults in place', () => {
    const doc = { name: 'n', mailbox: '1', custom: { a: 1 } };
    validateVmbox(doc);
    expect(doc).toEqual(
      expect.objectContaining({ custom: { a: 1 }, media: {}, seek_duration_ms: 10000, check_if_owner: true }),
    );
  });
});

describe('a PIN attempt', () => {
  it('is 4 to 6 digits', () => {
    expect(validatePinAttempt({ pin: '0000' })).toEqual({ pin: '0000' });
    expect(validatePinAttempt({ pin: '012345' })).toEqual({ pin: '012345' });
  });

  it.each([['123'], ['1234567'], ['12a4'], ['١٢٣٤']])('refuses %p saying digits', (pin) => {
    const d = detailsOf(() => validatePinAttempt({ pin }));
    expect(Object.keys(d.pin).length).toBeGreaterThan(0);
    for (const r of Object.values(d.pin)) expect(r.message).toBe('PIN must be 4 to 6 digits (0-9)');
  });

  it('requires the pin', () => {
    expect(detailsOf(() => validatePinAttempt({}))).toEqual({
      pin: { required: { message: 'Field is required but missing' } },
    });
  });
});
