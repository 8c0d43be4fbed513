// Validation shared by the gateway and services: class-validator for command envelopes, JSON Schema
// (ajv) for Kazoo documents, both reporting Kazoo's `{field: {rule: {message}}}` details.
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { plainToInstance, ClassConstructor } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { DomainError, ErrorCode } from './errors';
import { JsonObject } from './kazoo';

export type ValidationDetails = Record<string, Record<string, { message: string; target?: unknown }>>;

const CV_RULES: Record<string, string> = {
  isDefined: 'required',
  isNotEmpty: 'required',
  maxLength: 'maxLength',
  minLength: 'minLength',
  matches: 'pattern',
  isIn: 'enum',
  min: 'minimum',
  max: 'maximum',
};

function flattenCv(errors: ValidationError[], prefix: string, out: ValidationDetails): void {
  for (const e of errors) {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    for (const [rule, message] of Object.entries(e.constraints ?? {})) {
      (out[field] ??= {})[CV_RULES[rule] ?? rule] = { message };
    }
    if (e.children?.length) flattenCv(e.children, field, out);
  }
}

const isBareObject = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && (Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype);

/**
 * class-transformer walks every key of every nested object (about 50 µs a key: a 60,000-key document
 * held mailbox-service's event loop for 3 s). Free-form documents (`doc`, ...) have no @Type and need no
 * transformation, so they are set aside and put back as they are; only @Type'd properties are walked.
 */
function toInstance<T extends object>(cls: ClassConstructor<T>, payload: Record<string, unknown>): T {
  const placeholders: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(payload)) placeholders[k] = isBareObject(v) ? {} : v;
  const probe = plainToInstance(cls, placeholders, { exposeDefaultValues: true }) as Record<string, unknown>;
  const freeForm = Object.keys(payload).filter((k) => isBareObject(payload[k]) && isBareObject(probe[k]));
  const shallow: Record<string, unknown> = { ...payload };
  for (const k of freeForm) shallow[k] = {};
  const instance = plainToInstance(cls, shallow, { exposeDefaultValues: true }) as Record<string, unknown>;
  for (const k of freeForm) instance[k] = payload[k];
  return instance as T;
}

/** Turns an untrusted payload into a validated command instance, or throws a coded validation error. */
export function validateCommand<T extends object>(cls: ClassConstructor<T>, payload: unknown): T {
  if (typeof payload !== 'object' || payload === null) {
    throw new DomainError(ErrorCode.ValidationFailed, 'invalid data', {
      payload: { type: { message: 'Value is not an object' } },
    });
  }
  const instance = toInstance(cls, payload as Record<string, unknown>);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: false });
  if (errors.length) {
    const details: ValidationDetails = {};
    flattenCv(errors, '', details);
    throw new DomainError(ErrorCode.ValidationFailed, 'invalid data', details);
  }
  return instance;
}

const IANA_ZONES = new Set(Intl.supportedValuesOf('timeZone'));
IANA_ZONES.add('UTC');
IANA_ZONES.add('Etc/UTC');

export function isIanaZone(v: string): boolean {
  if (IANA_ZONES.has(v)) return true;
  // links and legacy names (Japan, Egypt, EST5EDT) are valid IANA zones too; offsets like +01:00 are not
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(v)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: v });
    return true;
  } catch {
    return false;
  }
}

export const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, coerceTypes: false });
addFormats(ajv, ['email', 'hostname', 'uri']);
ajv.addFormat('iana-timezone', { type: 'string', validate: isIanaZone });

function fieldOf(e: ErrorObject): string {
  const base = e.instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
  if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    return base ? `${base}.${missing}` : missing;
  }
  return base || 'data';
}

