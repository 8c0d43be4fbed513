// A webhook as the Kazoo API shows it: checked field by field, with Kazoo's validation error shape.
import { isIP } from 'node:net';
import { DomainError, ErrorCode, EventTypes, isPlainObject, JsonObject } from '@voxmail/contracts';
import { PrivateTargets, refusedAddress } from '@voxmail/messaging';

export const SIGNATURE_HEADER = 'x-voxmail-signature';
export const DELIVERY_HEADER = 'x-voxmail-delivery';
export const EVENT_HEADER = 'x-voxmail-event';

/** Headers a custom header may not set: ours, and those the HTTP client owns. */
const RESERVED_HEADERS = new Set([
  SIGNATURE_HEADER,
  DELIVERY_HEADER,
  EVENT_HEADER,
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
]);
const MAX_HEADERS = 20;
/** RFC 9110 `token` (a field name), at most 64 characters. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
/**
 * RFC 9110 `field-value`: visible ASCII and obs-text (Latin-1 0x80-0xFF) with spaces and tabs inside,
 * none at either end; no control character (NUL, CR, LF, \u0001...) and nothing beyond Latin-1 (an
 * HTTP/1.1 header is bytes: Node refuses to send such a value at all).
 */
const FIELD_VALUE = /^(?:[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?$/;

/** What an HTTP/1.1 client can write at all: tabs, visible ASCII, spaces and Latin-1 (Node's own check). */
const SENDABLE_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Whether a stored header can be sent (old rows may hold values from before the check): lenient on what
 * is merely untidy (a space at an end), so a webhook that delivered before keeps delivering.
 */
export const isSendableHeader = (name: string, value: unknown): boolean =>
  HEADER_NAME.test(name) && typeof value === 'string' && SENDABLE_VALUE.test(value);

/** The keys a client writes; everything else but `custom_data`-like extras is ignored. */
export interface WebhookFields {
  name: string;
  uri: string;
  http_verb: 'post';
  hook: string;
  retries: number;
  enabled: boolean;
  headers: Record<string, string>;
}

const invalid = (field: string, rule: string, message: string) =>
  new DomainError(ErrorCode.ValidationFailed, 'invalid data', { [field]: { [rule]: { message } } });

function knownHook(hook: string): boolean {
  return hook === 'all' || (Object.values(EventTypes) as string[]).includes(hook);
}

export function checkWebhook(input: JsonObject, allow: PrivateTargets): WebhookFields {
  const { name, uri, http_verb = 'post', hook, retries = 3, enabled = true, headers = {} } = input;
  if (typeof name !== 'string' || !name.trim() || name.length > 128)
    throw invalid('name', 'required', 'Field is required and must be a string of 1 to 128 characters');
  if (typeof uri !== 'string' || uri.length > 2048) throw invalid('uri', 'required', 'Field is required');
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw invalid('uri', 'format', 'Field must be an http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalid('uri', 'format', 'Field must be an http or https URL');
  if (url.username || url.password)
    throw invalid('uri', 'format', 'Credentials in the URL are not allowed; use a custom header');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    const why = refusedAddress(host, allow);
    if (why) throw invalid('uri', 'forbidden', `Webhooks may not target ${why}`);
  } else if (/^localhost\.?$/i.test(host) && allow === false) {
    throw invalid('uri', 'forbidden', 'Webhooks may not target a loopback address');
  }
  if (http_verb !== 'post')
    throw invalid('http_verb', 'enum', 'Value not found in enumerated list of values: post');
  if (typeof hook !== 'string' || !knownHook(hook))
    throw invalid('hook', 'enum', 'Value must be an event type of the catalogue (GET /asyncapi.json) or all');
  if (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0 || retries > 4)
    throw invalid('retries', 'maximum', 'Value must be an integer from 0 to 4');
  if (typeof enabled !== 'boolean') throw invalid('enabled', 'type', 'Value must be a boolean');
  if (!isPlainObject(headers)) throw invalid('headers', 'type', 'Value must be an object of strings');
  const entries = Object.entries(headers);
  if (entries.length > MAX_HEADERS)
    throw invalid('headers', 'maxProperties', `At most ${MAX_HEADERS} custom headers`);
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (!HEADER_NAME.test(k)) throw invalid('headers', 'format', `"${k.slice(0, 64)}" is not a header name`);
    if (RESERVED_HEADERS.has(k.toLowerCase()))
      throw invalid('headers', 'forbidden', `The ${k} header is set by the platform`);
    if (typeof v !== 'string' || v.length > 1024)
      throw invalid('headers', 'format', `The ${k} header must be a string of at most 1024 characters`);
    if (!FIELD_VALUE.test(v))
      throw invalid(
        'headers',
        'format',
        `The ${k} header value may hold only visible characters, with spaces or tabs between them ` +
          '(RFC 9110 field-value: no control character, nothing beyond Latin-1)',
      );
    out[k] = v;
  }
  return { name: name.trim(), uri, http_verb: 'post', hook, retries, enabled, headers: out };
}
