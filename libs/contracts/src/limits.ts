// An account's limits (`/v2/accounts/{id}/limits`): set by the operator or a reseller above the account,
// never by the account itself. null (or absent) means the deployment's default applies. Each service
// enforces the limits of what it stores: mailbox-service boxes and users, the dialer calls.
import { DomainError, ErrorCode } from './errors';
import type { JsonObject } from './kazoo';

/** Each limit with its largest allowed value. */
export const LIMIT_FIELDS = {
  max_concurrent_calls: 100_000,
  calls_per_second: 10_000,
  max_queued_calls: 10_000_000,
  max_storage_bytes: Number.MAX_SAFE_INTEGER,
  max_vmboxes: 10_000_000,
  max_users: 10_000_000,
  max_webhooks: 100_000,
} as const;

export type LimitName = keyof typeof LIMIT_FIELDS;

export type AccountLimits = { [K in LimitName]: number | null } & {
  /** The account's share of dialer slots against other accounts' (its plan), 1-100. */
  dialer_weight: number;
};

export const NO_LIMITS: AccountLimits = {
  max_concurrent_calls: null,
  calls_per_second: null,
  max_queued_calls: null,
  max_storage_bytes: null,
  max_vmboxes: null,
  max_users: null,
  max_webhooks: null,
  dialer_weight: 1,
};

/** Reads a limits document (a replacement: absent keys become null); a 400 names each bad key. */
export function parseLimits(doc: JsonObject): AccountLimits {
  const errors: Record<string, Record<string, { message: string }>> = {};
  const out: AccountLimits = { ...NO_LIMITS };
  for (const [k, v] of Object.entries(doc)) {
    if (k === 'id') continue;
    if (k === 'dialer_weight') {
      if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 100)
        errors[k] = { range: { message: 'dialer_weight must be an integer 1 to 100' } };
      else out.dialer_weight = v as number;
      continue;
    }
    if (!(k in LIMIT_FIELDS)) {
      errors[k] = { unknown: { message: `${k} is not a limit` } };
      continue;
    }
    const max = LIMIT_FIELDS[k as LimitName];
    if (v === null) continue;
    if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > max)
      errors[k] = { range: { message: `${k} must be null or an integer 0 to ${max}` } };
    else out[k as LimitName] = v as number;
  }
  if (Object.keys(errors).length) throw new DomainError(ErrorCode.ValidationFailed, 'invalid data', errors);
  return out;
}

/** An account's usage (`GET /v2/accounts/{id}/usage`). */
export interface AccountUsage {
  account_id: string;
  bytes_stored: number;
  objects: number;
  messages: number;
  vmboxes: number;
  users: number;
  /** The current month (UTC), `YYYY-MM`. */
  month: string;
  calls_placed: number;
  call_minutes: number;
  /** Issue 21: minutes of voicemail transcribed this month (as cut to TRANSCRIPTION_MAX_SECONDS). */
  transcription_minutes: number;
}

/** The JSON schema of a limits document, as parseLimits reads it and the services answer it. */
export const LimitsSchema = {
  type: 'object',
  properties: {
    ...Object.fromEntries(
      Object.entries(LIMIT_FIELDS).map(([k, max]) => [
        k,
        { type: ['integer', 'null'], minimum: 0, maximum: max },
      ]),
    ),
    dialer_weight: { type: 'integer', minimum: 1, maximum: 100 },
  },
  additionalProperties: false,
} as const;

/** The JSON schema of AccountUsage (OpenAPI). */
export const AccountUsageSchema = {
  type: 'object',
  required: ['account_id', 'month'],
  properties: {
    account_id: { type: 'string' },
    bytes_stored: { type: 'integer', minimum: 0 },
    objects: { type: 'integer', minimum: 0 },
    messages: { type: 'integer', minimum: 0 },
    vmboxes: { type: 'integer', minimum: 0 },
    users: { type: 'integer', minimum: 0 },
    month: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}$' },
    calls_placed: { type: 'integer', minimum: 0 },
    call_minutes: { type: 'number', minimum: 0 },
    transcription_minutes: { type: 'number', minimum: 0 },
  },
  additionalProperties: false,
} as const;