function messageOf(e: ErrorObject): { message: string; target?: unknown } {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { message: 'Field is required but missing' };
    case 'minLength':
      return { message: `String must be at least ${p.limit} characters`, target: p.limit };
    case 'maxLength':
      return { message: `String must not be more than ${p.limit} characters`, target: p.limit };
    case 'type':
      return { message: `Value is not of type ${p.type}`, target: p.type };
    case 'enum':
      return { message: 'Value not found in enumerated list of values', target: p.allowedValues };
    case 'pattern':
      return { message: `Failed to match pattern '${p.pattern}'`, target: p.pattern };
    case 'minimum':
      return { message: `Value must be at least ${p.limit}`, target: p.limit };
    case 'maximum':
      return { message: `Value must be at most ${p.limit}`, target: p.limit };
    case 'minItems':
      return { message: `The list must have at least ${p.limit} items`, target: p.limit };
    case 'maxItems':
      return { message: `The list must not have more than ${p.limit} items`, target: p.limit };
    case 'format':
      return {
        message:
          p.format === 'iana-timezone'
            ? 'Value is not a known IANA time zone'
            : `Value is not a valid ${p.format}`,
        target: p.format,
      };
    default:
      return { message: e.message ?? 'Value is invalid' };
  }
}

export function kazooDetails(errors: ErrorObject[]): ValidationDetails {
  const out: ValidationDetails = {};
  for (const e of errors) {
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'if') continue;
    const field = fieldOf(e);
    const rule = e.keyword === 'format' ? 'format' : e.keyword;
    (out[field] ??= {})[rule] ??= messageOf(e);
  }
  return out;
}

/** How deep a Kazoo document may nest; real documents are a few levels deep. */
export const MAX_DOCUMENT_DEPTH = 32;
/**
 * How large a stored document may grow (custom keys included, after a PATCH merge): its events must
 * fit in one NATS message (1 MiB by default) with room to spare, or the outbox relay could never
 * publish them and every later event of the service would wait behind them.
 */
export const MAX_DOCUMENT_BYTES = 256 * 1024;

/**
 * What no schema can say about custom keys: a document nested deeper than MAX_DOCUMENT_DEPTH, or a key
 * or string holding a NUL character (PostgreSQL text and jsonb cannot store one). Iterative, so a
 * hostile document cannot exhaust the stack. Returns Kazoo-shaped details, or undefined when fine.
 */
export function documentProblem(doc: unknown, maxBytes?: number): ValidationDetails | undefined {
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: doc, path: '', depth: 0 }];
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    const field = path || 'data';
    if (typeof v === 'string') {
      if (v.includes('\u0000'))
        return { [field]: { type: { message: 'Strings cannot contain NUL characters' } } };
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_DOCUMENT_DEPTH) {
      return {
        [field]: {
          maxDepth: {
            message: `Documents cannot nest more than ${MAX_DOCUMENT_DEPTH} levels`,
            target: MAX_DOCUMENT_DEPTH,
          },
        },
      };
    }
    for (const [k, child] of Object.entries(v)) {
      if (k.includes('\u0000'))
        return { [field]: { type: { message: 'Keys cannot contain NUL characters' } } };
      stack.push({ v: child, path: path ? `${path}.${k}` : k, depth: depth + 1 });
    }
  }
  if (maxBytes !== undefined && Buffer.byteLength(JSON.stringify(doc)) > maxBytes) {
    return {
      data: {
        maxSize: { message: `The document must not be larger than ${maxBytes} bytes`, target: maxBytes },
      },
    };
  }
  return undefined;
}

const compiled = new Map<object, ValidateFunction>();

/**
 * Validates a Kazoo document against its JSON schema, filling schema defaults in place.
 * Throws a coded validation error carrying Kazoo's details shape. `T` is what the schema guarantees,
 * for callers that read its fields.
 */
export function validateDocument<T extends object = JsonObject>(
  schema: object,
  doc: JsonObject,
): T & JsonObject {
  const problem = documentProblem(doc, MAX_DOCUMENT_BYTES);
  if (problem) throw new DomainError(ErrorCode.ValidationFailed, 'invalid data', problem);
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (!validate(doc)) {
    throw new DomainError(ErrorCode.ValidationFailed, 'invalid data', kazooDetails(validate.errors ?? []));
  }
  return doc as T & JsonObject;
}
