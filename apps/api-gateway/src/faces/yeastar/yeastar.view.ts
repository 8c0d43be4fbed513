// The Yeastar OpenAPI success shape: `{errcode: 0, errmsg: "SUCCESS", ...}`.
import type { MediaDocument } from '@voxmail/contracts';

export const success = <T extends object>(fields: T) => ({ errcode: 0, errmsg: 'SUCCESS', ...fields });

/** One greeting file in a list. */
export function greetingView(d: MediaDocument) {
  return {
    file: d.name,
    format: d.format ?? null,
    size: d.size ?? 0,
    duration: d.duration_ms !== undefined ? Math.round(d.duration_ms / 1000) : 0,
    upload_time: d.uploaded_at ?? null,
  };
}
