// Moves audio between a client and the object store through presigned URLs, streaming both ways.
import * as http from 'node:http';
import * as https from 'node:https';
import { Readable, Transform, TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError, ErrorCode } from '@voxmail/contracts';
import { AudioGate } from './audio-gate';

/**
 * Keep-alive pools to the object store (exported so tests can see that no response is left open). No
 * cap on sockets in use, so there is no shared queue one account could fill: what bounds them is each
 * account's stream slots below (STREAMS_PER_ACCOUNT), taken before a socket is asked for.
 */
export const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 64 }),
};

/** The stream bounds of this gateway process (issue 24), set at start from GatewayFairness. */
export const streamSettings = { perAccount: 32, idleTimeoutMs: 30000 };

export function configureStreams(o: { perAccount: number; idleTimeoutMs: number }): void {
  streamSettings.perAccount = o.perAccount;
  streamSettings.idleTimeoutMs = o.idleTimeoutMs;
}

/**
 * Audio streams open per account (uploads, downloads, ZIPs), each holding one object-store connection.
 * Keyed by the account that owns the object (its id is the first part of every object key), so every
 * face and every signed link counts the same way.
 */
export class StreamSlots {
  private readonly open = new Map<string, number>();

  constructor(private readonly cap: () => number) {}

  /** Takes a slot for `account`, or throws 429 (retry_after_s 1); the returned release is idempotent. */
  acquire(account: string): () => void {
    const n = this.open.get(account) ?? 0;
    if (n >= this.cap())
      throw new DomainError(
        ErrorCode.RateLimited,
        `too many audio streams are open for this account (at most ${this.cap()}); retry later`,
        { retry_after_s: 1 },
      );
    this.open.set(account, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(account) ?? 1) - 1;
      if (left > 0) this.open.set(account, left);
      else this.open.delete(account);
    };
  }

  inUse(account: string): number {
    return this.open.get(account) ?? 0;
  }
}

export const streamSlots = new StreamSlots(() => streamSettings.perAccount);

/** The account owning a presigned object URL: its key is `<tenantId>/<kind>/<id>` (path-style or not). */
export function accountOfObjectUrl(url: string | URL): string {
  const path = typeof url === 'string' ? new URL(url).pathname : url.pathname;
  return /\/([0-9a-f]{32})\/[a-z]+\/[0-9a-f]{32}/.exec(path)?.[1] ?? 'unknown';
}

/**
 * Cuts a client's connection that reads (or sends) nothing for STREAM_IDLE_TIMEOUT_MS while `stream`
 * runs: the socket's own inactivity timer, reset by every byte either way; Node destroys the socket when
 * it fires (no listener claims it). Cleared when the stream is over, so a keep-alive connection is not
 * cut later while it waits for a slow answer.
 */
export function cutWhenIdle(
  socket: import('node:net').Socket | null | undefined,
  over: NodeJS.EventEmitter,
): void {
  if (!socket || socket.destroyed) return;
  const idle = streamSettings.idleTimeoutMs;
  socket.setTimeout(idle);
  // only ours: Node sets the keep-alive timeout on the same timer when a response finishes
  const clear = () => {
    if (!socket.destroyed && socket.timeout === idle) socket.setTimeout(0);
  };
  over.once('close', clear);
  over.once('end', clear);
  over.once('finish', clear);
}

function requestFn(u: URL) {
  return u.protocol === 'https:' ? https.request : http.request;
}

const storeFailed = (what: string) =>
  new DomainError(ErrorCode.ServiceUnavailable, `the media store did not accept the ${what}; retry later`, {
    retry_after_s: 1,
  });

/** Bytes gathered before one write to the store: a multipart body arrives in many small slices. */
const STORE_WRITE_BYTES = 256 * 1024;

/**
 * Gathers small chunks into writes of about STORE_WRITE_BYTES: each write to a chunked PUT is one HTTP
 * chunk the store parses, so thousands of small ones cost the store (and the gateway) more than the bytes.
 */
