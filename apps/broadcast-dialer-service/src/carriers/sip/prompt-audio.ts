// The prompt's audio as the SIP carrier plays it: raw G.711 at 8 kHz mono, transcoded by ffmpeg from the
// audio media-storage-service holds. The dialer never reads the object store: it asks media-storage for
// the prompt document's audio (Commands.MediaDocumentAudio, a short-lived signed GET URL) and hands that
// URL to ffmpeg. Transcoded prompts are kept for a while, so a campaign transcodes each prompt once.
import { spawn } from 'node:child_process';
import type { NatsConnection } from 'nats';
import { Commands, DomainError, HEX_ID } from '@voxmail/contracts';
import { CommandClient } from '@voxmail/messaging';
import type { G711 } from './rtp';

/** Where a prompt's audio comes from: raw 8 kHz mono samples in the given law. */
export interface PromptAudio {
  load(tenantId: string, fileId: string, codec: G711): Promise<Buffer>;
}

/** 10 minutes of 8 kHz audio: a prompt longer than this is refused rather than held in memory. */
const MAX_BYTES = 8000 * 600;
const FFMPEG_TIMEOUT_MS = 60_000;

/** ffmpeg echoes its input URL in errors: keep the address, never the signed query. */
const redactUrls = (s: string) => s.replace(/(https?:\/\/[^\s?]*)\?\S*/g, '$1?…');

/** Runs ffmpeg on `source` (a path or URL) and resolves with raw 8 kHz mono G.711 in `codec`'s law. */
export function transcodeToG711(ffmpegPath: string, source: string, codec: G711): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const args = ['-nostdin', '-v', 'error', '-i', source, '-vn', '-ac', '1', '-ar', '8000'];
    args.push('-f', codec === 'PCMU' ? 'mulaw' : 'alaw', 'pipe:1');
    const p = spawn(ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let size = 0;
    let err = '';
    let failed: Error | undefined;
    const timer = setTimeout(() => {
      failed = new Error('ffmpeg took too long');
      p.kill('SIGKILL');
    }, FFMPEG_TIMEOUT_MS);
    p.stdout.on('data', (b: Buffer) => {
      size += b.length;
      if (size > MAX_BYTES) {
        failed ??= new Error('prompt too long (over 10 minutes)');
        p.kill('SIGKILL');
      } else out.push(b);
    });
    p.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-2000)));
    p.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`ffmpeg could not start: ${e.message}`));
    });
    p.once('close', (code) => {
      clearTimeout(timer);
      if (failed) return reject(failed);
      if (code !== 0) return reject(new Error(`ffmpeg failed (${code}): ${redactUrls(err.trim())}`));
      const audio = Buffer.concat(out);
      if (!audio.length) return reject(new Error('the prompt has no audio'));
      resolve(audio);
    });
  });
}

/** A small cache of transcoded prompts with a time to live. */
class PromptCache {
  private readonly entries = new Map<string, { at: number; audio: Promise<Buffer> }>();

  constructor(
    private readonly max = 32,
    private readonly ttlMs = 10 * 60_000,
  ) {}

  get(key: string, make: () => Promise<Buffer>): Promise<Buffer> {
    const hit = this.entries.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.audio;
    const audio = make();
    this.entries.set(key, { at: Date.now(), audio });
    // a failure is not remembered: the next call tries again
    audio.catch(() => this.entries.get(key)?.audio === audio && this.entries.delete(key));
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
    return audio;
  }
}

/**
 * Prompts that are media documents of the account (Kazoo's media API, kind prompt): `fileId` is the
 * document's id, with or without a file extension (`<id>.mp3`, as Onbuka clients write it).
 */
export class MediaPromptAudio implements PromptAudio {
  private readonly media: CommandClient;
  private readonly cache = new PromptCache();

  constructor(
    nc: NatsConnection,
    private readonly ffmpegPath: string,
    /** Time allowed to media-storage-service's commands (DIALER_COMMAND_TIMEOUT_MS). */
    timeoutMs: number,
  ) {
    this.media = new CommandClient(nc, timeoutMs);
  }

  load(tenantId: string, fileId: string, codec: G711): Promise<Buffer> {
    const id = fileId.replace(/\.[A-Za-z0-9]{1,5}$/, '').toLowerCase();
    if (!HEX_ID.test(id)) return Promise.reject(new Error('the prompt is not a media document id'));
    return this.cache.get(`${tenantId}/${id}/${codec}`, async () => {
      let url: string;
      try {
        ({ url } = await this.media.send(Commands.MediaDocumentAudio, { tenantId, id }));
      } catch (e) {
        throw new Error(`prompt unavailable: ${e instanceof DomainError ? e.message : (e as Error).message}`);
      }
      return transcodeToG711(this.ffmpegPath, url, codec);
    });
  }
}
