// The one audio meter of the platform: sha256 and size of every byte pushed into it, and the audio's
// length (music-metadata fed from the same chunks, with backpressure; raw GSM from its size; WAV clamped
// to the bytes that actually arrived). The gateway's gate pushes an upload through it while it streams;
// media-storage measures an object it must read (a rendition, or an upload without the gateway's facts)
// with `measureAudio`, the same meter: one file gets one `duration_ms`, whichever route it took.
import { createHash, Hash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { parseStream } from 'music-metadata';
import { DomainError, ErrorCode } from './errors';
import {
  AudioFacts,
  AudioFormat,
  CONTENT_TYPE_OF,
  GSM_FRAME_BYTES,
  GSM_FRAME_MS,
  SNIFF_BYTES,
  sniffAudio,
} from './media';
/** How much of the beginning is kept for the WAV header (fmt and data chunks). */
const HEAD_KEPT = 64 * 1024;

interface WavLayout {
  blockAlign: number;
  sampleRate: number;
  dataStart: number;
  dataSize: number;
  hasFact: boolean;
}

/** The fmt and data chunks of a RIFF/WAVE header, when both are within `head`. */
export function wavLayout(head: Buffer): WavLayout | undefined {
  let off = 12;
  let fmt: { blockAlign: number; sampleRate: number } | undefined;
  let hasFact = false;
  while (off + 8 <= head.length) {
    const id = head.subarray(off, off + 4).toString('latin1');
    const size = head.readUInt32LE(off + 4);
    if (id === 'data') {
      if (!fmt) return undefined;
      return { ...fmt, dataStart: off + 8, dataSize: size, hasFact };
    }
    if (id === 'fmt ') {
      if (off + 8 + 16 > head.length) return undefined;
      fmt = { sampleRate: head.readUInt32LE(off + 12), blockAlign: head.readUInt16LE(off + 20) };
    }
    if (id === 'fact') hasFact = true;
    off += 8 + size + (size & 1);
  }
  return undefined;
}

/**
 * The length music-metadata gives a WAV when it knows the file size: the data chunk, cut to the bytes
 * there are (a header may claim more, or 0xFFFFFFFF while streaming).
 */
function wavDurationMs(
  head: Buffer,
  size: number,
  parsed: number | undefined,
  headerOnly: boolean,
): number | undefined {
  const w = wavLayout(head);
  if (!w || w.hasFact || !w.blockAlign || !w.sampleRate) return parsed;
  const there = Math.max(0, size - w.dataStart);
  const mine = Math.round((Math.min(w.dataSize, there) / w.blockAlign / w.sampleRate) * 1000);
  if (headerOnly) return mine;
  if (parsed === undefined) return w.dataSize === 0xffffffff ? mine : undefined;
  return Math.min(parsed, mine);
}

export class AudioMeter {
  private readonly hash: Hash = createHash('sha256');
  private size = 0;
  private readonly head: Buffer[] = [];
  private headLen = 0;
  private format?: AudioFormat;
  private feed?: PassThrough;
  private parsed?: Promise<number | undefined>;
  private parserDone = false;

  /** `knownSize`: the declared length of a raw body, which the parser uses as the store's did. */
  constructor(private readonly knownSize?: number) {}

  /**
   * Called once the format is known, with the first bytes (not yet written). Raw GSM and a PCM WAV whose
   * header is in `head` are measured from their header and size; anything else is parsed as it passes.
   */
  start(format: AudioFormat, head: Buffer): void {
    this.format = format;
    if (format === 'gsm') return;
    if (format === 'wav') {
      const w = wavLayout(head);
      if (w && !w.hasFact && w.blockAlign && w.sampleRate) return;
    }
    const feed = new PassThrough({ highWaterMark: 256 * 1024 });
    this.feed = feed;
    this.parsed = parseStream(
      feed,
      { mimeType: CONTENT_TYPE_OF[format], size: this.knownSize },
      { duration: true, skipCovers: true },
    )
      .then((meta) => {
        const d = meta.format.duration;
        return typeof d === 'number' && Number.isFinite(d) ? Math.round(d * 1000) : undefined;
      })
      .catch(() => undefined)
      .finally(() => {
        // the parser may stop early (it had what it needed): feed it nothing more
        this.parserDone = true;
        feed.destroy();
      });
  }

  /** Takes one chunk; answers a promise while the parser is behind (backpressure), else undefined. */
  write(chunk: Buffer): Promise<void> | undefined {
    this.hash.update(chunk);
    this.size += chunk.length;
    if (this.headLen < HEAD_KEPT) {
      this.head.push(chunk.subarray(0, HEAD_KEPT - this.headLen));
      this.headLen += Math.min(chunk.length, HEAD_KEPT - this.headLen);
    }
    const feed = this.feed;
    if (!feed || this.parserDone || feed.write(chunk)) return undefined;
    return new Promise<void>((resolve) => {
      const done = () => {
        feed.off('drain', done);
        resolve();
      };
      feed.once('drain', done);
      void this.parsed!.then(done);
    });
  }

  /** Abandons the measurement (the upload failed). */
  destroy(): void {
    this.feed?.destroy();
  }

  /** After the last chunk: what was measured. */
  async finish(): Promise<AudioFacts | undefined> {
    if (!this.format) return undefined;
    if (!this.parserDone) this.feed?.end();
    const parsed = this.parsed ? await this.parsed : undefined;
    const durationMs =
      this.format === 'gsm'
        ? Math.floor(this.size / GSM_FRAME_BYTES) * GSM_FRAME_MS
        : this.format === 'wav'
          ? wavDurationMs(Buffer.concat(this.head), this.size, this.parsed ? parsed : undefined, !this.parsed)
          : parsed;
    return { format: this.format, size: this.size, sha256: this.hash.digest('hex'), durationMs };
  }
}

/** What `measureAudio` found in an object read whole. */
export interface AudioInspection {
  /** Undefined when the bytes are not audio of a supported format. */
  format?: AudioFormat;
  contentType?: string;
  sha256: string;
  size: number;
  /** Undefined when no playable audio could be measured. */
  durationMs?: number;
}

const readFailed = () =>
  new DomainError(ErrorCode.ServiceUnavailable, 'the audio could not be read from the store; retry later', {
    retry_after_s: 1,
  });

/**
 * Reads `source` once through the meter: its format from the first bytes (anything else is answered
 * without a format, and the rest is not read), its sha256, size and length. A failing source (the
 * store's connection dropped) is a retryable 503, never an uncaught stream error.
 */
export async function measureAudio(source: Readable, knownSize?: number): Promise<AudioInspection> {
  const head: Buffer[] = [];
  let headLen = 0;
  let meter: AudioMeter | undefined;
  let format: AudioFormat | undefined;
  const begin = async (complete: boolean): Promise<boolean> => {
    const buf = Buffer.concat(head, headLen);
    const r = sniffAudio(buf, complete);
    if (!r || r === 'need_more') return false;
    format = r.format;
    meter = new AudioMeter(knownSize);
    meter.start(r.format, buf);
    await meter.write(buf);
    return true;
  };
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (meter) {
        await meter.write(chunk);
        continue;
      }
      head.push(chunk);
      headLen += chunk.length;
      if (headLen >= SNIFF_BYTES && !(await begin(false))) {
        source.destroy();
        return { sha256: '', size: headLen };
      }
    }
  } catch {
    meter?.destroy();
    throw readFailed();
  }
  if (!meter && !(await begin(true))) return { sha256: '', size: headLen };
  const facts = (await meter!.finish())!;
  return { ...facts, format, contentType: CONTENT_TYPE_OF[format!] };
}
