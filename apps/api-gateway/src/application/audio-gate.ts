// The gateway's checks on audio passing through it: type from the first bytes, size while streaming.
import { Transform, TransformCallback } from 'node:stream';
import {
  AudioFacts,
  AudioMeter,
  DomainError,
  ErrorCode,
  SNIFF_BYTES,
  sniffAudio,
  SniffResult,
  UNSUPPORTED_AUDIO_MESSAGE,
} from '@voxmail/contracts';

export function tooLarge(maxBytes: number): DomainError {
  return new DomainError(
    ErrorCode.PayloadTooLarge,
    `the audio is larger than the limit of ${maxBytes} bytes`,
    { max_bytes: maxBytes },
  );
}

export function unsupportedAudio(): DomainError {
  return new DomainError(ErrorCode.UnsupportedMediaType, UNSUPPORTED_AUDIO_MESSAGE);
}

/**
 * Passes audio through unchanged, holding back only the first bytes until their format is known:
 * anything that is not audio fails with 415 before a byte goes on, and the stream fails with 413 as
 * soon as it passes `maxBytes`. With `measure`, it also measures what passes (sha256, size, length):
 * `facts` once the stream has ended, which the commit verifies cheaply instead of reading it all back.
 */
export class AudioGate extends Transform {
  private head: Buffer[] = [];
  private headLen = 0;
  private bytes = 0;
  private readonly meter?: AudioMeter;
  sniffed?: SniffResult;
  facts?: AudioFacts;

  constructor(
    private readonly maxBytes: number,
    measure?: { knownSize?: number },
  ) {
    super();
    if (measure) this.meter = new AudioMeter(measure.knownSize);
  }

  /** Passes `chunk` on once the meter (if any) has taken it. */
  private pass(chunk: Buffer, cb: TransformCallback, first = false): void {
    if (!this.meter) return cb(null, chunk);
    if (first) this.meter.start(this.sniffed!.format, chunk);
    const behind = this.meter.write(chunk);
    if (!behind) return cb(null, chunk);
    void behind.then(() => cb(null, chunk));
  }

  override _destroy(error: Error | null, cb: (error?: Error | null) => void): void {
    this.meter?.destroy();
    cb(error);
  }

  get size(): number {
    return this.bytes;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) return cb(tooLarge(this.maxBytes));
    if (this.sniffed) return this.pass(chunk, cb);
    this.head.push(chunk);
    this.headLen += chunk.length;
    const head = Buffer.concat(this.head);
    const r = sniffAudio(head, false);
    if (r === 'need_more' && this.headLen < SNIFF_BYTES) return cb();
    if (!r || r === 'need_more') return cb(unsupportedAudio());
    this.sniffed = r;
    this.head = [];
    this.pass(head, cb, true);
  }

  override _flush(cb: TransformCallback): void {
    if (this.sniffed) return this.finishMeter(cb);
    const head = Buffer.concat(this.head);
    const r = sniffAudio(head, true);
    if (!r || r === 'need_more') return cb(unsupportedAudio());
    this.sniffed = r;
    // a body shorter than the sniff window goes on (and is measured) like a first chunk
    this.pass(
      head,
      (e, data) => {
        if (e) return cb(e);
        this.push(data);
        this.finishMeter(cb);
      },
      true,
    );
  }

  private finishMeter(cb: TransformCallback): void {
    if (!this.meter) return cb();
    this.meter.finish().then(
      (facts) => {
        this.facts = facts;
        cb();
      },
      (e: Error) => cb(e),
    );
  }
}
