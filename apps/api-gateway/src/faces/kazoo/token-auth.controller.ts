// Kazoo crossbar token_auth: `DELETE /v2/token_auth` revokes the auth token of the request (a sign-out),
// as cb_token_auth does; the holder's other tokens stay valid.
import { Delete, Req } from '@nestjs/common';
import { decodeJwt } from 'jose';
import { Commands, RevocationKeys } from '@voxmail/contracts';
import { RevocationView } from '../../auth/revocation-view';
import { CommandBus } from '../../common/command-bus';
import type { GatewayRequest } from '../../common/request';
import type { KazooResult } from './envelope';
import { KazooController } from './kazoo.controller';

/** How long this replica waits for its revocation view to refuse the token before answering. */
const VIEW_WAIT_MS = 2000;
const VIEW_POLL_MS = 20;

@KazooController('token_auth')
export class TokenAuthController {
  constructor(
    private readonly bus: CommandBus,
    private readonly revocations: RevocationView,
  ) {}

  @Delete()
  async revoke(@Req() req: GatewayRequest): Promise<KazooResult> {
    const token = req.authToken!;
    const { revoked_before } = await this.bus.send(Commands.AuthRevokeToken, { token });
    // the revocation reaches every replica's view within milliseconds; this one waits for it, so the token
    // is refused here from the moment the client reads this answer (a view that is not current asks
    // mailbox-service, which already refuses it)
    const jti = decodeJwt(token).jti;
    if (typeof jti === 'string') {
      const key = RevocationKeys.token(jti);
      const deadline = Date.now() + VIEW_WAIT_MS;
      while ((this.revocations.get(key)?.before ?? 0) < revoked_before && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, VIEW_POLL_MS));
    }
    return { data: {} };
  }
}
