// The account manager's JSON for a voicemail slot: exactly the document's fields, times as `...T12:59:32Z`.
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
    upload_url: links.url('upload', target(tenantId, s), Date.parse(s.expires_at)),
    download_url: null,
    max_upload_size: s.max_upload_size,
    content_type: s.content_type,
    created_at: laravelTime(s.created_at),
    uploaded_at: null,
  };
}

/** The answer to `GET .../voicemails/{uuid}` (and each item of the list). */
export function storedView(links: SlotLinks, tenantId: string, s: VoicemailSlot, downloadTtlMs: number) {
  return {
    id: s.id,
    sip_from: s.sip_from,
    get_url: s.uploaded_at ? links.url('download', target(tenantId, s), Date.now() + downloadTtlMs) : null,
    file_size: s.file_size,
    content_type: s.content_type,
    created_at: laravelTime(s.created_at),
    uploaded_at: laravelTime(s.uploaded_at),
  };
}
