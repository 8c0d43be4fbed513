// PIN lockout rules, kept pure so they can be tested without a database: N wrong PINs in a row lock
// the box for a while; a right PIN resets the count; attempts during a lock are refused unchecked.
export interface PinPolicy {
  /** Wrong PINs in a row that lock the box. */
  maxFailures: number;
  lockSeconds: number;
}

export const DEFAULT_PIN_POLICY: PinPolicy = { maxFailures: 5, lockSeconds: 300 };

export interface PinLockState {
  failures: number;
  lockedUntil: Date | null;
}

export type PinOutcome =
  | { kind: 'locked'; state: PinLockState; lockedUntil: Date }
  | { kind: 'verified'; state: PinLockState }
  | { kind: 'failed'; state: PinLockState; lockedNow: Date | null };

export function isLocked(s: PinLockState, now: Date): boolean {
  return s.lockedUntil !== null && s.lockedUntil.getTime() > now.getTime();
}

/**
 * The next state after an attempt. `matches` checks the PIN and is not called while the box is locked,
 * so a locked box reveals nothing. The attempt that reaches `maxFailures` starts the lock and resets
 * the count, so the box gets a fresh series once the lock ends.
 */
export async function attemptPin(
  s: PinLockState,
  matches: () => Promise<boolean>,
  now: Date,
  p: PinPolicy,
): Promise<PinOutcome> {
  if (isLocked(s, now)) return { kind: 'locked', state: s, lockedUntil: s.lockedUntil! };
  if (await matches()) return { kind: 'verified', state: { failures: 0, lockedUntil: null } };
  const failures = s.failures + 1;
  if (failures >= p.maxFailures) {
    const until = new Date(now.getTime() + p.lockSeconds * 1000);
    return { kind: 'failed', state: { failures: 0, lockedUntil: until }, lockedNow: until };
  }
  return { kind: 'failed', state: { failures, lockedUntil: null }, lockedNow: null };
}
