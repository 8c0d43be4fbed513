// Onbuka's `POST /v3/voice/sendGroup`: one entry per callee in request order; the batch is accepted
// durably by broadcast-dialer-service and dialed asynchronously. Onbuka's Sign covers no body, so all
// requests of a key in one second share (Api-Key, Timestamp, Sign): the batch is idempotent on that triple
// and the body. An exact replay answers the first reply (the same voiceIds) and dials nothing; another
// body with the same triple is a new batch.
import { createHash } from 'node:crypto';
import { Body, Controller, Header, HttpCode, Post, Req, UseFilters, UseGuards } from '@nestjs/common';
import { Commands, OnbukaCode } from '@voxmail/contracts';
import { runWithRequestContext } from '@voxmail/messaging';
import type { GatewayRequest } from '../../common/request';
import { OnbukaContext } from './onbuka.context';
import { OnbukaExceptionFilter } from './onbuka.filter';
import { OnbukaGuard } from './onbuka.guard';
import { isCallee, parseSendGroup, SEND_GROUP_BODY, SEND_GROUP_ENTRY } from './send-group';
import { BodySchema, Examples, Responds } from '../../common/openapi-meta';

interface Entry {
  voiceId: string;
  callee: string;
  terminationCode: string;
  terminationReason: string;
}

/** The idempotency key of a sendGroup: the header triple and the body, hashed (the Sign is a credential). */
function replayKey(req: GatewayRequest, body: unknown): string {
  const h = (name: string) => String(req.headers[name] ?? '').trim();
  return `onbuka:${createHash('sha256')
    .update(`${h('api-key')}\n${h('timestamp')}\n${h('sign').toLowerCase()}\n`)
    .update(JSON.stringify(body) ?? '')
    .digest('base64url')}`;
}

@Controller('v3/voice')
@UseGuards(OnbukaGuard)
@UseFilters(OnbukaExceptionFilter)
export class OnbukaSendGroupController {
  constructor(private readonly ctx: OnbukaContext) {}

  @Post('sendGroup')
  @HttpCode(200)
  @BodySchema(SEND_GROUP_BODY)
  @Responds({ schema: { type: 'array', items: SEND_GROUP_ENTRY } })
  @Examples({
    // the seed document's (Onbuka POST /v3/voice/sendGroup) request and answer
    request: {
      callee: '932111111111,932111111112',
      displayNum: '1008122211',
      fileId: '12022022570cc2484c59d4f8b9745d34226285b1e.mp3',
      appId: '4luaKsL2',
      maxDuration: 50,
      maxRingingTime: 60,
      loopCount: 2,
      calledInfo: 'calledInfo',
    },
    response: {
      status: '0',
      reason: 'success',
      data: [
        {
          voiceId: '2203031134011000001',
          callee: '932111111111',
          terminationCode: '0',
          terminationReason: 'success',
        },
        {
          voiceId: '2203031134011000002',
          callee: '932111111112',
          terminationCode: '0',
          terminationReason: 'success',
        },
      ],
    },
  })
  @Header('Content-Type', 'application/json')
  async sendGroup(@Req() req: GatewayRequest, @Body() body: unknown): Promise<string> {
    const f = parseSendGroup(body);
    const good = f.callees.filter(isCallee);
    let accepted: { voiceId: string; callee: string }[] = [];
    if (good.length) {
      const actor = req.actor!;
      const r = await runWithRequestContext(
        { requestId: String(req.id), idempotencyKey: replayKey(req, body) },
        () =>
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
