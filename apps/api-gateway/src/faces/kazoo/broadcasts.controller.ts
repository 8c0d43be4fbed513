// Kazoo-style native routes of voice broadcasts: apps (`broadcast_apps`), campaigns (`broadcasts`) and the
// do-not-call list (`dnc_numbers`) of an account.
import { createHash, randomBytes } from 'node:crypto';
import { Body, Delete, Get, Param, Post, Put, Query, Req } from '@nestjs/common';
import {
  Actor,
  APP_ID,
  CALL_STATES,
  CALLEE,
  CallState,
  Commands,
  DomainError,
  ErrorCode,
  MAX_CALLEES,
} from '@voxmail/contracts';
import { CommandBus } from '../../common/command-bus';
import { BodySchema, closed, Examples, Responds } from '../../common/openapi-meta';
import { IDEMPOTENCY_KEY } from '../../common/idempotency.interceptor';
import type { GatewayRequest } from '../../common/request';
import type { KazooResult } from './envelope';
import { KazooController } from './kazoo.controller';
import { AccountId, BroadcastId } from './params';
import { dataOf } from './request';

const actorOf = (req: GatewayRequest): Actor => req.actor!;

// The request bodies as the checks below read them (OpenAPI: the same bounds)
const NUMBER = { type: 'string', pattern: CALLEE.source };
const NUMBERS_BODY = {
  type: 'object',
  required: ['numbers'],
  properties: { numbers: { type: 'array', maxItems: 1000, items: NUMBER } },
};
const BATCH_BODY = {
  type: 'object',
  required: ['callees', 'app_id', 'file_id'],
  properties: {
    callees: { type: 'array', minItems: 1, maxItems: MAX_CALLEES, items: NUMBER },
    app_id: { type: 'string', pattern: APP_ID.source },
    file_id: { type: 'string', minLength: 1, maxLength: 256 },
    display_number: { oneOf: [NUMBER, { type: 'null' }] },
    called_info: { type: 'string', maxLength: 1000 },
    max_duration: { type: ['integer', 'null'], minimum: 1, maximum: 120 },
    max_ringing_time: { type: ['integer', 'null'], minimum: 20, maximum: 120 },
    loop_count: { type: ['integer', 'null'], minimum: 1, maximum: 3 },
  },
};
/** A broadcast app: its id and the carrier settings broadcast-dialer-service checks (parseAppDoc). */
const APP_BODY = {
  type: 'object',
  properties: { id: { type: 'string', pattern: APP_ID.source } },
  description:
    'the app settings (carrier, settings, cps, max_concurrent, webhook_url...), checked by the dialer',
};
const APP = Responds({
  schema: {
    type: 'object',
    required: ['id', 'password_set'],
    properties: { id: { type: 'string', pattern: APP_ID.source }, password_set: { type: 'boolean' } },
  },
});
const ONBUKA_KEY_BODY = {
  type: 'object',
  required: ['api_key', 'api_secret'],
  properties: {
    api_key: { type: 'string', pattern: '^[A-Za-z0-9_-]{4,128}$' },
    api_secret: { type: 'string', pattern: '^[\\x21-\\x7e]{4,256}$' },
  },
};

function appId(v: string): string {
  if (!APP_ID.test(v)) throw DomainError.notFound('bad identifier');
  return v;
}

function numbersOf(body: unknown): string[] {
  const data = dataOf(body);
  const numbers = data.numbers;
  if (
    !Array.isArray(numbers) ||
    numbers.length > 1000 ||
    numbers.some((n) => typeof n !== 'string' || !/^\d{7,15}$/.test(n))
  )
    throw new DomainError(ErrorCode.ValidationFailed, 'invalid data', {
      numbers: { type: { message: 'numbers must be a list of at most 1000 numbers of 7-15 digits' } },
    });
  return numbers as string[];
}

const invalidField = (field: string, rule: string, message: string) =>
  new DomainError(ErrorCode.ValidationFailed, 'invalid data', { [field]: { [rule]: { message } } });

