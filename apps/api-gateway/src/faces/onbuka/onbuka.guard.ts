// Authenticates the Onbuka face by `Api-Key`, `Timestamp` and `Sign` (= md5(Api-Key + ApiSecret +
// Timestamp)); broadcast-dialer-service holds the secrets and checks the skew. A repeated header triple is
// not refused: sendGroup is idempotent on it and its body, and lookups may repeat it freely.
import { Injectable } from '@nestjs/common';
import { Actor, Commands, OnbukaCode } from '@voxmail/contracts';
import { FaceGuard } from '../../common/face-guard';
import type { GatewayRequest } from '../../common/request';
import { OnbukaContext } from './onbuka.context';
import { OnbukaError } from './send-group';

const header = (req: GatewayRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return typeof v === 'string' ? v.trim() : undefined;
};

@Injectable()
export class OnbukaGuard extends FaceGuard {
  constructor(private readonly ctx: OnbukaContext) {
    super();
  }

  protected authenticate(req: GatewayRequest): Promise<Actor> {
    const apiKey = header(req, 'api-key');
    const timestamp = header(req, 'timestamp');
    const sign = header(req, 'sign');
    if (!apiKey || apiKey.length > 128 || !sign || !/^[0-9A-Fa-f]{32}$/.test(sign))
      throw new OnbukaError(OnbukaCode.AuthError, 'authentication error');
    if (!timestamp || !/^\d{1,13}$/.test(timestamp))
      throw new OnbukaError(OnbukaCode.TimestampExpired, 'timestamp expired');
    return this.inRequest(req, () => this.ctx.bus.send(Commands.OnbukaAuth, { apiKey, timestamp, sign }));
  }
}
