// `GET /api/accounts/{user@host}/search`: how Flexisip's VoicemailServer finds the integer `id` of the
// account it records for (admins only, as the account manager's route), answered with the account
// manager's account fields.
import { Controller, Get, Param, Req, UseFilters, UseGuards } from '@nestjs/common';
import { Commands, DomainError, ErrorCode } from '@voxmail/contracts';
import { runWithRequestContext } from '@voxmail/messaging';
import type { GatewayRequest } from '../../common/request';
import { FlexisipContext } from './flexisip.context';
import { FlexisipExceptionFilter } from './flexisip.filter';
import { FlexisipAdminGuard } from './flexisip.guard';
import { ACCOUNT_VIEW, accountView } from './accounts.view';
import { Responds } from '../../common/openapi-meta';

@Controller('api/accounts/:accountId/search')
@UseGuards(FlexisipAdminGuard)
@UseFilters(FlexisipExceptionFilter)
export class FlexisipAccountsController {
  constructor(private readonly ctx: FlexisipContext) {}

  /** `{sip}` is `user@host` (as Flexisip writes it, or percent-encoded); another shape names no one. */
  @Get()
  @Responds({ schema: ACCOUNT_VIEW })
  async search(@Req() req: GatewayRequest, @Param('accountId') sip: string) {
    if (!sip.includes('@') || sip.length > 512) throw DomainError.notFound('SIP address not found');
    const actor = req.actor!;
    const found = await runWithRequestContext({ requestId: String(req.id) }, () =>
      this.ctx.bus.send(Commands.UserFindSipAccount, { tenantId: actor.accountId, actor, address: sip }),
    ).catch((e: unknown) => {
      if (e instanceof DomainError && e.code === ErrorCode.NotFound)
        throw DomainError.notFound('SIP address not found');
      throw e;
    });
    return accountView(found);
  }
}
