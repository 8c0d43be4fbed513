// The admission every face's guard shares: the face authenticates the request by its own credential, the
// actor is set on the request and admitted by its account's and credential's request rate, then the face's
// own checks run. A face's guard says only how its credential is read and what it checks after.
import { CanActivate, ExecutionContext, Inject } from '@nestjs/common';
import type { Actor } from '@voxmail/contracts';
import { runWithRequestContext } from '@voxmail/messaging';
import { RateLimits } from '../fairness/rate-limits';
import type { GatewayRequest } from './request';

export abstract class FaceGuard implements CanActivate {
  @Inject(RateLimits) private readonly limits!: RateLimits;

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.admit(context.switchToHttp().getRequest<GatewayRequest>());
    return true;
  }

  /** The request's actor: authenticated, set on the request, admitted by the rate limits, then checked. */
  async admit(req: GatewayRequest): Promise<Actor> {
    const actor = await this.authenticate(req);
    req.actor = actor;
    await this.limits.admit(actor, req);
    await this.authorize(actor, req);
    return actor;
  }

  /** The actor the face's credential names (the face's own error when missing or invalid). */
  protected abstract authenticate(req: GatewayRequest): Promise<Actor>;

  /** The face's checks once the actor is admitted (none by default). */
  protected authorize(_actor: Actor, _req: GatewayRequest): Promise<void> | void {}

  /** `work` (a command to a service) within the request's context, so its logs carry the request id. */
  protected inRequest<T>(req: GatewayRequest, work: () => Promise<T>): Promise<T> {
    return runWithRequestContext({ requestId: String(req.id) }, work);
  }
}
