// Settings of the Yeastar OpenAPI face, read from the environment once at start.
import { envNumber as num } from '@voxmail/config';

export interface YeastarSettings {
  /** `access_token_expire_time`: the face refuses its tokens after this long (Yeastar: 30 minutes). */
  accessTokenTtlSeconds: number;
  /** How long a `play_resource_url` stays valid (the document: 30 minutes). */
  playLinkTtlSeconds: number;
  /** Largest greeting file (the document: 8 MB). */
  maxGreetingBytes: number;
}

export function loadYeastarSettings(env: Record<string, string | undefined> = process.env): YeastarSettings {
  return {
    accessTokenTtlSeconds: num(env, 'YEASTAR_ACCESS_TOKEN_TTL_S', 1800, 1, 86400),
    playLinkTtlSeconds: num(env, 'YEASTAR_PLAY_LINK_TTL_S', 1800, 1, 86400),
    maxGreetingBytes: num(env, 'YEASTAR_MAX_GREETING_BYTES', 8 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  };
}