/** An optional integer field of a native broadcast: absent or null is `fallback`. */
function intField(
  d: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
  fallback: number | null,
) {
  const v = d[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw invalidField(field, 'range', `${field} must be an integer from ${min} to ${max}`);
  return v;
}

/** The fields of a native batch (`PUT broadcasts`), as Onbuka's sendGroup takes them, in snake_case. */
function nativeBatchOf(body: unknown) {
  const d = dataOf(body);
  const callees = d.callees;
  if (
    !Array.isArray(callees) ||
    !callees.length ||
    callees.length > MAX_CALLEES ||
    callees.some((c) => typeof c !== 'string' || !CALLEE.test(c))
  )
    throw invalidField('callees', 'type', `callees must be 1 to ${MAX_CALLEES} numbers of 7-15 digits`);
  if (typeof d.app_id !== 'string' || !APP_ID.test(d.app_id))
    throw invalidField('app_id', 'required', 'app_id names a broadcast app of the account');
  if (typeof d.file_id !== 'string' || !d.file_id.trim() || d.file_id.length > 256)
    throw invalidField('file_id', 'required', 'file_id names an uploaded prompt of the account');
  const display = d.display_number ?? null;
  if (display !== null && (typeof display !== 'string' || !CALLEE.test(display)))
    throw invalidField('display_number', 'pattern', 'display_number must be 7-15 digits or null');
  const calledInfo = d.called_info ?? '';
  if (typeof calledInfo !== 'string' || [...calledInfo].length > 1000)
    throw invalidField('called_info', 'maxLength', 'called_info must be at most 1000 characters');
  return {
    callees: callees as string[],
    displayNum: display as string | null,
    fileId: d.file_id,
    appId: d.app_id,
    maxDuration: intField(d, 'max_duration', 1, 120, null),
    maxRingingTime: intField(d, 'max_ringing_time', 20, 120, 60) as number,
    loopCount: intField(d, 'loop_count', 1, 3, 1) as number,
    calledInfo,
  };
}

/** A new app's id: random, or from the account and the client's `Idempotency-Key` when it sent one. */
function generatedAppId(accountId: string, req: GatewayRequest): string {
  const key = req.headers[IDEMPOTENCY_KEY];
  if (typeof key !== 'string') return randomBytes(16).toString('hex');
  return createHash('sha256').update(`broadcast_app\n${accountId}\n${key}`).digest('hex').slice(0, 32);
}

/** An app id in the data must be one (as the document says), on create and on update alike. */
function checkAppIdField(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !APP_ID.test(id))
    throw new DomainError(ErrorCode.ValidationFailed, 'invalid data', {
      id: { pattern: { message: 'id must be 1-64 of A-Z, a-z, 0-9, _ and -' } },
    });
}

@KazooController('accounts/:accountId/broadcast_apps')
export class BroadcastAppsController {
  constructor(private readonly bus: CommandBus) {}

  @Get()
  @Responds({ schema: { type: 'array', items: { type: 'object' } } })
  async list(@Req() req: GatewayRequest, @AccountId() accountId: string): Promise<KazooResult> {
    return {
      data: await this.bus.send(Commands.BroadcastAppList, {
        tenantId: accountId,
        actor: actorOf(req),
      }),
    };
  }

  /**
   * PUT on the collection creates: with the client's id in the data (`data.id`, Onbuka-style app ids), or,
   * as any Kazoo collection PUT, without one: a generated 32-hex id, answered in the document. With an
   * `Idempotency-Key` the generated id is derived from the account and the key, so a retried create names
   * the same app (the put is an upsert by id) and is the same request to the idempotency check.
   */
  @Put()
  @BodySchema(APP_BODY)
  @APP
  async create(
    @Req() req: GatewayRequest,
    @AccountId() accountId: string,
    @Body() body: unknown,
  ): Promise<KazooResult> {
    const given = dataOf(body);
    const doc = given.id === undefined ? { ...given, id: generatedAppId(accountId, req) } : given;
    checkAppIdField(doc.id);
    const data = await this.bus.send(Commands.BroadcastAppPut, {
      tenantId: accountId,
      actor: actorOf(req),
      appId: doc.id,
      doc,
    });
    return { data, status: 201 };
  }

