// Authenticates the Onbuka face by `Api-Key`, `Timestamp` and `Sign` (= md5(Api-Key + ApiSecret +
// Timestamp)); broadcast-dialer-service holds the secrets and checks the skew. A repeated header triple is
// not refused: sendGroup is idempotent on it and its body, and lookups may repeat it freely.
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Commands, OnbukaCode } from '@voxmail/contracts';
import { runWithRequestContext } from '@voxmail/messaging';
import type { GatewayRequest } from '../../common/request';
import { RateLimits } from '../../fairness/rate-limits';
import { OnbukaContext } from './onbuka.context';
import { OnbukaError } from './send-group';

const header = (req: GatewayRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return typeof v === 'string' ? v.trim() : undefined;
};

@Injectable()
export class OnbukaGuard implements CanActivate {
  constructor(
    private readonly ctx: OnbukaContext,
    private readonly limits: RateLimits,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<GatewayRequest>();
    const apiKey = header(req, 'api-key');
    const timestamp = header(req, 'timestamp');
    const sign = header(req, 'sign');
    if (!apiKey || apiKey.length > 128 || !sign || !/^[0-9A-Fa-f]{32}$/.test(sign))
      throw new OnbukaError(OnbukaCode.AuthError, 'authentication error');
    if (!timestamp || !/^\d{1,13}$/.test(timestamp))
      throw new OnbukaError(OnbukaCode.TimestampExpired, 'timestamp expired');
    req.actor = await runWithRequestContext({ requestId: String(req.id) }, () =>
      this.ctx.bus.send(Commands.OnbukaAuth, { apiKey, timestamp, sign }),
    );
    await this.limits.admit(req.actor, req);
    return true;
  }
}
