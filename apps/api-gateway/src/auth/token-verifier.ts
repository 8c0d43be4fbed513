// Verifies a Kazoo auth token in the gateway itself: signature and expiry locally, revocations from this
// replica's watched view; only when that view cannot be confirmed current does it ask mailbox-service.
import { Inject, Injectable } from '@nestjs/common';
import type { GatewayConfig } from '@voxmail/config';
import {
  Actor,
  actorOfClaims,
  AuthTokenClaims,
  DomainError,
  ErrorCode,
  refusingKeysOf,
  roleKeyOf,
  Commands,
  TokenPurpose,
  verifyAuthToken,
} from '@voxmail/contracts';
import { CommandBus, GATEWAY_CONFIG } from '../common/command-bus';
import { RevocationView } from './revocation-view';

const invalid = () => new DomainError(ErrorCode.Unauthenticated, 'invalid or expired auth token');

/** Verified tokens kept (by their string) for their lifetime, so a request costs a map lookup, not HMAC. */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * A bounded map in least-recently-used order (a Map keeps insertion order: a hit moves to the end, the
 * first entry is the eldest). Small enough not to need a library.
 */
export class BoundedLru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly size: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.size) this.map.delete(this.map.keys().next().value as string);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
}

@Injectable()
export class TokenVerifier {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly revocations: RevocationView,
    private readonly bus: CommandBus,
  ) {}

  private readonly verified = new BoundedLru<AuthTokenClaims>(VERIFIED_CACHE_SIZE);

  /** A token minted for `purpose` (a `/v2` token unless said): one of another purpose is invalid here. */
  async verify(token: string, purpose: TokenPurpose = 'kazoo'): Promise<Actor> {
    // a forged, expired or misused token is refused here, whatever the state of NATS
    const claims = await this.claimsOf(token, purpose);
    if (!this.revocations.isCurrent()) return this.askMailbox(token, purpose);
    return this.actorOf(claims);
  }

  /**
   * The actor of `token` when this replica can tell at once, from a token it verified before or one
   * cheap HS256 check, with its revocations applied; undefined when it cannot (an invalid token, or the
   * revocation view not current): the face's guard then decides, as for any request.
   */
  async peek(token: string, purpose: TokenPurpose): Promise<Actor | undefined> {
    if (token.length > 512 || !this.revocations.isCurrent()) return undefined;
    try {
      return this.actorOf(await this.claimsOf(token, purpose));
    } catch {
      return undefined;
    }
  }

  /** Signature, expiry, purpose and shape checked once per token string, then kept until it expires. */
  private async claimsOf(token: string, purpose: TokenPurpose): Promise<AuthTokenClaims> {
    const key = `${purpose}\0${token}`;
    const hit = this.verified.get(key);
    if (hit) {
      if (hit.exp * 1000 > Date.now()) return hit;
      this.verified.delete(key);
    }
    const claims = await verifyAuthToken(token, this.config.tokenKeys, purpose);
    this.verified.set(key, claims);
    return claims;
  }

  /** Applies the revocations this replica knows; exported for the small tests. */
  actorOf(claims: AuthTokenClaims): Actor {
    for (const key of refusingKeysOf(claims)) {
      const r = this.revocations.get(key);
      if (r && !r.role && claims.iatMs <= r.before) throw invalid();
    }
    const roleKey = roleKeyOf(claims);
    const changed = roleKey ? this.revocations.get(roleKey) : undefined;
    const role = changed?.role && claims.iatMs <= changed.before ? changed.role : claims.role;
    return actorOfClaims(claims, role);
  }

  /** The authoritative check; with NATS unreachable it cannot be asked, so the request is refused (503). */
  private askMailbox(token: string, purpose: TokenPurpose): Promise<Actor> {
    if (!this.revocations.canAskMailbox()) {
      throw new DomainError(ErrorCode.ServiceUnavailable, 'authentication is unavailable; retry shortly');
    }
    return this.bus.send(Commands.AuthVerifyToken, { token, purpose });
  }
}
