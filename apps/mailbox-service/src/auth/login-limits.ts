// Failed-login limits, shared by every replica through PostgreSQL (mailbox.auth_failures).
//
// Three fixed-window counters per failed attempt, keyed by hashes (no address or credential in clear):
//   - (address, target): the real limit, `limit` failures, so one client cannot keep guessing one target;
//   - target, from any address: `limit * TARGET_FACTOR`, so a guess spread over many addresses stops too;
//   - address, at any target: `limit * ADDRESS_FACTOR`, so one address cannot spray many targets.
// A target is what the credential names: the account (name or realm) for user_auth, the key's HMAC for
// api_auth, the client id for api_client_auth. A success clears only its own target's counters, never
// the address's, and never another target's: one valid credential cannot buy more guesses at others.
// Behind a shared NAT or proxy many clients share an address: an address over its limit is refused
// before checking only for user_auth (guessable passwords, argon2 work); an API key or client secret
// (256 random bits, not guessable) is still checked, and only a wrong one gets 429.
import { DomainError, ErrorCode, FAILED_LOGINS } from '@voxmail/contracts';
import { AuthFailuresRepository, CounterRow } from './auth-failures.repository';
import { sha256Hex } from './secrets';

export const TARGET_FACTOR = 5;
export const ADDRESS_FACTOR = 10;

export type LoginKind = 'user' | 'api_key' | 'api_client';

export interface LoginAttempt {
  kind: LoginKind;
  /** The caller's address as the gateway saw it. */
  address: string;
  /** What the credential names (see above); already free of secrets, but hashed anyway before storing. */
  target: string;
}

export interface LimitSettings {
  limit: number;
  windowSeconds: number;
}

/** The three counter keys of an attempt; pure, so the unit test can pin that targets never collide. */
export function counterKeys(a: LoginAttempt): { address: string; pair: string; target: string } {
  // JSON arrays, not joined strings: no address or target can be crafted to collide with another
  const h = (...parts: string[]) => sha256Hex(JSON.stringify(parts));
  return {
    address: h('address', a.address),
    pair: h('pair', a.address, a.kind, a.target),
    target: h('target', a.kind, a.target),
  };
}

/** Whether the address counter alone refuses the attempt before its credential is checked. */
export const addressBlocksBeforeCheck = (kind: LoginKind) => kind === 'user';

export class LoginLimits {
  constructor(
    private readonly failures: AuthFailuresRepository,
    private readonly settings: LimitSettings,
  ) {}

  /**
   * Runs `attempt` under the limits: 429 (with retry_after_s) when a counter of this attempt is over its
   * limit, the grant on success, 401 on failure (counted).
   *
   * The attempt is counted first and undone when it turns out not to be a failure: the upsert serializes
   * concurrent attempts on each counter, so a burst of parallel guesses cannot all pass one check before
   * any of them is counted. A refused attempt is undone too, so one address hammering a locked target
   * cannot push that target's all-addresses counter up on its own.
   */
  async guard<T>(a: LoginAttempt, invalid: () => Error, attempt: () => Promise<T | null>): Promise<T> {
    const keys = counterKeys(a);
    const all = [keys.address, keys.pair, keys.target];
    const { limit } = this.settings;
    const rows = await this.count(all);
    const over = (key: string, max: number) => {
      const r = rows.find((x) => x.client_key === key);
      return r && r.failures > max ? r : undefined;
    };
    const addressOver = over(keys.address, limit * ADDRESS_FACTOR);
    const block =
      over(keys.pair, limit) ??
      over(keys.target, limit * TARGET_FACTOR) ??
      (addressBlocksBeforeCheck(a.kind) ? addressOver : undefined);
    if (block) {
      await this.undo(all);
      throw limited(block);
    }

    let grant: T | null;
    try {
      grant = await attempt();
    } catch (e) {
      // an outage is nobody's failed guess
      await this.undo(all).catch(() => undefined);
      throw e;
    }
    if (grant) {
      if (a.kind === 'user') {
        await this.undo(all);
      } else {
        // the key or client secret itself was proven: its own target starts afresh, nothing else does
        await this.clear([keys.pair, keys.target]);
        await this.undo([keys.address]);
      }
      return grant;
    }
    if (addressOver) throw limited(addressOver);
    throw invalid();
  }

  /** Counts one failure on each key (a fresh window when the old one is over); the new values. */
  private async count(keys: string[]): Promise<CounterRow[]> {
    const rows = await this.failures.count(keys, this.settings.windowSeconds);
    // expired counters are dead weight; pruning now and then keeps the table to the active attacks
    if (Math.random() < 0.02) await this.failures.prune(this.settings.windowSeconds);
    return rows;
  }

  /** Takes back one count of this attempt. */
  private undo(keys: string[]): Promise<void> {
    return this.failures.undo(keys);
  }

  private clear(keys: string[]): Promise<void> {
    return this.failures.clear(keys);
  }
}

function limited(r: CounterRow): DomainError {
  return new DomainError(ErrorCode.RateLimited, 'too many failed authentication attempts; retry later', {
    reason: FAILED_LOGINS,
    retry_after_s: r.retry_after_s,
  });
}
