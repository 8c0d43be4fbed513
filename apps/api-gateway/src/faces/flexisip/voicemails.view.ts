// The account manager's JSON for a voicemail slot: the document's fields, and beside them those its code
// also answers (`name`, `size`, `download_url`: Laravel's AccountFile), times as `...T12:59:32Z`.
import type { VoicemailSlot } from '@voxmail/contracts';
import { SlotLinks } from './slot-links';

/** ISO 8601 UTC without milliseconds, as the document shows it. */
export function laravelTime(iso: string | null): string | null {
  return iso === null ? null : iso.replace(/\.\d{3}Z$/, 'Z');
}

function target(tenantId: string, s: VoicemailSlot) {
  return { tenantId, slotId: s.id };
}

/** The answer to `POST .../voicemails`. */
export function createdView(links: SlotLinks, tenantId: string, s: VoicemailSlot) {
  return {
    id: s.id,
    sip_from: s.sip_from,
    upload_url: links.uploadUrl(target(tenantId, s), Date.parse(s.expires_at)),
    download_url: null,
    max_upload_size: s.max_upload_size,
    content_type: s.content_type,
    created_at: laravelTime(s.created_at),
    uploaded_at: null,
    name: null,
    size: null,
  };
}

/** The answer to `GET .../voicemails/{uuid}` (and each item of the list), and to an upload. */
export function storedView(links: SlotLinks, tenantId: string, s: VoicemailSlot, downloadTtlMs: number) {
  const url = s.uploaded_at ? links.url('download', target(tenantId, s), Date.now() + downloadTtlMs) : null;
  return {
    id: s.id,
    sip_from: s.sip_from,
    get_url: url,
    file_size: s.file_size,
    content_type: s.content_type,
    created_at: laravelTime(s.created_at),
    uploaded_at: laravelTime(s.uploaded_at),
    name: s.name,
    size: s.file_size,
    download_url: url,
  };
}

const time = {
  type: ['string', 'null'],
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$',
};
const url = { type: ['string', 'null'] };
const size = { type: ['integer', 'null'], minimum: 0 };

/** createdView as a JSON schema (OpenAPI). */
export const CREATED_VIEW = {
  type: 'object',
  required: ['id', 'sip_from', 'upload_url', 'download_url', 'max_upload_size', 'content_type', 'created_at'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    sip_from: { type: ['string', 'null'] },
    upload_url: { type: 'string' },
    download_url: { type: 'null' },
    max_upload_size: { type: 'integer', minimum: 0 },
    content_type: { type: 'string' },
    created_at: time,
    uploaded_at: { type: 'null' },
    name: { type: 'null' },
    size: { type: 'null' },
  },
  additionalProperties: false,
};

/** storedView as a JSON schema (OpenAPI). */
export const STORED_VIEW = {
  type: 'object',
  required: [
    'id',
    'sip_from',
    'get_url',
    'file_size',
    'content_type',
    'created_at',
    'uploaded_at',
    'download_url',
  ],
  properties: {
    id: { type: 'string', format: 'uuid' },
    sip_from: { type: ['string', 'null'] },
    get_url: url,
    file_size: size,
    content_type: { type: 'string' },
    created_at: time,
    uploaded_at: time,
    name: { type: ['string', 'null'] },
    size,
    download_url: url,
  },
  additionalProperties: false,
};
