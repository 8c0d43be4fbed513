// Request rate per account and per credential at the gateway (issue 24): a sustained rate per second
// plus a burst allowance over 10 s (rate-limiter-flexible's BurstyRateLimiter, in memory), shared across
// replicas by each enforcing its share: a request costs as many points as there are replicas serving
// (GatewayPeers), so N replicas together admit the configured rate. Above it: 429 with Retry-After,
// rendered by each face in its own shape.
import { Inject, Injectable } from '@nestjs/common';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { GatewayConfig } from '@voxmail/config';
import { Actor, DomainError, ErrorCode } from '@voxmail/contracts';
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
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly peers: GatewayPeers,
  ) {
    const f = config.fairness;
    this.account = limiter(f.accountRps, f.accountBurst, 'account');
    this.credential = limiter(f.credentialRps, f.credentialBurst, 'credential');
  }

  /** Counts one request of `actor`; a 429 DomainError (with retry_after_s) when over either limit. */
  async admit(actor: Actor): Promise<void> {
    const cost = this.peers.count();
    try {
      if (this.credential) await this.credential.consume(credentialOf(actor), cost);
      if (this.account) await this.account.consume(actor.accountId, cost);
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e;
      const retryAfter = Math.max(1, Math.ceil(e.msBeforeNext / 1000));
      throw new DomainError(ErrorCode.RateLimited, 'too many requests for this account; retry later', {
        retry_after_s: retryAfter,
      });
    }
  }
}
