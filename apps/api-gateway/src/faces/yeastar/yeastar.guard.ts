// Authenticates a Yeastar OpenAPI call by its `?access_token=`: a token minted for this purpose
// (`yeastar_access`) for an API client, living the face's 30 minutes (its `exp`), unrevoked (del_token
// revokes at once through the revocation view).
import { Injectable } from '@nestjs/common';
import { Actor, DomainError, ErrorCode } from '@voxmail/contracts';
import { FaceGuard } from '../../common/face-guard';
import type { GatewayRequest } from '../../common/request';
import { issuedAtMs } from './refresh-tokens';
import { tokenExpired } from './yeastar.errors';
import { YeastarContext } from './yeastar.context';

function accessTokenOf(req: GatewayRequest): string | undefined {
  const q = (req.query as { access_token?: unknown } | undefined)?.access_token;
  return typeof q === 'string' && q ? q : undefined;
}

@Injectable()
export class YeastarGuard extends FaceGuard {
  constructor(private readonly ctx: YeastarContext) {
    super();
  }

  protected async authenticate(req: GatewayRequest): Promise<Actor> {
    const token = accessTokenOf(req);
    if (!token || token.length > 512) throw tokenExpired();
    const actor = await this.inRequest(req, () => this.ctx.tokens.verify(token, 'yeastar_access')).catch(
      (e: unknown) => {
        // authentication unavailable (NATS down) is not the client's token's fault
        if (e instanceof DomainError && e.code === ErrorCode.ServiceUnavailable) throw e;
        throw tokenExpired();
      },
    );
    // only an API client's tokens are Yeastar access tokens, and only for the face's own lifetime
    const iat = issuedAtMs(token);
    if (
      !actor.clientId ||
      iat === undefined ||
      Date.now() - iat > this.ctx.settings.accessTokenTtlSeconds * 1000
    )
      throw tokenExpired();
    req.authToken = token;
    return actor;
  }
}
