// Settings of the account manager face, read from the environment once at start.
import { envNumber as num } from '@voxmail/config';

export interface FlexisipSettings {
  /** `max_upload_size` of new slots, in bytes (the document's example: 3 MB). */
  maxUploadSize: number;
  /** How long an upload URL (and its empty slot) lives. */
  uploadTtlSeconds: number;
  /** How long a `get_url`/`download_url` stays valid after it is handed out. */
  downloadTtlSeconds: number;
}

export function loadFlexisipSettings(
  env: Record<string, string | undefined> = process.env,
): FlexisipSettings {
  return {
    maxUploadSize: num(env, 'FLEXISIP_MAX_UPLOAD_SIZE', 3000000, 1, 1024 * 1024 * 1024),
    uploadTtlSeconds: num(env, 'FLEXISIP_UPLOAD_URL_TTL_S', 3600, 1, 7 * 86400),
    downloadTtlSeconds: num(env, 'FLEXISIP_DOWNLOAD_URL_TTL_S', 3600, 1, 7 * 86400),
  };
}