class Coalesce extends Transform {
  private parts: Buffer[] = [];
  private len = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.parts.push(chunk);
    this.len += chunk.length;
    if (this.len < STORE_WRITE_BYTES) return cb();
    const out = Buffer.concat(this.parts, this.len);
    this.parts = [];
    this.len = 0;
    cb(null, out);
  }
  override _flush(cb: TransformCallback): void {
    if (this.len) this.push(Buffer.concat(this.parts, this.len));
    cb();
  }
}

/**
 * Streams `source` through an AudioGate to a presigned PUT URL. Rejects with the gate's 413/415 as soon
 * as it trips (the store request is then aborted, so it keeps nothing). With `measure`, the answered
 * gate carries the upload's `facts` (sha256, size, format, length) for a cheap commit.
 */
export async function uploadThroughGate(
  source: Readable,
  url: string,
  maxBytes: number,
  contentLength?: number,
  measure = false,
): Promise<AudioGate> {
  // a source that failed while its handler awaited a service would never end: fail now
  if (source.destroyed || source.errored)
    throw source.errored instanceof DomainError
      ? source.errored
      : new DomainError(ErrorCode.BadRequest, 'the request body was cut off');
  const u = new URL(url);
  const release = streamSlots.acquire(accountOfObjectUrl(u));
  try {
    return await sendThroughGate(source, u, maxBytes, contentLength, measure);
  } finally {
    release();
  }
}

async function sendThroughGate(
  source: Readable,
  u: URL,
  maxBytes: number,
  contentLength: number | undefined,
  measure: boolean,
): Promise<AudioGate> {
  const gate = new AudioGate(maxBytes, measure ? { knownSize: contentLength } : undefined);
  let gateError: unknown;
  gate.on('error', (e) => (gateError ??= e));
  const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream' };
  if (contentLength !== undefined) headers['content-length'] = contentLength;
  else headers['transfer-encoding'] = 'chunked';
  const req = requestFn(u)(u, { method: 'PUT', headers, agent: agents[u.protocol as 'http:' | 'https:'] });
  const answered = new Promise<void>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text = (text + c).slice(0, 2000)));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else reject(Object.assign(storeFailed('upload'), { upstream: `${status} ${text.slice(0, 300)}` }));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  answered.catch(() => undefined);
  // the client's stream is piped, not put in the pipeline: a refusal must not destroy the request
  // (and its socket) before the 413/415 answer is written
  let clientError: unknown;
  const fromClient = (e: Error) => {
    clientError = e;
    gate.destroy(e);
  };
  source.once('error', fromClient);
  source.pipe(gate);
  try {
    await pipeline(gate, new Coalesce(), req);
    await answered;
  } catch (e) {
    source.unpipe(gate);
    req.destroy();
    // the gate's own refusal (413/415), then the client's failure; a store connection that failed also
    // destroys the gate (the pipeline does), which is the store's failure, not the client's
    if (gateError instanceof DomainError) throw gateError;
    if (clientError !== undefined)
      throw clientError instanceof DomainError
        ? clientError
        : new DomainError(ErrorCode.BadRequest, 'the request body was cut off');
    if (e instanceof DomainError) throw e;
    throw storeFailed('upload');
  }
  source.off('error', fromClient);
  return gate;
}

export interface ObjectResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
}

/**
 * Opens a presigned GET, passing a client's Range through (the store answers 206/416 itself). It takes
 * a stream slot of the object's account until the response is consumed or destroyed (429 when none is
 * free), unless the caller holds one for it (`slot: false`: a ZIP holds one for all its entries).
 */
export function openObject(
  url: string,
  range?: string,
  opts: { slot?: boolean } = {},
): Promise<ObjectResponse> {
  const u = new URL(url);
  const release = opts.slot === false ? () => undefined : streamSlots.acquire(accountOfObjectUrl(u));
  return new Promise((resolve, reject) => {
    const req = requestFn(u)(u, {
      method: 'GET',
      headers: range ? { range } : {},
      agent: agents[u.protocol as 'http:' | 'https:'],
    });
    req.on('response', (res) => {
      res.once('close', release);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
    });
    req.on('error', () => {
      release();
      reject(storeFailed('download'));
    });
    req.end();
  });
}
