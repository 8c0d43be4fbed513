// The body rules of Onbuka's `POST /v3/voice/sendGroup`, exactly as its document states them. A field that
// breaks its rule fails the batch (-22); a callee that is not 7-15 digits fails only its own entry (-9).
import { CALLEE, MAX_CALLEES, OnbukaCode } from '@voxmail/contracts';

export interface SendGroupFields {
  callees: string[];
  displayNum: string | null;
  fileId: string;
  appId: string;
  maxDuration: number | null;
  maxRingingTime: number;
  loopCount: number;
  calledInfo: string;
}

export class OnbukaError extends Error {
  constructor(
    readonly status: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const param = (reason: string) => new OnbukaError(OnbukaCode.ParameterError, reason);

/** An Int field: a JSON integer (or its digits as a string, as form-minded clients send), or null/absent. */
function int(v: unknown, name: string, min: number, max: number): number | null {
  if (v === undefined || v === null) return null;
  const n = typeof v === 'string' && /^-?\d{1,6}$/.test(v.trim()) ? Number(v.trim()) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max)
    throw param(`${name} must be an integer from ${min} to ${max}`);
  return n;
}

const APP_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function parseSendGroup(body: unknown): SendGroupFields {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw param('the body must be a JSON object');
  const b = body as Record<string, unknown>;
  if (b.callee === undefined || b.callee === null || b.callee === '')
    throw new OnbukaError(OnbukaCode.NumbersEmpty, 'callee is empty');
  if (typeof b.callee !== 'string') throw param('callee must be a string of comma-separated numbers');
  const callees = b.callee.split(',').map((c) => c.trim());
  if (callees.every((c) => c === '')) throw new OnbukaError(OnbukaCode.NumbersEmpty, 'callee is empty');
  if (callees.length > MAX_CALLEES) throw param(`callee must have at most ${MAX_CALLEES} numbers`);
  let displayNum: string | null = null;
  if (b.displayNum !== undefined && b.displayNum !== null && b.displayNum !== '') {
    if (typeof b.displayNum !== 'string' || !CALLEE.test(b.displayNum))
      throw param('displayNum must be 7-15 digits or null');
    displayNum = b.displayNum;
  }
  if (typeof b.fileId !== 'string' || !b.fileId.trim() || b.fileId.length > 256)
    throw param('fileId is required');
  if (typeof b.appId !== 'string' || !APP_ID.test(b.appId)) throw param('appId is required');
  const calledInfo = b.calledInfo ?? '';
  if (typeof calledInfo !== 'string' || [...calledInfo].length > 1000)
    throw param('calledInfo must be 0-1000 characters');
  return {
    callees,
    displayNum,
    fileId: b.fileId,
    appId: b.appId,
    maxDuration: int(b.maxDuration, 'maxDuration', 1, 120),
    maxRingingTime: int(b.maxRingingTime, 'maxRingingTime', 20, 120) ?? 60,
    loopCount: int(b.loopCount, 'loopCount', 1, 3) ?? 1,
    calledInfo,
  };
}

export const isCallee = (c: string): boolean => CALLEE.test(c);

const intOrDigits = (min: number, max: number) => ({
  oneOf: [
    { type: ['integer', 'null'], minimum: min, maximum: max },
    { type: 'string', pattern: '^-?[0-9]{1,6}$' },
  ],
});

/** The body parseSendGroup reads, as a JSON schema (OpenAPI: the same rules). */
export const SEND_GROUP_BODY = {
  type: 'object',
  required: ['callee', 'fileId', 'appId'],
  properties: {
    callee: { type: 'string', minLength: 1, description: `at most ${MAX_CALLEES} comma-separated numbers` },
    displayNum: { oneOf: [{ type: 'string', pattern: `(${CALLEE.source})|^$` }, { type: 'null' }] },
    fileId: { type: 'string', minLength: 1, maxLength: 256 },
    appId: { type: 'string', pattern: APP_ID.source },
    maxDuration: intOrDigits(1, 120),
    maxRingingTime: intOrDigits(20, 120),
    loopCount: intOrDigits(1, 3),
    calledInfo: { type: ['string', 'null'], maxLength: 1000 },
  },
};

/** One callee of a sendGroup answer: its voiceId, or `-9` for a number that is not 7-15 digits. */
export const SEND_GROUP_ENTRY = {
  type: 'object',
  required: ['voiceId', 'callee', 'terminationCode', 'terminationReason'],
  properties: {
    voiceId: { type: 'string', pattern: '^([0-9]{19})?$' },
    callee: { type: 'string' },
    terminationCode: { enum: [OnbukaCode.Success, OnbukaCode.NumberAbnormal] },
    terminationReason: { type: 'string' },
  },
  additionalProperties: false,
};
