// Request rate per account and per credential at the gateway (issue 24): a sustained rate per second
// plus a burst allowance over 10 s (rate-limiter-flexible's BurstyRateLimiter, in memory), shared across
// replicas by each enforcing its share: a request costs as many points as there are replicas serving
// (GatewayPeers), so N replicas together admit the configured rate. Above it: 429 with Retry-After,
// rendered by each face in its own shape.
import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { GatewayConfig } from '@voxmail/config';
import { Actor, DomainError, ErrorCode } from '@voxmail/contracts';
import { streamSettings, streamSlots } from '../application/object-transfer';
import { BoundedLru } from '../auth/token-verifier';
import { GATEWAY_CONFIG } from '../common/command-bus';
import { GatewayPeers } from './gateway-peers';

const BURST_WINDOW_S = 10;

/** A sustained rate and its burst allowance; both kept so that a check can look without counting. */
interface Limiter {
  bursty: BurstyRateLimiter;
  rate: RateLimiterMemory;
  burst: RateLimiterMemory;
}

function limiter(rps: number, burst: number, prefix: string): Limiter | undefined {
  if (rps <= 0) return undefined;
  const rate = new RateLimiterMemory({ points: rps, duration: 1, keyPrefix: `${prefix}-rate` });
  const extra = new RateLimiterMemory({
    points: Math.max(burst, 0),
    duration: BURST_WINDOW_S,
    keyPrefix: `${prefix}-burst`,
  });
  return { bursty: new BurstyRateLimiter(rate, extra), rate, burst: extra };
}

/** Milliseconds until `key` may spend `cost` again when both its rate and its burst are spent, else 0. */
async function spentFor(l: Limiter, key: string, cost: number): Promise<number> {
  const rate = await l.rate.get(key);
  if (!rate || rate.remainingPoints >= cost) return 0;
  const burst = await l.burst.get(key);
  if (!burst ? l.burst.points >= cost : burst.remainingPoints >= cost) return 0;
  return Math.min(rate.msBeforeNext, burst ? burst.msBeforeNext : rate.msBeforeNext);
}

const rateLimited = (retryAfter: number) =>
  new DomainError(ErrorCode.RateLimited, 'too many requests for this account; retry later', {
    retry_after_s: retryAfter,
  });

/**
 * Whether a request moves audio (an upload, a download, a ZIP): checked against the account's stream
 * slots before any command is sent, so a flood of them from an account at its cap costs no round trip.
 */
export function isAudioStream(req: {
  method: string;
  url: string;
  headers: Record<string, unknown>;
}): boolean {
  const path = req.url.split('?')[0];
  const type = typeof req.headers['content-type'] === 'string' ? req.headers['content-type'] : '';
  return (
    /\/raw\/?$/.test(path) ||
    /_greeting\/upload\/?$/.test(path) ||
    (req.method === 'PUT' && /\/greetings\/[^/]+\/?$/.test(path)) ||
    /^(audio\/|multipart\/|application\/octet-stream)/i.test(type)
  );
}

/**
 * Whether a request opens an account's event stream: it stays open for hours, so it holds no in-flight
 * place (EVENT_STREAMS_PER_ACCOUNT bounds those instead).
 */
export function isEventStream(req: { method: string; url: string }): boolean {
  return req.method === 'GET' && /\/events\/stream\/?$/.test(req.url.split('?')[0]);
}

/** The credential a request was made with: the API client, else the user, else the account's API key. */
export function credentialOf(actor: Actor): string {
  if (actor.clientId) return `client:${actor.clientId}`;
  if (actor.userId) return `user:${actor.userId}`;
  return `key:${actor.accountId}`;
}

/**
 * The callers that present no token but a key checked by another service (Onbuka's `Api-Key`, checked
 * with its `Sign`; Flexisip's `x-api-key`): a hash of the key, by face, so that a caller this replica has
 * already authenticated is known by it before its next request is read.
 */
export function keyedCallerOf(req: { url: string; headers: Record<string, unknown> }): string | undefined {
  const header = req.url.startsWith('/v3/')
    ? req.headers['api-key']
    : req.url.startsWith('/api/') && !req.url.startsWith('/api/download')
      ? req.headers['x-api-key']
      : undefined;
  if (typeof header !== 'string' || !header || header.length > 256) return undefined;
  return `${req.url.slice(0, 4)}${createHash('sha256').update(header.trim()).digest('base64url')}`;
}

