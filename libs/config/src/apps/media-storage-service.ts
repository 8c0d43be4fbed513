// media-storage-service: media objects in the object store. Add a variable: one line in `mediaSettingsSpec`
// (README: Configuration).
import { ffmpegPath, s3, service, vmboxTimeoutMs } from '../shared';
import { int, ms } from '../schema';

const MB = 1024 * 1024;

/** Bounds on transcoding (one rendition per object and format, kept). */
// prettier-ignore
export const transcodeSpec = {
  timeoutMs: ms('MEDIA_TRANSCODE_TIMEOUT_MS', 45000, [100, 600000], 'ffmpeg is killed (and the caller told 503) after this long'),
  maxDurationS: int('MEDIA_TRANSCODE_MAX_DURATION_S', 7200, [1, 86400], 'audio longer than this is not transcoded (422)'),
  maxBytes: int('MEDIA_TRANSCODE_MAX_BYTES', 256 * MB, [1024, 16 * 1024 * MB], 'largest rendition (ffmpeg stops writing; 422)'),
  perAccount: int('MEDIA_TRANSCODES_PER_ACCOUNT', 2, [1, 1000], 'transcodes one account may run at once per replica (429 above)'),
  concurrency: int('MEDIA_TRANSCODE_CONCURRENCY', 4, [1, 1000], 'transcodes at once per replica (503 above)'),
  nice: int('MEDIA_TRANSCODE_NICE', 10, [0, 19], 'CPU priority of ffmpeg (`nice`; 0 as the service): a transcode yields the CPU to request handling on the same host'),
};

// prettier-ignore
export const mediaSettingsSpec = {
  maxBytes: {
    message: int('MEDIA_MAX_MESSAGE_BYTES', 16 * MB, [1024, 1024 * MB], 'largest message audio; the gateway enforces it while streaming (413)'),
    greeting: int('MEDIA_MAX_GREETING_BYTES', 8 * MB, [1024, 1024 * MB], 'largest greeting audio'),
    prompt: int('MEDIA_MAX_PROMPT_BYTES', 8 * MB, [1024, 1024 * MB], 'largest prompt audio'),
    broadcast: int('MEDIA_MAX_BROADCAST_BYTES', 16 * MB, [1024, 1024 * MB], 'largest broadcast audio'),
  },
  presignTtlS: int('MEDIA_PRESIGN_TTL_S', 900, [10, 7 * 86400], 'lifetime of the presigned URLs (upload tickets) handed to the gateway'),
  unclaimedTtlS: int('MEDIA_UNCLAIMED_TTL_S', 86400, [1, 30 * 86400], 'a message object no message claimed within this time is an orphan (swept)'),
  sweepIntervalMs: ms('MEDIA_SWEEP_INTERVAL_MS', 60000, [50, 86400000], 'how often orphans are swept'),
  ffmpegPath,
  transcode: transcodeSpec,
};

export const mediaSpec = {
  ...service,
  s3,
  media: mediaSettingsSpec,
  vmboxTimeoutMs,
};
