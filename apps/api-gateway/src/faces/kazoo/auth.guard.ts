// Authenticates a Kazoo request by its X-Auth-Token (or the envelope's or query's auth_token), verified in
// the gateway. Applied by @KazooController to the Kazoo face's routes only.
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@voxmail/contracts';
import { runWithRequestContext } from '@voxmail/messaging';
import { TokenVerifier } from '../../auth/token-verifier';
import type { GatewayRequest } from '../../common/request';
import { RateLimits } from '../../fairness/rate-limits';

function tokenOf(req: GatewayRequest): string | undefined {
  const h = req.headers['x-auth-token'];
  if (typeof h === 'string' && h) return h;
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^Bearer /i.test(auth)) return auth.slice(7).trim();
  const body = req.body as { auth_token?: unknown } | undefined;
  if (body && typeof body === 'object' && typeof body.auth_token === 'string') return body.auth_token;
  // as Kazoo: `?auth_token=` last (Monster UI plays `.../raw?auth_token=...` in an <audio> element)
  const q = (req.query as { auth_token?: unknown } | undefined)?.auth_token;
  if (typeof q === 'string' && q) return q;
  return undefined;
}

@Injectable()
export class KazooAuthGuard implements CanActivate {
  constructor(
    private readonly tokens: TokenVerifier,
    private readonly limits: RateLimits,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<GatewayRequest>();
    const token = tokenOf(req);
    if (!token) throw new DomainError(ErrorCode.Unauthenticated, 'an auth token is required (X-Auth-Token)');
    if (token.length > 512) throw new DomainError(ErrorCode.Unauthenticated, 'invalid or expired auth token');
    req.actor = await runWithRequestContext({ requestId: String(req.id) }, () => this.tokens.verify(token));
    req.authToken = token;
    await this.limits.admit(req.actor, req);
    return true;
  }
}
