import { ConfigError, loadMailboxConfig } from '@voxmail/config';
import { attemptPin, DEFAULT_PIN_POLICY, isLocked, PinLockState } from './pin-lock';

const policy = { maxFailures: 5, lockSeconds: 300 };
const t0 = new Date('2030-01-01T00:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const right = async () => true;
const wrong = async () => false;

describe('PIN lockout', () => {
  it('locks on the fifth wrong PIN in a row, not before', async () => {
    let s: PinLockState = { failures: 0, lockedUntil: null };
    for (let i = 1; i <= 4; i++) {
      const o = await attemptPin(s, wrong, t0, policy);
      expect(o).toEqual({ kind: 'failed', state: { failures: i, lockedUntil: null }, lockedNow: null });
      s = o.state;
    }
    const fifth = await attemptPin(s, wrong, t0, policy);
    expect(fifth).toEqual({
      kind: 'failed',
      state: { failures: 0, lockedUntil: at(300) },
      lockedNow: at(300),
    });
    expect(isLocked(fifth.state, at(299))).toBe(true);
    expect(isLocked(fifth.state, at(300))).toBe(false);
  });

  it('a right PIN resets the count of failures', async () => {
    const o = await attemptPin({ failures: 4, lockedUntil: null }, right, t0, policy);
    expect(o).toEqual({ kind: 'verified', state: { failures: 0, lockedUntil: null } });
    const next = await attemptPin(o.state, wrong, t0, policy);
    expect(next.state.failures).toBe(1);
  });

  it('refuses even the right PIN while locked, without checking it', async () => {
    const check = jest.fn(right);
    const o = await attemptPin({ failures: 0, lockedUntil: at(10) }, check, t0, policy);
    expect(o).toEqual({ kind: 'locked', state: { failures: 0, lockedUntil: at(10) }, lockedUntil: at(10) });
    expect(check).not.toHaveBeenCalled();
  });

  it('checks the PIN again once the lock has ended', async () => {
    const o = await attemptPin({ failures: 0, lockedUntil: at(10) }, right, at(11), policy);
    expect(o.kind).toBe('verified');
    expect(o.state).toEqual({ failures: 0, lockedUntil: null });
  });
});

describe('PIN_LOCK_SECONDS (MailboxConfig.pinLockSeconds)', () => {
  const secrets = { VOXMAIL_SECRET: 's'.repeat(32), VOXMAIL_OPERATOR_API_KEY: 'k'.repeat(24) };
  const lock = (v?: string) =>
    loadMailboxConfig(v === undefined ? secrets : { ...secrets, PIN_LOCK_SECONDS: v }).pinLockSeconds;

  it('defaults to 300 seconds and 5 failures', () => {
    expect(DEFAULT_PIN_POLICY).toEqual({ maxFailures: 5, lockSeconds: 300 });
    expect(lock()).toBe(300);
    expect(lock('')).toBe(DEFAULT_PIN_POLICY.lockSeconds);
  });

  it('takes a whole number of seconds from 1 to 86400', () => {
    expect(lock('1')).toBe(1);
    expect(lock('86400')).toBe(86400);
  });

  it.each(['0', '86401', '-5', '2.5', '5m', 'abc'])('refuses %p with a message naming the variable', (v) => {
    expect(() => lock(v)).toThrow(ConfigError);
    expect(() => lock(v)).toThrow(/PIN_LOCK_SECONDS must be an integer.* between 1 and 86400/);
  });
});
