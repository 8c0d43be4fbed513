// Request rate per account and per credential at the gateway (issue 24): a sustained rate per second
// plus a burst allowance over 10 s (rate-limiter-flexible's BurstyRateLimiter, in memory), shared across
// replicas by each enforcing its share: a request costs as many points as there are replicas serving
// (GatewayPeers), so N replicas together admit the configured rate. Above it: 429 with Retry-After,
// rendered by each face in its own shape.
import { Inject, Injectable } from '@nestjs/common';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { GatewayConfig } from '@voxmail/config';
import { Actor, DomainError, ErrorCode } from '@voxmail/contracts';
import { streamSettings, streamSlots } from '../application/object-transfer';
import { GATEWAY_CONFIG } from '../common/command-bus';
import { GatewayPeers } from './gateway-peers';

const BURST_WINDOW_S = 10;

function limiter(rps: number, burst: number, prefix: string): BurstyRateLimiter | undefined {
  if (rps <= 0) return undefined;
  return new BurstyRateLimiter(
    new RateLimiterMemory({ points: rps, duration: 1, keyPrefix: `${prefix}-rate` }),
    new RateLimiterMemory({
      points: Math.max(burst, 0),
      duration: BURST_WINDOW_S,
      keyPrefix: `${prefix}-burst`,
    }),
  );
}

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

/** The credential a request was made with: the API client, else the user, else the account's API key. */
export function credentialOf(actor: Actor): string {
  if (actor.clientId) return `client:${actor.clientId}`;
  if (actor.userId) return `user:${actor.userId}`;
  return `key:${actor.accountId}`;
}

@Injectable()
export class RateLimits {
  private readonly account?: BurstyRateLimiter;
  private readonly credential?: BurstyRateLimiter;

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
    if (req && isAudioStream(req) && streamSlots.inUse(actor.accountId) >= streamSettings.perAccount)
      streamSlots.acquire(actor.accountId); // throws the same 429 the transfer itself would
    const peers = this.peers.count();
    const f = this.config.fairness;
    try {
      // never more than the whole rate at once, or a rate below the replica count would admit nothing
      if (this.credential)
        await this.credential.consume(credentialOf(actor), Math.min(peers, f.credentialRps));
      if (this.account) await this.account.consume(actor.accountId, Math.min(peers, f.accountRps));
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e;
      const retryAfter = Math.max(1, Math.ceil(e.msBeforeNext / 1000));
      throw new DomainError(ErrorCode.RateLimited, 'too many requests for this account; retry later', {
        retry_after_s: retryAfter,
      });
    }
  }
}
