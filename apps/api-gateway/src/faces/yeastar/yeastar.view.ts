// The Yeastar OpenAPI success shape: `{errcode: 0, errmsg: "SUCCESS", ...}`.
import type { BoxGreeting } from '@voxmail/contracts';

export const success = <T extends object>(fields: T) => ({ errcode: 0, errmsg: 'SUCCESS', ...fields });

/** One greeting of a box in a list, whichever face set it: a media greeting under its media name. */
export function boxGreetingView(g: BoxGreeting) {
  return {
    file: g.file,
    format: g.format ?? null,
    size: g.size ?? 0,
    duration: g.duration_ms !== undefined ? Math.round(g.duration_ms / 1000) : 0,
    upload_time: g.uploaded_at ?? null,
  };
}

/** boxGreetingView as a JSON schema (OpenAPI). */
export const BOX_GREETING_VIEW = {
  type: 'object',
  required: ['file', 'format', 'size', 'duration', 'upload_time'],
  properties: {
    file: { type: 'string' },
    format: { type: ['string', 'null'] },
    size: { type: 'integer', minimum: 0 },
    duration: { type: 'integer', minimum: 0 },
    upload_time: { type: ['string', 'null'] },
  },
  additionalProperties: false,
};
