// Authenticates a Kazoo request by its X-Auth-Token (or the envelope's or query's auth_token) through
// mailbox-service.
import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Actor, DomainError, ErrorCode, Subjects } from '@voxmail/contracts';
import { runWithRequestContext } from '@voxmail/messaging';
import { CommandBus } from '../common/command-bus';
import type { GatewayRequest } from '../common/request';

export const PUBLIC_ROUTE = 'voxmail:public';
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

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
    private readonly bus: CommandBus,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()]))
      return true;
    const req = context.switchToHttp().getRequest<GatewayRequest>();
    const token = tokenOf(req);
    if (!token) throw new DomainError(ErrorCode.Unauthenticated, 'an auth token is required (X-Auth-Token)');
    if (token.length > 512) throw new DomainError(ErrorCode.Unauthenticated, 'invalid or expired auth token');
    req.actor = await runWithRequestContext({ requestId: String(req.id) }, () =>
      this.bus.execute<Actor>(Subjects.Auth.VerifyToken, { token }),
    );
    req.authToken = token;
    return true;
  }
}
