// The gateway's checks on audio passing through it: type from the first bytes, size while streaming.
import { Transform, TransformCallback } from 'node:stream';
import {
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
 * soon as it passes `maxBytes`.
 */
export class AudioGate extends Transform {
  private head: Buffer[] = [];
  private headLen = 0;
  private bytes = 0;
  sniffed?: SniffResult;

  constructor(private readonly maxBytes: number) {
    super();
  }

  get size(): number {
    return this.bytes;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) return cb(tooLarge(this.maxBytes));
    if (this.sniffed) return cb(null, chunk);
    this.head.push(chunk);
    this.headLen += chunk.length;
    const head = Buffer.concat(this.head);
    const r = sniffAudio(head, false);
    if (r === 'need_more' && this.headLen < SNIFF_BYTES) return cb();
    if (!r || r === 'need_more') return cb(unsupportedAudio());
    this.sniffed = r;
    this.head = [];
    cb(null, head);
  }

  override _flush(cb: TransformCallback): void {
    if (this.sniffed) return cb();
    const head = Buffer.concat(this.head);
    const r = sniffAudio(head, true);
    if (!r || r === 'need_more') return cb(unsupportedAudio());
    this.sniffed = r;
    cb(null, head);
  }
}
