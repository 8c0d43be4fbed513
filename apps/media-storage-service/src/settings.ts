// media-storage-service settings beyond MediaConfig, read from the environment once at start.
import { envInt as int } from '@voxmail/config';
import type { MediaKind } from '@voxmail/contracts';

export const MEDIA_SETTINGS = Symbol('MEDIA_SETTINGS');

export interface MediaSettings {
  /** Largest object accepted per kind, in bytes (8 MB greetings as the Yeastar face says). */
  maxBytes: Record<MediaKind, number>;
  /** Lifetime of presigned URLs handed to the gateway. */
  presignTtlS: number;
  /** A message object no message claimed (through its event) within this time is an orphan. */
  unclaimedTtlS: number;
  sweepIntervalMs: number;
  /** The ffmpeg binary used to transcode on download. */
  ffmpegPath: string;
}

const MB = 1024 * 1024;

export function loadMediaSettings(env: Record<string, string | undefined> = process.env): MediaSettings {
  return {
    maxBytes: {
      message: int(env, 'MEDIA_MAX_MESSAGE_BYTES', 16 * MB, 1024, 1024 * MB),
      greeting: int(env, 'MEDIA_MAX_GREETING_BYTES', 8 * MB, 1024, 1024 * MB),
      prompt: int(env, 'MEDIA_MAX_PROMPT_BYTES', 8 * MB, 1024, 1024 * MB),
      broadcast: int(env, 'MEDIA_MAX_BROADCAST_BYTES', 16 * MB, 1024, 1024 * MB),
    },
    presignTtlS: int(env, 'MEDIA_PRESIGN_TTL_S', 900, 10, 7 * 86400),
    unclaimedTtlS: int(env, 'MEDIA_UNCLAIMED_TTL_S', 86400, 1, 30 * 86400),
    sweepIntervalMs: int(env, 'MEDIA_SWEEP_INTERVAL_MS', 60000, 50, 86400000),
    ffmpegPath: env.FFMPEG_PATH || 'ffmpeg',
  };
}
