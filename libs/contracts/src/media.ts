// Media objects: kinds, audio formats recognised from their first bytes, and the media-storage commands.
import { IsIn, IsOptional, Matches } from 'class-validator';
import { Int, Nested, Text } from './rules';
import { HEX_ID } from './kazoo';
import { TenantCommand } from './commands';

export const MEDIA_KINDS = ['message', 'greeting', 'prompt', 'broadcast'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

export const AUDIO_FORMATS = ['wav', 'mp3', 'gsm', 'ogg', 'mp4'] as const;
export type AudioFormat = (typeof AUDIO_FORMATS)[number];

export const CONTENT_TYPE_OF: Record<AudioFormat, string> = {
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  gsm: 'audio/gsm',
  ogg: 'audio/ogg',
  mp4: 'audio/mp4',
};

/** Formats a stored audio can be transcoded to on download (`Accept` or `?format=`). */
export const TRANSCODE_TARGETS = ['wav', 'mp3'] as const;
export type TranscodeTarget = (typeof TRANSCODE_TARGETS)[number];

/** What a client may name in `Accept` / `?format=`, mapped to a format. */
export function formatOfMediaType(mediaType: string): AudioFormat | undefined {
  const t = mediaType.split(';')[0].trim().toLowerCase();
  switch (t) {
    case 'audio/wav':
    case 'audio/x-wav':
    case 'audio/wave':
    case 'audio/vnd.wave':
      return 'wav';
    case 'audio/mpeg':
    case 'audio/mp3':
    case 'audio/mpeg3':
    case 'audio/x-mpeg-3':
      return 'mp3';
    case 'audio/gsm':
    case 'audio/x-gsm':
      return 'gsm';
    case 'audio/ogg':
    case 'audio/opus':
      return 'ogg';
    case 'audio/mp4':
    case 'audio/m4a':
    case 'audio/x-m4a':
      return 'mp4';
    default:
      return undefined;
  }
}

/** How many leading bytes `sniffAudio` wants to decide (it decides on fewer at the end of a short file). */
export const SNIFF_BYTES = 4096;

/** Raw GSM 06.10: 33-byte frames of 20 ms each. */
export const GSM_FRAME_BYTES = 33;
export const GSM_FRAME_MS = 20;
const MP3_BITRATES: Record<string, number[]> = {
  // [version-layer] kbit/s by index 1..14
  '1-1': [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  '1-2': [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  '1-3': [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  '2-1': [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  '2-2': [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  '2-3': [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MP3_RATES: Record<number, number[]> = {
  3: [44100, 48000, 32000],
  2: [22050, 24000, 16000],
  0: [11025, 12000, 8000],
};

/** Length in bytes of the MPEG audio frame whose header starts at `i`, or undefined if none starts there. */
function mp3FrameLength(b: Buffer, i: number): number | undefined {
  if (i + 4 > b.length || b[i] !== 0xff || (b[i + 1] & 0xe0) !== 0xe0) return undefined;
  const versionBits = (b[i + 1] >> 3) & 3; // 3: MPEG1, 2: MPEG2, 0: MPEG2.5, 1: reserved
  const layerBits = (b[i + 1] >> 1) & 3; // 3: layer I, 2: II, 1: III, 0: reserved
  const bitrateIndex = b[i + 2] >> 4;
  const rateIndex = (b[i + 2] >> 2) & 3;
  if (versionBits === 1 || layerBits === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3)
    return undefined;
  const layer = 4 - layerBits;
  const v = versionBits === 3 ? 1 : 2;
  const kbps = MP3_BITRATES[`${v}-${layer}`][bitrateIndex - 1];
  const rate = MP3_RATES[versionBits][rateIndex];
  const padding = (b[i + 2] >> 1) & 1;
  if (layer === 1) return (Math.floor((12 * kbps * 1000) / rate) + padding) * 4;
  const perFrame = layer === 3 && v === 2 ? 72 : 144;
  return Math.floor((perFrame * kbps * 1000) / rate) + padding;
}

function ascii(b: Buffer, start: number, end: number): string {
  return b.subarray(start, end).toString('latin1');
}

export interface SniffResult {
  format: AudioFormat;
  contentType: string;
}

/**
 * Recognises audio from its first bytes: WAV (RIFF/WAVE), MP3 (ID3 tag or two chained MPEG frames),
 * Ogg Opus (OggS page carrying OpusHead), MP4/M4A (ftyp box) and raw GSM 06.10 (33-byte frames with the
 * 0xD signature). `complete` says `head` is the whole file, so short files are judged on what there is.
 * Returns undefined for anything else, e.g. an executable renamed .wav.
 */
export function sniffAudio(head: Buffer, complete = false): SniffResult | 'need_more' | undefined {
  const ok = (format: AudioFormat): SniffResult => ({ format, contentType: CONTENT_TYPE_OF[format] });
  if (head.length < 12 && !complete) return 'need_more';
  if (head.length >= 12 && ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WAVE') return ok('wav');
  if (head.length >= 12 && ascii(head, 4, 8) === 'ftyp') return ok('mp4');
  if (head.length >= 4 && ascii(head, 0, 4) === 'OggS') {
    if (head.length < 36 && !complete) return 'need_more';
    return ascii(head, 28, 36) === 'OpusHead' ? ok('ogg') : undefined;
  }
  if (head.length >= 10 && ascii(head, 0, 3) === 'ID3' && head[3] < 0xff && head[4] < 0xff) return ok('mp3');
  const first = mp3FrameLength(head, 0);
  if (first !== undefined) {
    if (head.length < first + 4) return complete ? ok('mp3') : 'need_more';
    return mp3FrameLength(head, first) !== undefined ? ok('mp3') : undefined;
  }
  // raw GSM 06.10: every 33-byte frame starts with the 0xD signature nibble; look at up to 8 frames
  const frames = Math.min(8, Math.floor(head.length / GSM_FRAME_BYTES));
  if (frames < 8 && !complete) return 'need_more';
  if (frames >= 1) {
    let all = true;
    for (let f = 0; f < frames; f++) if (head[f * GSM_FRAME_BYTES] >> 4 !== 0xd) all = false;
    if (all) return ok('gsm');
  }
  return undefined;
}

export const UNSUPPORTED_AUDIO_MESSAGE =
  'unsupported audio: send WAV, MP3, GSM 06.10, Ogg Opus or MP4/M4A audio';

// ---- media-storage commands (service to service; the gateway never holds object-store credentials) ----

/** An owner id recorded with an object: a message id, a box id, a document id. */
const OWNER_ID = /^[0-9A-Za-z_-]+$/;

export class MediaUploadTicketCommand extends TenantCommand {
  @IsIn(MEDIA_KINDS) kind: MediaKind;
  /**
   * The domain object the audio belongs to (a message id), recorded with the object. Without it the
   * upload is the account's until its commit names the owner (a deposit whose message id follows its
   * metadata, a Yeastar greeting whose document the commit makes).
   */
  @IsOptional() @Text(64) @Matches(OWNER_ID) ownerId?: string;
  @IsOptional() @Int(1, 1024 * 1024 * 1024) maxBytes?: number;
}

export class MediaUploadCommand extends TenantCommand {
  @Matches(HEX_ID) uploadId: string;
}

/**
 * What the gateway measured while streaming an upload through its gate (AudioMeter, the one meter of the
 * platform): with these, media-storage's commit checks the object cheaply (its size, and its first bytes
 * re-sniffed from a ranged read) instead of reading the whole object back. A mismatch falls back to the
 * full read, through the same meter.
 */
export class AudioFacts {
  @IsIn(AUDIO_FORMATS) format: AudioFormat;
  @Int(0, 1024 * 1024 * 1024) size: number;
  @Matches(/^[0-9a-f]{64}$/) sha256: string;
  /** Undefined when no playable audio could be measured (the commit then refuses it). */
  @IsOptional() @Int(0) durationMs?: number;
}

export class MediaCommitCommand extends MediaUploadCommand {
  /** Longer audio is refused and its object removed (the box's max_message_length). */
  @IsOptional() @Int(1) maxDurationMs?: number;
  @IsOptional() @Nested(() => AudioFacts) facts?: AudioFacts;
  /** The owner of an upload reserved without one; an upload that has one keeps it. */
  @IsOptional() @Text(64) @Matches(OWNER_ID) ownerId?: string;
}

export class MediaObjectCommand extends TenantCommand {
  @Matches(HEX_ID) objectId: string;
}

export class MediaDownloadCommand extends MediaObjectCommand {
  @IsOptional() @IsIn(TRANSCODE_TARGETS) format?: TranscodeTarget;
}

export class MediaCopyCommand extends MediaObjectCommand {
  @Text(64) @Matches(OWNER_ID) ownerId: string;
}

/** Where the gateway sends an upload's bytes: a short-lived presigned PUT URL, and the size limit. */
export interface UploadTicket {
  uploadId: string;
  url: string;
  maxBytes: number;
  expiresAt: string;
}

/** What media-storage recorded about a stored object. */
export interface StoredMedia {
  object_id: string;
  owner_id: string;
  content_type: string;
  format: AudioFormat;
  size: number;
  sha256: string;
  duration_ms: number;
}

/** Where the gateway reads an object's bytes: a short-lived presigned GET URL (Range works on it). */
export interface DownloadTicket {
  url: string;
  content_type: string;
  format: AudioFormat;
  size: number;
}
