import { DomainError } from './errors';
import { NO_LIMITS, parseLimits } from './limits';

describe('parseLimits', () => {
  it('reads a replacement: absent limits are null (the default), weight 1', () => {
    expect(parseLimits({ max_queued_calls: 500, max_vmboxes: null })).toEqual({
      ...NO_LIMITS,
      max_queued_calls: 500,
    });
    expect(parseLimits({ dialer_weight: 5, id: 'ignored' }).dialer_weight).toBe(5);
  });

  it('names every bad or unknown key', () => {
    let err: DomainError | undefined;
    try {
      parseLimits({ max_users: -1, calls_per_second: 1.5, dialer_weight: 0, max_cats: 1 });
    } catch (e) {
      err = e as DomainError;
    }
    expect(Object.keys(err?.details ?? {}).sort()).toEqual([
      'calls_per_second',
      'dialer_weight',
      'max_cats',
      'max_users',
    ]);
  });
});
