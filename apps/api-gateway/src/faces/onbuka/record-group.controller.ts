// Onbuka's `GET /v3/voice/recordGroup/{voiceId}`: the record of one call a sendGroup placed, in Onbuka's
// envelope and key order; a voiceId of another account is -24 as a missing one. And its batch report
// `POST /v3/voice/recordGroupQuery`: the account's records in a time window, a page at a time.
import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Param,
  Post,
  Req,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { CallRecordPageSchema, CallRecordSchema, Commands, OnbukaCode, VOICE_ID } from '@voxmail/contracts';
import { BodySchema, Responds } from '../../common/openapi-meta';
import { runWithRequestContext } from '@voxmail/messaging';
import type { GatewayRequest } from '../../common/request';
import { OnbukaContext } from './onbuka.context';
import { OnbukaExceptionFilter } from './onbuka.filter';
import { OnbukaGuard } from './onbuka.guard';
import { OnbukaError } from './send-group';

const TIME = { type: 'string', description: 'ISO 8601 with its offset, 2022-01-01T00:00:00+08:00' };
/** The body parseRecordGroupQuery reads (OpenAPI: the same rules). */
const RECORD_GROUP_QUERY = {
  type: 'object',
  required: ['params'],
  properties: {
    current: {
      oneOf: [
        { type: 'integer', minimum: 1, maximum: 100000 },
        { type: 'string', pattern: '^[0-9]{1,6}$' },
      ],
    },
    size: {
      oneOf: [
        { type: 'integer', minimum: 1, maximum: 100 },
        { type: 'string', pattern: '^[0-9]{1,6}$' },
      ],
    },
    params: {
      type: 'object',
      required: ['strTime', 'endTime'],
      properties: { strTime: TIME, endTime: TIME },
    },
  },
};

@Controller('v3/voice')
@UseGuards(OnbukaGuard)
@UseFilters(OnbukaExceptionFilter)
export class OnbukaRecordGroupController {
  constructor(private readonly ctx: OnbukaContext) {}

  @Get('recordGroup/:voiceId')
  @Responds({ schema: CallRecordSchema })
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

  /**
   * `{"current": 1, "size": 10, "params": {"strTime": "2022-01-01T00:00:00+08:00", "endTime": ...}}` →
   * `{status, reason, data: {total, size, current, pages, searchCount, records: [<recordGroup's data>]}}`.
   */
  @Post('recordGroupQuery')
  @BodySchema(RECORD_GROUP_QUERY)
  @Responds({ schema: CallRecordPageSchema })
  @HttpCode(200)
  @Header('Content-Type', 'application/json')
  async recordGroupQuery(@Req() req: GatewayRequest, @Body() body: unknown): Promise<string> {
    const q = parseRecordGroupQuery(body);
    const actor = req.actor!;
    const data = await runWithRequestContext({ requestId: String(req.id) }, () =>
      this.ctx.bus.send(Commands.BroadcastCallRecordQuery, { tenantId: actor.accountId, actor, ...q }),
    );
    return JSON.stringify({ status: OnbukaCode.Success, reason: 'success', data });
  }
}

const param = (reason: string) => new OnbukaError(OnbukaCode.ParameterError, reason);

/** An ISO 8601 date-time with its offset, as Onbuka's document writes them (2022-01-01T00:00:00+08:00). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})$/;
const MAX_WINDOW_MS = 31 * 24 * 3600 * 1000;

/** `current` and `size` may be left out (1 and 25), never empty; the window is at most 31 days. */
export function parseRecordGroupQuery(body: unknown): {
  current: number;
  size: number;
  from: string;
  to: string;
} {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw param('the body must be a JSON object');
  const b = body as Record<string, unknown>;
  const int = (name: string, dflt: number, max: number): number => {
    const v = b[name];
    if (v === undefined) return dflt;
    const n = typeof v === 'string' && /^\d{1,6}$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max)
      throw param(`${name} must be an integer from 1 to ${max}`);
    return n;
  };
  const current = int('current', 1, 100000);
  const size = int('size', 25, 100);
  const p = b.params;
  if (!p || typeof p !== 'object' || Array.isArray(p)) throw param('params is required');
  const time = (name: 'strTime' | 'endTime'): number => {
    const v = (p as Record<string, unknown>)[name];
    const ms = typeof v === 'string' && ISO_TIME.test(v) ? Date.parse(v) : NaN;
    if (!Number.isFinite(ms))
      throw param(`params.${name} must be an ISO 8601 time such as 2022-01-01T00:00:00+08:00`);
    return ms;
  };
  const from = time('strTime');
  const to = time('endTime');
  if (to < from) throw param('params.endTime must not be before params.strTime');
  if (to - from > MAX_WINDOW_MS) throw param('the interval between strTime and endTime is at most 31 days');
  return { current, size, from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}
