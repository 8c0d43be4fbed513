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

@Injectable()
export class TokenVerifier {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly revocations: RevocationView,
    private readonly bus: CommandBus,
  ) {}

  /** A token minted for `purpose` (a `/v2` token unless said): one of another purpose is invalid here. */
  async verify(token: string, purpose: TokenPurpose = 'kazoo'): Promise<Actor> {
    // a forged, expired or misused token is refused here, whatever the state of NATS
    const claims = await verifyAuthToken(token, this.config.tokenKeys, purpose);
    if (!this.revocations.isCurrent()) return this.askMailbox(token, purpose);
    return this.actorOf(claims);
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
