// Kazoo document conventions shared by every service: ids, Gregorian seconds, revisions, merge-patch.
import { createHash, randomBytes } from 'node:crypto';

export const HEX_ID = /^[0-9a-f]{32}$/;
export const GREGORIAN_OFFSET = 62167219200;

export function newId(): string {
  return randomBytes(16).toString('hex');
}

export function isHexId(v: unknown): v is string {
  return typeof v === 'string' && HEX_ID.test(v);
}

export function toGregorian(d: Date): number {
  return Math.floor(d.getTime() / 1000) + GREGORIAN_OFFSET;
}

export function fromGregorian(seconds: number): Date {
  return new Date((seconds - GREGORIAN_OFFSET) * 1000);
}

/** `<n>-<32 hex>` as Kazoo/CouchDB revisions look; changes on every write. */
export function revisionOf(id: string, version: number): string {
  return `${version}-${createHash('md5').update(`${id}:${version}`).digest('hex')}`;
}

/** A revision for a computed body (lists): stable for the same content. */
export function contentRevision(body: unknown): string {
  return createHash('md5').update(JSON.stringify(body)).digest('hex');
}

export type JsonObject = { [k: string]: unknown };

export function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 7396 merge: objects merge key by key, `null` removes a key, anything else replaces. */
export function mergePatch(target: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (isPlainObject(v) && isPlainObject(out[k])) out[k] = mergePatch(out[k] as JsonObject, v);
    else out[k] = v;
  }
  return out;
}

/** Strips keys a client may not set: ids and Kazoo's private/read-only keys. */
export function withoutReservedKeys(doc: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(doc)) {
    if (k === 'id' || k === '_read_only' || k.startsWith('pvt_') || k.startsWith('_')) continue;
    out[k] = v;
  }
  return out;
}