  @Get(':appId')
  @APP
  async get(
    @Req() req: GatewayRequest,
    @AccountId() accountId: string,
    @Param('appId') id: string,
  ): Promise<KazooResult> {
    return {
      data: await this.bus.send(Commands.BroadcastAppGet, {
        tenantId: accountId,
        actor: actorOf(req),
        appId: appId(id),
      }),
    };
  }

  @Post(':appId')
  @BodySchema(APP_BODY)
  @APP
  async update(
    @Req() req: GatewayRequest,
    @AccountId() accountId: string,
    @Param('appId') id: string,
    @Body() body: unknown,
  ): Promise<KazooResult> {
    const doc = dataOf(body);
    if (doc.id !== undefined) checkAppIdField(doc.id);
    return {
      data: await this.bus.send(Commands.BroadcastAppPut, {
        tenantId: accountId,
        actor: actorOf(req),
        appId: appId(id),
        doc,
      }),
    };
  }

  @Delete(':appId')
  @Responds({ schema: { type: 'object' } })
  async remove(
    @Req() req: GatewayRequest,
    @AccountId() accountId: string,
    @Param('appId') id: string,
  ): Promise<KazooResult> {
    return {
      data: await this.bus.send(Commands.BroadcastAppDelete, {
        tenantId: accountId,
        actor: actorOf(req),
        appId: appId(id),
      }),
    };
  }
}

@KazooController('accounts/:accountId/broadcasts')
export class BroadcastsController {
  constructor(private readonly bus: CommandBus) {}

  /**
   * PUT on the collection queues a batch, as Onbuka's sendGroup does: the account's admins and above;
   * retried safely with an `Idempotency-Key`. Over the account's `max_queued_calls` the batch is refused
   * whole, 429 with Retry-After, nothing queued.
   */
  @Put()
  @BodySchema(BATCH_BODY)
  @Responds({
    schema: closed({
      id: { type: 'string' },
      calls: { type: 'array', items: closed({ voice_id: { type: 'string' }, callee: NUMBER }) },
    }),
  })
  @Examples({
    request: {
      data: {
        callees: ['932111111111', '932111111112'],
        app_id: '4luaKsL2',
        file_id: '12022022570cc2484c59d4f8b9745d34',
        display_number: '1008122211',
        max_ringing_time: 60,
        loop_count: 1,
      },
    },
  })
  async create(
    @Req() req: GatewayRequest,
    @AccountId() accountId: string,
    @Body() body: unknown,
  ): Promise<KazooResult> {
    const r = await this.bus.send(Commands.BroadcastCreate, {
      tenantId: accountId,
      actor: actorOf(req),
      ...nativeBatchOf(body),
      source: 'native',
    });
    return {
      data: { id: r.id, calls: r.calls.map((c) => ({ voice_id: c.voiceId, callee: c.callee })) },
      status: 201,
    };
  }

  @Get()
  async list(@Req() req: GatewayRequest, @AccountId() accountId: string): Promise<KazooResult> {
    return {
      data: await this.bus.send(Commands.BroadcastList, { tenantId: accountId, actor: actorOf(req) }),
    };
  }

  @Get(':id')
  async get(
    @Req() req: GatewayRequest,
    @AccountId() accountId: string,
    @BroadcastId() id: string,
  ): Promise<KazooResult> {
    return {
      data: await this.bus.send(Commands.BroadcastGet, {
        tenantId: accountId,
        actor: actorOf(req),
        broadcastId: id,
      }),
    };
  }

