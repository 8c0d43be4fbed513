// Onbuka's `POST /v3/voice/sendGroup`: one entry per callee in request order; the batch is accepted
// durably by broadcast-dialer-service and dialed asynchronously.
import { Body, Controller, Header, HttpCode, Post, Req, UseFilters, UseGuards } from '@nestjs/common';
import { Commands, OnbukaCode } from '@voxmail/contracts';
import { runWithRequestContext } from '@voxmail/messaging';
import type { GatewayRequest } from '../../common/request';
import { OnbukaContext } from './onbuka.context';
import { OnbukaExceptionFilter } from './onbuka.filter';
import { OnbukaGuard } from './onbuka.guard';
import { isCallee, parseSendGroup } from './send-group';

interface Entry {
  voiceId: string;
  callee: string;
  terminationCode: string;
  terminationReason: string;
}

@Controller('v3/voice')
@UseGuards(OnbukaGuard)
@UseFilters(OnbukaExceptionFilter)
export class OnbukaSendGroupController {
  constructor(private readonly ctx: OnbukaContext) {}

  @Post('sendGroup')
  @HttpCode(200)
  @Header('Content-Type', 'application/json')
  async sendGroup(@Req() req: GatewayRequest, @Body() body: unknown): Promise<string> {
    const f = parseSendGroup(body);
    const good = f.callees.filter(isCallee);
    let accepted: { voiceId: string; callee: string }[] = [];
    if (good.length) {
      const actor = req.actor!;
      const r = await runWithRequestContext({ requestId: String(req.id) }, () =>
        this.ctx.bus.send(Commands.BroadcastCreate, {
          tenantId: actor.accountId,
          actor,
          callees: good,
          displayNum: f.displayNum,
          fileId: f.fileId,
          appId: f.appId,
          maxDuration: f.maxDuration,
          maxRingingTime: f.maxRingingTime,
          loopCount: f.loopCount,
          calledInfo: f.calledInfo,
          source: 'onbuka',
        }),
      );
      accepted = r.calls;
    }
    let next = 0;
    const data: Entry[] = f.callees.map((callee) =>
      isCallee(callee)
        ? {
            voiceId: accepted[next++].voiceId,
            callee,
            terminationCode: OnbukaCode.Success,
            terminationReason: 'success',
          }
        : {
            voiceId: '',
            callee,
            terminationCode: OnbukaCode.NumberAbnormal,
            terminationReason: 'number abnormal',
          },
    );
    // serialized here so the keys keep Onbuka's order and every value stays a string
    return JSON.stringify({ status: OnbukaCode.Success, reason: 'success', data });
  }
}