@Injectable()
export class RateLimits {
  /** Keyed callers (keyedCallerOf) authenticated here before, by the hash of their key. */
  private readonly keyed = new BoundedLru<Actor>(10_000);
  private readonly account?: Limiter;
  private readonly credential?: Limiter;
  /** Requests in progress per account at this replica, since their admission: others, and audio streams. */
  private readonly inFlight = new Map<string, number>();
  private readonly streamsInFlight = new Map<string, number>();

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly peers: GatewayPeers,
  ) {
    const f = config.fairness;
    this.account = limiter(f.accountRps, f.accountBurst, 'account');
    this.credential = limiter(f.credentialRps, f.credentialBurst, 'credential');
  }

  /**
   * Counts one request of `actor`; a 429 DomainError (with retry_after_s) when over either limit, or
   * when `req` moves audio and the account already holds all its stream slots at this replica.
   */
  async admit(
    actor: Actor,
    req?: { method: string; url: string; headers: Record<string, unknown> },
  ): Promise<void> {
    const keyed = req && keyedCallerOf(req);
    if (keyed) this.keyed.set(keyed, actor);
    if (req && isAudioStream(req) && streamSlots.inUse(actor.accountId) >= streamSettings.perAccount)
      streamSlots.acquire(actor.accountId); // throws the same 429 the transfer itself would
    const peers = this.peers.count();
    const f = this.config.fairness;
    try {
      // never more than the whole rate at once, or a rate below the replica count would admit nothing
      if (this.credential)
        await this.credential.bursty.consume(credentialOf(actor), Math.min(peers, f.credentialRps));
      if (this.account) await this.account.bursty.consume(actor.accountId, Math.min(peers, f.accountRps));
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e;
      throw rateLimited(Math.max(1, Math.ceil(e.msBeforeNext / 1000)));
    }
  }

  /**
   * The refusal a request of `actor` gets before anything of it is read (EarlyAdmission): the account
   * holds all its stream slots (for audio), all its in-flight requests, or has spent its rate or the
   * credential's. Looks only: the request that passes is counted by admit() in its face's guard.
   */
  async refusalOf(
    actor: Actor,
    req: { method: string; url: string; headers: Record<string, unknown> },
  ): Promise<DomainError | undefined> {
    if (isAudioStream(req)) {
      // the slots are taken when the bytes start moving (after a round trip for a ticket): stream
      // requests admitted and not yet ended count against the same cap, so a burst of them cannot all
      // pass before the first takes its slot
      const streams = Math.max(
        streamSlots.inUse(actor.accountId),
        this.streamsInFlight.get(actor.accountId) ?? 0,
      );
      if (streams >= streamSettings.perAccount) return rateLimited(1);
    } else {
      const cap = this.config.fairness.requestsInFlightPerAccount;
      if (cap > 0 && (this.inFlight.get(actor.accountId) ?? 0) >= cap) return rateLimited(1);
    }
    const peers = this.peers.count();
    const f = this.config.fairness;
    const ms = Math.max(
      this.credential
        ? await spentFor(this.credential, credentialOf(actor), Math.min(peers, f.credentialRps))
        : 0,
      this.account ? await spentFor(this.account, actor.accountId, Math.min(peers, f.accountRps)) : 0,
    );
    return ms > 0 ? rateLimited(Math.max(1, Math.ceil(ms / 1000))) : undefined;
  }

  /** The actor a keyed caller (keyedCallerOf) was when it last passed its face's guard here. */
  knownCaller(req: { url: string; headers: Record<string, unknown> }): Actor | undefined {
    const keyed = keyedCallerOf(req);
    return keyed ? this.keyed.get(keyed) : undefined;
  }

  /** Counts a request of `account` (an audio stream or not) in progress until the returned function is called. */
  enter(account: string, stream: boolean): () => void {
    const counts = stream ? this.streamsInFlight : this.inFlight;
    counts.set(account, (counts.get(account) ?? 0) + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const n = (counts.get(account) ?? 1) - 1;
      if (n > 0) counts.set(account, n);
      else counts.delete(account);
    };
  }
}
