// broadcast-dialer-service settings beyond the common ones, read from the environment once at start.
import { randomBytes } from 'node:crypto';
import { ConfigError, envNumber as num } from '@voxmail/config';
import type { PrivateTargets } from '@voxmail/messaging';

export const DIALER_SETTINGS = Symbol('DIALER_SETTINGS');

/** Milliseconds since the epoch; injectable so tests can stand at the Onbuka document's own time. */
export type Clock = () => number;

export interface DialerSettings {
  /** Encrypts stored secrets (Onbuka API secrets, trunk credentials): VOXMAIL_SECRET. */
  secret: string;
  /** How often a replica looks for calls to dial. */
  tickMs: number;
  /** How long a claimed call stays this replica's without a renewal; a lapsed lease is swept. */
  leaseMs: number;
  /** Calls one replica keeps in progress at most, whatever the apps allow. */
  maxInFlight: number;
  /** The Onbuka face's allowed clock skew, and how long a seen (Api-Key, Timestamp, Sign) is kept. */
  skewSeconds: number;
  /** This replica's name in leases. */
  replicaId: string;
  clock: Clock;
  /** Broadcast apps' webhooks (`webhook_url`). */
  webhooks: {
    /** As notification-service's WEBHOOK_ALLOW_PRIVATE_TARGETS: false, `loopback`, or true. */
    allowPrivateTargets: PrivateTargets;
    /** One POST's time (DIALER_WEBHOOK_TIMEOUT_MS). */
    timeoutMs: number;
    /** Attempts in all before a delivery is given up (DIALER_WEBHOOK_ATTEMPTS); each retry waits twice the last. */
    attempts: number;
    retryBaseMs: number;
    pollMs: number;
  };
  /** The clock voiceIds are stamped with (defaults to `clock`). */
  idClock?: Clock;
}

export function loadDialerSettings(env: Record<string, string | undefined> = process.env): DialerSettings {
  const secret = env.VOXMAIL_SECRET ?? '';
  if (secret.length < 32) throw new ConfigError('VOXMAIL_SECRET must be at least 32 characters');
  return {
    secret,
    tickMs: num(env, 'DIALER_TICK_MS', 50, 5, 10000),
    leaseMs: num(env, 'DIALER_LEASE_MS', 15000, 200, 600000),
    maxInFlight: num(env, 'DIALER_MAX_IN_FLIGHT', 500, 1, 100000),
    skewSeconds: 300,
    replicaId: env.DIALER_REPLICA_ID || `dialer-${process.pid}-${randomBytes(3).toString('hex')}`,
    clock: Date.now,
    webhooks: {
      allowPrivateTargets:
        env.WEBHOOK_ALLOW_PRIVATE_TARGETS === 'loopback'
          ? 'loopback'
          : env.WEBHOOK_ALLOW_PRIVATE_TARGETS === 'true',
      timeoutMs: num(env, 'DIALER_WEBHOOK_TIMEOUT_MS', 5000, 100, 60000),
      attempts: num(env, 'DIALER_WEBHOOK_ATTEMPTS', 5, 1, 20),
      retryBaseMs: num(env, 'DIALER_WEBHOOK_RETRY_BASE_MS', 1000, 10, 3600000),
      pollMs: num(env, 'DIALER_WEBHOOK_POLL_MS', 200, 10, 60000),
    },
  };
}
