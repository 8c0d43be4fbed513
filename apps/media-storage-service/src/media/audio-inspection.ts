// Reads an audio object once: recognises its format from the first bytes, hashes it and measures its length.
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseStream } from 'music-metadata';
import {
  AudioFormat,
  CONTENT_TYPE_OF,
  DomainError,
  ErrorCode,
  SNIFF_BYTES,
  sniffAudio,
} from '@voxmail/contracts';

export interface AudioInspection {
  /** Undefined when the bytes are not audio of a supported format. */
  format?: AudioFormat;
  contentType?: string;
  sha256: string;
  size: number;
  /** Undefined when no playable audio could be measured. */
  durationMs?: number;
}

const GSM_FRAME_BYTES = 33;
const GSM_FRAME_MS = 20;

const readFailed = () =>
  new DomainError(ErrorCode.ServiceUnavailable, 'the audio could not be read from the store; retry later', {
    retry_after_s: 1,
  });

export async function inspectAudio(source: Readable, knownSize?: number): Promise<AudioInspection> {
  // the store's stream can fail at any point (connection dropped): every stream below has its errors
  // taken by a pipeline or a try, so a failure is this call's rejection, never an uncaught error
  const it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head: Buffer[] = [];
  let headLen = 0;
  let ended = false;
  try {
    while (headLen < SNIFF_BYTES) {
      const r = await it.next();
      if (r.done) {
        ended = true;
        break;
      }
      head.push(r.value);
      headLen += r.value.length;
    }
  } catch {
    throw readFailed();
  }
  const headBuf = Buffer.concat(head);
  const sniffed = sniffAudio(headBuf, ended);
  if (!sniffed || sniffed === 'need_more') {
    source.destroy();
    return { sha256: '', size: headLen };
  }
  const hash = createHash('sha256');
  let size = 0;
  const whole = Readable.from(
    (async function* () {
      yield headBuf;
      if (ended) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    })(),
  );
  const tapped = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  // a failed read destroys `tapped` too, which ends the parser's and our own wait on it
  let readError: unknown;
  const copied = pipeline(whole, tapped).catch((e: unknown) => {
    readError = e;
  });
  let durationMs: number | undefined;
  if (sniffed.format === 'gsm') {
    tapped.resume();
    await copied;
    durationMs = Math.floor(size / GSM_FRAME_BYTES) * GSM_FRAME_MS;
  } else {
    try {
      const meta = await parseStream(
        tapped,
        { mimeType: CONTENT_TYPE_OF[sniffed.format], size: knownSize },
        { duration: true, skipCovers: true },
      );
      if (typeof meta.format.duration === 'number' && Number.isFinite(meta.format.duration)) {
        durationMs = Math.round(meta.format.duration * 1000);
      }
    } catch {
      durationMs = undefined;
    }
    // the parser may stop early (it had what it needed): read the rest for the hash and size
    tapped.resume();
    await copied;
  }
  if (readError !== undefined) throw readFailed();
  return {
    format: sniffed.format,
    contentType: sniffed.contentType,
    sha256: hash.digest('hex'),
    size,
    durationMs,
  };
}
