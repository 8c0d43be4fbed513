// Onbuka's `GET /v3/voice/recordGroup/{voiceId}`: the record of one call a sendGroup placed, in Onbuka's
// envelope and key order; a voiceId of another account is -24 as a missing one.
import { Controller, Get, Header, HttpCode, Param, Req, UseFilters, UseGuards } from '@nestjs/common';
import { Commands, OnbukaCode, VOICE_ID } from '@voxmail/contracts';
import { runWithRequestContext } from '@voxmail/messaging';
import type { GatewayRequest } from '../../common/request';
import { OnbukaContext } from './onbuka.context';
import { OnbukaExceptionFilter } from './onbuka.filter';
import { OnbukaGuard } from './onbuka.guard';
import { OnbukaError } from './send-group';

@Controller('v3/voice')
@UseGuards(OnbukaGuard)
@UseFilters(OnbukaExceptionFilter)
export class OnbukaRecordGroupController {
  constructor(private readonly ctx: OnbukaContext) {}

  @Get('recordGroup/:voiceId')
  @HttpCode(200)
  @Header('Content-Type', 'application/json')
  async recordGroup(@Req() req: GatewayRequest, @Param('voiceId') voiceId: string): Promise<string> {
    if (!VOICE_ID.test(voiceId)) throw new OnbukaError(OnbukaCode.DataNotExist, 'data does not exist');
    const actor = req.actor!;
    const data = await runWithRequestContext({ requestId: String(req.id) }, () =>
      this.ctx.bus.send(Commands.BroadcastCallRecord, { tenantId: actor.accountId, actor, voiceId }),
    );
    return JSON.stringify({ status: OnbukaCode.Success, reason: 'success', data });
  }
}
