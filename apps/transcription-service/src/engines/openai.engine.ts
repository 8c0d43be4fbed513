// The OpenAI-compatible speech-to-text API: `POST {base}/v1/audio/transcriptions`, multipart `file`, `model`,
// `language`, `response_format=verbose_json`, `Authorization: Bearer <key>`. Spoken by OpenAI, whisper.cpp's
// server, faster-whisper servers and others (a carrier's own GPU box). The address goes through the outbound
// guard (no private ranges unless TRANSCRIPTION_OPENAI_ALLOW_PRIVATE); each request is bounded in time and
// answer size; timeouts, network errors, 408, 429 and 5xx are retried with exponential backoff.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { isIP } from 'node:net';
import {
  guardedLookup,
  PrivateTargets,
  refusedAddress,
  retryDelayMs,
  TargetRefused,
} from '@voxmail/messaging';
import { EngineInputError, EngineResult, TranscriptionEngine } from './engine';

export interface OpenAiEngineOptions {
  /** e.g. `https://api.openai.com` or `http://gpu-box:8080` (a trailing `/v1` is accepted). */
  baseUrl: string;
  apiKey?: string;
  model: string;
  timeoutMs: number;
  attempts: number;
  retryBaseMs: number;
  allowPrivate: PrivateTargets;
}

const MAX_ANSWER_BYTES = 4 << 20;

interface Answer {
  status: number;
  body: string;
}

/** A failure worth another try (the server or the network, not the request). */
class Retryable extends Error {}

/** 0..1 from Whisper's segment log-probabilities, when the server gives them. */
function confidenceOf(segments: unknown): number | undefined {
  if (!Array.isArray(segments) || !segments.length) return undefined;
  const probs = segments
    .map((s) => (s && typeof s === 'object' ? (s as { avg_logprob?: unknown }).avg_logprob : undefined))
    .filter((p): p is number => typeof p === 'number' && Number.isFinite(p));
  if (!probs.length) return undefined;
  const mean = Math.exp(probs.reduce((a, b) => a + b, 0) / probs.length);
  return Math.round(Math.min(1, Math.max(0, mean)) * 1000) / 1000;
}

export class OpenAiEngine implements TranscriptionEngine {
  readonly name = 'openai' as const;
  private readonly url: URL;

  constructor(private readonly o: OpenAiEngineOptions) {
    const base = o.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
    this.url = new URL(`${base}/v1/audio/transcriptions`);
  }

  async transcribe(wavPath: string, language: string, signal: AbortSignal): Promise<EngineResult> {
    const audio = await readFile(wavPath);
    const lang = language.split('-')[0].toLowerCase();
    let last: Error = new Error('no attempt made');
    for (let attempt = 1; attempt <= this.o.attempts; attempt++) {
      if (attempt > 1) await sleep(retryDelayMs(this.o.retryBaseMs, attempt - 1), undefined, { signal });
      try {
        const a = await this.post(audio, lang, signal);
        return this.read(a, lang);
      } catch (e) {
        if (!(e instanceof Retryable)) throw e;
        last = e;
      }
    }
    throw new Error(`openai engine failed after ${this.o.attempts} attempts: ${last.message}`);
  }

  private read(a: Answer, lang: string): EngineResult {
    if (a.status === 408 || a.status === 429 || a.status >= 500) throw new Retryable(`HTTP ${a.status}`);
    // the request was refused as such: the audio (400, 413, 415, 422) or the configuration (401, 403, 404)
    if ([400, 413, 415, 422].includes(a.status))
      throw new EngineInputError(`the engine refused the audio: HTTP ${a.status}`);
    if (a.status < 200 || a.status >= 300) throw new Error(`the engine answered HTTP ${a.status}`);
    let doc: unknown;
    try {
      doc = JSON.parse(a.body);
    } catch {
      throw new Retryable('the engine answered something that is not JSON');
    }
    const d = (doc && typeof doc === 'object' ? doc : {}) as Record<string, unknown>;
    if (typeof d.text !== 'string') throw new Retryable('the engine answered without text');
    const confidence = confidenceOf(d.segments);
    return {
      text: d.text.trim(),
      language: lang,
      ...(confidence !== undefined ? { confidence } : {}),
    };
  }

  private post(audio: Buffer, lang: string, signal: AbortSignal): Promise<Answer> {
    const boundary = `voxmail-${randomBytes(12).toString('hex')}`;
    const field = (name: string, value: string) =>
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
    const body = Buffer.concat([
      field('model', this.o.model),
      field('language', lang),
      field('response_format', 'verbose_json'),
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="audio.wav"\r\n` +
          'Content-Type: audio/wav\r\n\r\n',
      ),
      audio,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const headers: Record<string, string> = {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(body.length),
      accept: 'application/json',
    };
    if (this.o.apiKey) headers.authorization = `Bearer ${this.o.apiKey}`;
    const lib = this.url.protocol === 'https:' ? https : http;
    // an address written as such is connected to without a lookup: checked here
    const host = this.url.hostname.replace(/^\[|\]$/g, '');
    const refused = isIP(host) ? refusedAddress(host, this.o.allowPrivate) : null;
    if (refused) return Promise.reject(new Error(`the engine's address is not allowed: ${refused}`));
    return new Promise<Answer>((resolve, reject) => {
      let settled = false;
      const fail = (e: Error) => {
        if (settled) return;
        settled = true;
        reject(e);
      };
      const req = lib.request(
        this.url,
        {
          method: 'POST',
          headers,
          lookup: guardedLookup(this.o.allowPrivate) as never,
          agent: false,
          signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_ANSWER_BYTES) req.destroy(new Retryable('the answer is too large'));
            else chunks.push(c);
          });
          res.on('error', (e) => fail(e instanceof Retryable ? e : new Retryable(e.message)));
          res.on('end', () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          });
        },
      );
      const timer = setTimeout(
        () => req.destroy(new Retryable(`timed out after ${this.o.timeoutMs} ms`)),
        this.o.timeoutMs,
      );
      req.on('error', (e) => {
        clearTimeout(timer);
        if (signal.aborted) return fail(new Error(`stopped: ${String(signal.reason)}`));
        // a refused address is the configuration's, not the network's: no retry helps
        if (e instanceof TargetRefused)
          return fail(new Error(`the engine's address is not allowed: ${e.message}`));
        fail(e instanceof Retryable ? e : new Retryable(e.message));
      });
      req.end(body);
    });
  }
}
