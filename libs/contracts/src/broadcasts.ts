// Commands and shapes of voice broadcasts (broadcast-dialer-service): campaigns of prompt calls to many
// numbers, the apps (carrier and pacing) they run on, the do-not-call list and the Onbuka key pairs.
import { IsIn, IsISO8601, IsObject, IsOptional, IsString, Matches } from 'class-validator';
import { Int, List, Text } from './rules';
import { createHash, timingSafeEqual } from 'node:crypto';
import { BroadcastState, CALL_STATES, CallState } from './broadcast-states';
import { TenantCommand } from './commands';
import { HEX_ID, JsonObject } from './kazoo';

export * from './broadcast-states';

/** A callee: 7-15 digits, national code first (the Onbuka document's rule). */
export const CALLEE = /^\d{7,15}$/;
/** An app id: Onbuka's are 8 letters and digits; ours 1-64 of [A-Za-z0-9_-]. */
export const APP_ID = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_CALLEES = 1000;

/** Onbuka's published status codes, as the face answers them. */
export const OnbukaCode = {
  Success: '0',
  AuthError: '-1',
  NumberAbnormal: '-9',
  NumbersEmpty: '-8',
  TimestampExpired: '-16',
  ParameterError: '-22',
  DataNotExist: '-24',
  /** Over a limit of the account (its queued calls): the request was refused whole. */
  OverLimit: '-7',
} as const;

/** An Onbuka Sign checked by the holder of the secret (mailbox-service for API clients). */
export class OnbukaSignCommand {
  @Matches(HEX_ID) apiKey: string;
  @IsString() @Matches(/^\d{1,13}$/) timestamp: string;
  @IsString() @Matches(/^[0-9A-Fa-f]{32}$/) sign: string;
}

export class OnbukaAuthCommand {
  @Text(128) apiKey: string;
  @IsString() @Matches(/^\d{1,13}$/) timestamp: string;
  @IsString() @Matches(/^[0-9A-Fa-f]{32}$/) sign: string;
}

export class ImportOnbukaKeyCommand extends TenantCommand {
  @IsString() @Matches(/^[A-Za-z0-9_-]{4,128}$/) apiKey: string;
  @IsString() @Matches(/^[\x21-\x7e]{4,256}$/) apiSecret: string;
}

/** A campaign as accepted: the face checked its shape; the dialer checks the app, prompt and DNC. */
export class CreateBroadcastCommand extends TenantCommand {
  @List(MAX_CALLEES, 1) @Matches(CALLEE, { each: true }) callees: string[];
  @IsOptional() @Matches(CALLEE) displayNum?: string | null;
  @Text(256) fileId: string;
  @Matches(APP_ID) appId: string;
  @IsOptional() @Int(1, 120) maxDuration?: number | null;
  @Int(20, 120) maxRingingTime: number;
  @Int(1, 3) loopCount: number;
  @Text(1000) calledInfo: string;
  /** Where the campaign came from (`onbuka`, `native`). */
  @IsIn(['onbuka', 'native']) source: 'onbuka' | 'native';
}

export interface AcceptedCall {
  voiceId: string;
  callee: string;
}

export interface BroadcastReply {
  id: string;
  app_id: string;
  file_id: string;
  state: BroadcastState;
  created_at: string;
  counts: Partial<Record<CallState, number>>;
  total: number;
}

export interface CallReply {
  id: string;
  broadcast_id: string;
  callee: string;
  state: CallState;
  attempts: number;
  updated_at: string;
}

/** A voiceId: Onbuka's 19 digits (`yyMMddHHmmss` and a counter). */
export const VOICE_ID = /^\d{19}$/;

export class CallRecordCommand extends TenantCommand {
  @Matches(VOICE_ID) voiceId: string;
}

/** One call as Onbuka's `GET /v3/voice/recordGroup/{voiceId}` answers it (keys in the document's order). */
export interface CallRecord {
  voiceId: string;
  callee: string;
  displayNum: string;
  code: string;
  submitTime: string;
  callTime: string;
  ringingTime: string;
  answerTime: string;
  hangupTime: string;
  callDuration: number;
  chargedDuration: number;
  terminationCode: string;
  terminationReason: string;
  costEur: string;
  billPeriod: string;
  rate: string;
  baseCost: string;
  voiceFileId: string;
  feedbackValue: string;
  calledInfo: string;
}

