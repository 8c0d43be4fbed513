// Authenticates the account manager face by `x-api-key` (an API client secret) and decides which user
// of the account `{id|me}` names: an admin client any user, a user client only itself.
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Actor, Commands, DomainError, ErrorCode, HEX_ID } from '@voxmail/contracts';
import { runWithRequestContext } from '@voxmail/messaging';
import type { GatewayRequest } from '../../common/request';
import { RateLimits } from '../../fairness/rate-limits';
import { FlexisipContext } from './flexisip.context';

export type FlexisipRequest = GatewayRequest & { flexisipUserId?: string };

/** The user `{id|me}` names for `actor`; a user client naming anyone else is 403. */
export function targetUser(actor: Actor, id: string): string {
  if (id === 'me') {
    if (!actor.userId) throw DomainError.notFound('This API client is not bound to an account.');
    return actor.userId;
  }
  if (!HEX_ID.test(id)) throw DomainError.notFound('Account not found.');
  if (actor.role === 'user' && id !== actor.userId)
    throw new DomainError(ErrorCode.Forbidden, 'This action is unauthorized.');
  return id;
}

@Injectable()
export class FlexisipGuard implements CanActivate {
  constructor(
    private readonly ctx: FlexisipContext,
    private readonly limits: RateLimits,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FlexisipRequest>();
    const key = req.headers['x-api-key'];
    if (typeof key !== 'string' || !key || key.length > 256)
      throw new DomainError(ErrorCode.Unauthenticated, 'Unauthenticated.');
    const actor = await runWithRequestContext({ requestId: String(req.id) }, () =>
      this.ctx.bus.send(Commands.AuthApiClientSecret, {
        secret: key,
        clientKey: req.ip || 'unknown',
      }),
    );
    req.actor = actor;
    await this.limits.admit(actor, req);
    const params = req.params as { accountId?: string };
    req.flexisipUserId = targetUser(actor, params.accountId ?? '');
    return true;
  }
}