  @Get(':id/calls')
  @Responds({ schema: { type: 'array', items: { type: 'object' } } })
  async calls(
    @Req() req: GatewayRequest,
    @AccountId() accountId: string,
    @BroadcastId() id: string,
    @Query() q: Record<string, unknown>,
  ): Promise<KazooResult> {
    const state = q.state;
    if (state !== undefined && (typeof state !== 'string' || !CALL_STATES.includes(state as CallState)))
      throw new DomainError(ErrorCode.ValidationFailed, 'invalid query', {
        state: { enum: { message: `state must be one of ${CALL_STATES.join(', ')}` } },
      });
    const size = q.page_size === undefined ? 100 : Number(q.page_size);
    if (!Number.isInteger(size) || size < 1 || size > 1000)
      throw new DomainError(ErrorCode.ValidationFailed, 'invalid query', {
        page_size: { range: { message: 'page_size must be 1 to 1000' } },
      });
    const start = q.start_key;
    if (start !== undefined && (typeof start !== 'string' || !/^\d{1,9}$/.test(start)))
      throw new DomainError(ErrorCode.ValidationFailed, 'invalid query', {
        start_key: { type: { message: 'start_key must be one a previous page gave' } },
      });
    const r = await this.bus.send(Commands.BroadcastCalls, {
      tenantId: accountId,
      actor: actorOf(req),
      broadcastId: id,
      pageSize: size,
      ...(state !== undefined ? { state: state as CallState } : {}),
      ...(start !== undefined ? { startKey: start } : {}),
    });
    return {
      data: r.calls,
      page: {
        page_size: r.calls.length,
        ...(start !== undefined ? { start_key: start } : {}),
        ...(r.next_start_key ? { next_start_key: r.next_start_key } : {}),
      },
    };
  }

  @Post(':id/cancel')
  @Responds({ schema: { type: 'object' } })
  async cancel(
    @Req() req: GatewayRequest,
    @AccountId() accountId: string,
    @BroadcastId() id: string,
  ): Promise<KazooResult> {
    return {
      data: await this.bus.send(Commands.BroadcastCancel, {
        tenantId: accountId,
        actor: actorOf(req),
        broadcastId: id,
      }),
    };
  }
}

@KazooController('accounts/:accountId/dnc_numbers')
export class DncNumbersController {
  constructor(private readonly bus: CommandBus) {}

  @Get()
  async list(@Req() req: GatewayRequest, @AccountId() accountId: string): Promise<KazooResult> {
    return {
      data: await this.bus.send(Commands.DncList, { tenantId: accountId, actor: actorOf(req) }),
    };
  }

  @Put()
  @BodySchema(NUMBERS_BODY)
  @Responds({ status: 200 })
  async add(
    @Req() req: GatewayRequest,
    @AccountId() accountId: string,
    @Body() body: unknown,
  ): Promise<KazooResult> {
    return {
      data: await this.bus.send(Commands.DncAdd, {
        tenantId: accountId,
        actor: actorOf(req),
        numbers: numbersOf(body),
      }),
    };
  }

  @Delete()
  @BodySchema(NUMBERS_BODY)
  async remove(
    @Req() req: GatewayRequest,
    @AccountId() accountId: string,
    @Body() body: unknown,
  ): Promise<KazooResult> {
    return {
      data: await this.bus.send(Commands.DncRemove, {
        tenantId: accountId,
        actor: actorOf(req),
        numbers: numbersOf(body),
      }),
    };
  }
}

/** Operator only: import an existing Onbuka key pair for an account (`{"data": {"api_key", "api_secret"}}`). */
@KazooController('accounts/:accountId/onbuka_keys')
export class OnbukaKeysController {
  constructor(private readonly bus: CommandBus) {}

  @Put()
  @BodySchema(ONBUKA_KEY_BODY)
  async import(
    @Req() req: GatewayRequest,
    @AccountId() accountId: string,
    @Body() body: unknown,
  ): Promise<KazooResult> {
    const data = dataOf(body);
    const apiKey = data.api_key;
    const apiSecret = data.api_secret;
    if (
      typeof apiKey !== 'string' ||
      !/^[A-Za-z0-9_-]{4,128}$/.test(apiKey) ||
      typeof apiSecret !== 'string' ||
      !/^[\x21-\x7e]{4,256}$/.test(apiSecret)
    )
      throw new DomainError(ErrorCode.ValidationFailed, 'invalid data', {
        api_key: {
          pattern: {
            message:
              'api_key (4-128 of A-Z, a-z, 0-9, _ -) and api_secret (4-256 printable characters) are required',
          },
        },
      });
    const r = await this.bus.send(Commands.OnbukaImportKey, {
      tenantId: accountId,
      actor: actorOf(req),
      apiKey,
      apiSecret,
    });
    return { data: r, status: 201 };
  }
}