/** Onbuka's `recordGroupQuery`: the calls submitted in a time window, a page at a time. */
export class CallRecordQueryCommand extends TenantCommand {
  /** The window's start and end (ISO 8601 instants), at most 31 days apart. */
  @IsISO8601({ strict: true }) from: string;
  @IsISO8601({ strict: true }) to: string;
  @Int(1, 100000) current: number;
  @Int(1, 100) size: number;
}

/** A page of call records as Onbuka's `recordGroupQuery` answers it (keys in the document's order). */
export interface CallRecordPage {
  total: number;
  size: number;
  current: number;
  pages: number;
  searchCount: boolean;
  records: CallRecord[];
}

export class BroadcastIdCommand extends TenantCommand {
  @Matches(HEX_ID) broadcastId: string;
}

export class BroadcastCallsCommand extends BroadcastIdCommand {
  @IsOptional() @IsIn(CALL_STATES) state?: CallState;
  @IsOptional() @Text(64) startKey?: string;
  @Int(1, 1000) pageSize: number;
}

export class AppIdCommand extends TenantCommand {
  @Matches(APP_ID) appId: string;
}

export class PutAppCommand extends AppIdCommand {
  @IsObject() doc: JsonObject;
}

export class DncCommand extends TenantCommand {
  @List(MAX_CALLEES) @Matches(CALLEE, { each: true }) numbers: string[];
}

export class TenantOnlyCommand extends TenantCommand {}

/** Onbuka's published signature: hex `md5(Api-Key + ApiSecret + Timestamp)`. */
export function onbukaSign(apiKey: string, secret: string, timestamp: string): string {
  return createHash('md5')
    .update(apiKey + secret + timestamp)
    .digest('hex');
}

/**
 * Whether `sign` (any case) is the Onbuka signature of the key, secret and timestamp, compared in
 * constant time. With no secret (an unknown key) a placeholder is hashed all the same, so the time
 * taken does not tell known keys from unknown ones; the answer is then false.
 */
export function onbukaSignMatches(
  apiKey: string,
  secret: string | undefined,
  timestamp: string,
  sign: string,
): boolean {
  const expected = Buffer.from(onbukaSign(apiKey, secret ?? 'unknown-key-placeholder', timestamp), 'hex');
  const given = Buffer.from(sign.toLowerCase(), 'hex');
  return secret !== undefined && given.length === expected.length && timingSafeEqual(given, expected);
}

const text = { type: 'string' } as const;

/** The properties of CallRecord, in the document's order. */
const CALL_RECORD_PROPERTIES = {
  voiceId: { type: 'string', pattern: VOICE_ID.source },
  callee: text,
  displayNum: text,
  code: text,
  submitTime: text,
  callTime: text,
  ringingTime: text,
  answerTime: text,
  hangupTime: text,
  callDuration: { type: 'number', minimum: 0 },
  chargedDuration: { type: 'number', minimum: 0 },
  terminationCode: text,
  terminationReason: text,
  costEur: text,
  billPeriod: text,
  rate: text,
  baseCost: text,
  voiceFileId: text,
  feedbackValue: text,
  calledInfo: text,
};

/** The JSON schema of CallRecord (OpenAPI): every key, always present. */
export const CallRecordSchema = {
  type: 'object',
  required: Object.keys(CALL_RECORD_PROPERTIES),
  properties: CALL_RECORD_PROPERTIES,
  additionalProperties: false,
} as const;

/** The JSON schema of CallRecordPage (OpenAPI). */
export const CallRecordPageSchema = {
  type: 'object',
  required: ['total', 'size', 'current', 'pages', 'searchCount', 'records'],
  properties: {
    total: { type: 'integer', minimum: 0 },
    size: { type: 'integer', minimum: 1 },
    current: { type: 'integer', minimum: 1 },
    pages: { type: 'integer', minimum: 0 },
    searchCount: { type: 'boolean' },
    records: { type: 'array', items: CallRecordSchema },
  },
  additionalProperties: false,
} as const;
