// The Kazoo 4.3 vmbox document (schema, defaults, bounds) and the vmbox commands and replies on NATS.
import { IsOptional, Matches } from 'class-validator';
import { Text } from './rules';
import { DocIdCommand, StoredDocument } from './commands';
import { DomainError } from './errors';
import { JsonObject } from './kazoo';
import { validateDocument, ValidationDetails } from './validation';

const bool = (dflt: boolean) => ({ type: 'boolean', default: dflt });
const hexId = { type: 'string', minLength: 32, maxLength: 32, pattern: '^[0-9a-f]{32}$' };
/** Kazoo stores a PIN as a string of 4..6 characters; Voxmail accepts digits only (a phone keypad). */
export const PIN_PATTERN = '^[0-9]+$';
export const PIN_RULE_MESSAGE = 'PIN must be 4 to 6 digits (0-9)';

/** Voxmail's own caps where Kazoo has none, so one document cannot grow without bound. */
export const VMBOX_LIMITS = {
  maxListItems: 100,
  maxMembers: 500,
  maxMessageCount: 10000,
  maxMessageLengthS: 86400,
} as const;

const NotifyCallbackSchema = {
  type: 'object',
  properties: {
    attempts: { type: 'integer', minimum: 0, maximum: 100 },
    disabled: { type: 'boolean' },
    interval_s: { type: 'integer', minimum: 0 },
    number: { type: 'string', minLength: 1, maxLength: 64 },
    schedule: { type: 'array', items: { type: 'integer', minimum: 0 }, maxItems: VMBOX_LIMITS.maxListItems },
    timeout_s: { type: 'integer', minimum: 0 },
  },
} as const;

/**
 * Kazoo 4.3 `vmboxes` schema with its defaults, plus Voxmail's `type`/`members` (group boxes) and the
 * per-box limits `max_message_count`/`max_message_length` (seconds). Unknown keys are kept (custom fields).
 */
export const VmboxSchema = {
  type: 'object',
  required: ['name', 'mailbox'],
  properties: {
    announcement_only: bool(false),
    check_if_owner: bool(true),
    delete_after_notify: bool(false),
    flags: { type: 'array', items: { type: 'string', maxLength: 128 }, maxItems: VMBOX_LIMITS.maxListItems },
    include_message_on_notify: bool(true),
    include_transcription_on_notify: bool(true),
    is_setup: bool(false),
    is_voicemail_ff_rw_enabled: bool(false),
    mailbox: { type: 'string', minLength: 1, maxLength: 30 },
    media: {
      type: 'object',
      default: {},
      properties: { unavailable: { type: 'string', minLength: 32, maxLength: 32 } },
    },
    media_extension: { type: 'string', enum: ['mp3', 'mp4', 'wav'], default: 'mp3' },
    name: { type: 'string', minLength: 1, maxLength: 128 },
    not_configurable: bool(false),
    notify: { type: 'object', properties: { callback: NotifyCallbackSchema } },
    notify_email_addresses: {
      type: 'array',
      items: { type: 'string', format: 'email', maxLength: 254 },
      maxItems: VMBOX_LIMITS.maxListItems,
      default: [],
    },
    oldest_message_first: bool(false),
    operator_number: { type: ['integer', 'string'], maxLength: 64 },
    owner_id: hexId,
    pin: { type: 'string', minLength: 4, maxLength: 6, pattern: PIN_PATTERN },
    require_pin: bool(false),
    save_after_notify: bool(false),
    seek_duration_ms: { type: 'integer', minimum: 0, default: 10000 },
    skip_envelope: bool(false),
    skip_greeting: bool(false),
    skip_instructions: bool(false),
    timezone: { type: 'string', minLength: 5, maxLength: 32, format: 'iana-timezone' },
    transcribe: bool(false),
    type: { type: 'string', enum: ['personal', 'group'] },
    members: { type: 'array', items: hexId, uniqueItems: true, maxItems: VMBOX_LIMITS.maxMembers },
    max_message_count: { type: 'integer', minimum: 1, maximum: VMBOX_LIMITS.maxMessageCount },
    max_message_length: { type: 'integer', minimum: 1, maximum: VMBOX_LIMITS.maxMessageLengthS },
  },
} as const;

/** Keys of the box only the service writes; a client sending them back (after a GET) is ignored. */
export const VMBOX_READ_ONLY_KEYS = ['pin_set'] as const;

/**
 * Validates a vmbox document (filling Kazoo's defaults in place). PIN rule failures say "digits"
 * instead of quoting a regular expression.
 */
export function validateVmbox(doc: JsonObject): JsonObject {
  try {
    return validateDocument(VmboxSchema, doc);
  } catch (e) {
    if (e instanceof DomainError && e.details?.pin) {
      const pin = e.details.pin as ValidationDetails[string];
      for (const rule of Object.keys(pin)) {
        if (rule === 'pattern' || rule === 'minLength' || rule === 'maxLength') {
          pin[rule] = { ...pin[rule], message: PIN_RULE_MESSAGE };
        }
      }
    }
    throw e;
  }
}

export const VerifyPinSchema = {
  type: 'object',
  required: ['pin'],
  properties: { pin: { type: 'string', minLength: 4, maxLength: 6, pattern: PIN_PATTERN } },
} as const;

export function validatePinAttempt(data: JsonObject): { pin: string } {
  try {
    return validateDocument(VerifyPinSchema, data) as { pin: string };
  } catch (e) {
    if (e instanceof DomainError && e.details?.pin) {
      const pin = e.details.pin as ValidationDetails[string];
      for (const rule of Object.keys(pin))
        if (rule !== 'required') pin[rule] = { ...pin[rule], message: PIN_RULE_MESSAGE };
    }
    throw e;
  }
}

/** `DELETE` of a box; `If-Match` protects against deleting a box someone just changed. */
export class DeleteVmboxCommand extends DocIdCommand {
  @IsOptional() @Text(64) ifRevision?: string;
}

export class VerifyPinCommand extends DocIdCommand {
  @Matches(/^[0-9]{4,6}$/, { message: PIN_RULE_MESSAGE }) pin: string;
}

/** Effective limits: the box's value, else the account's default, else none. */
export interface VmboxLimits {
  max_message_count: number | null;
  max_message_length: number | null;
}

/** Reply of `Subjects.Vmbox.Get`: the box as the actor may see it (never the PIN) and its limits. */
export interface VmboxReply {
  doc: StoredDocument;
  revision: string;
  limits: VmboxLimits;
}

/** Reply of `Subjects.Vmbox.VerifyPin` when the box is not locked (a locked box answers `Locked`). */
export interface PinVerifyReply {
  valid: boolean;
}
