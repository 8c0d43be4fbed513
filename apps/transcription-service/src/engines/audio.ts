// The audio an engine reads: downloaded from the short-lived URL message-service gives (media-storage's
// signed link; this service holds no store credentials), then converted by ffmpeg to 16 kHz mono 16-bit
// WAV and cut to the configured maximum length.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { EngineInputError } from './engine';
import { run, tail } from './process';

export interface PreparedAudio {
  dir: string;
  wavPath: string;
  /** Seconds of audio the engine gets (after the cut). */
  seconds: number;
  dispose(): Promise<void>;
}

/** Largest download accepted: a message's audio is bounded by media-storage (16 MiB by default). */
const MAX_DOWNLOAD_BYTES = 64 << 20;

export async function prepareAudio(
  url: string,
  o: { ffmpegPath: string; maxSeconds: number; signal: AbortSignal },
): Promise<PreparedAudio> {
  const dir = await mkdtemp(join(tmpdir(), 'voxmail-transcribe-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    const src = join(dir, 'source');
    const res = await fetch(url, { signal: o.signal });
    if (!res.ok || !res.body) throw new Error(`audio download answered ${res.status}`);
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > MAX_DOWNLOAD_BYTES) throw new EngineInputError(`audio of ${declared} bytes is too large`);
    await pipeline(Readable.fromWeb(res.body as WebReadableStream), createWriteStream(src), {
      signal: o.signal,
    });
    if ((await stat(src)).size > MAX_DOWNLOAD_BYTES) throw new EngineInputError('audio too large');
    const wavPath = join(dir, 'speech.wav');
    const r = await run(
      o.ffmpegPath,
      [
        ...['-hide_banner', '-nostdin', '-v', 'error', '-y', '-i', src],
        ...['-t', String(o.maxSeconds), '-vn', '-ac', '1', '-ar', '16000', '-c:a', 'pcm_s16le'],
        ...['-f', 'wav', wavPath],
      ],
      o.signal,
    );
    if (r.code !== 0) throw new EngineInputError(`the audio could not be decoded: ${tail(r.stderr)}`);
    // 16 kHz, 2 bytes a sample, one channel, 44-byte header
    const seconds = Math.max(0, Math.round(((await stat(wavPath)).size - 44) / 32000));
    return { dir, wavPath, seconds, dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}
