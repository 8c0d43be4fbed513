// Authenticates a Kazoo request by its X-Auth-Token (or the envelope's or query's auth_token), verified in
// the gateway. Applied by @KazooController to the Kazoo face's routes only.
import { Injectable } from '@nestjs/common';
import { Actor, DomainError, ErrorCode } from '@voxmail/contracts';
import { TokenVerifier } from '../../auth/token-verifier';
import { FaceGuard } from '../../common/face-guard';
import type { GatewayRequest } from '../../common/request';

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
export class KazooAuthGuard extends FaceGuard {
  constructor(private readonly tokens: TokenVerifier) {
    super();
  }

  protected async authenticate(req: GatewayRequest): Promise<Actor> {
    const token = tokenOf(req);
    if (!token) throw new DomainError(ErrorCode.Unauthenticated, 'an auth token is required (X-Auth-Token)');
    if (token.length > 512) throw new DomainError(ErrorCode.Unauthenticated, 'invalid or expired auth token');
    const actor = await this.inRequest(req, () => this.tokens.verify(token));
    req.authToken = token;
    return actor;
  }
}
