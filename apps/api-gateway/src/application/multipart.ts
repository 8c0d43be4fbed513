// Reads a `multipart/mixed` request (Kazoo's message create and raw upload) part by part, handing each
// part's stream to the caller as it arrives; nothing is buffered but part headers and small JSON parts.
//
// A MIME (RFC 2046) reader rather than a form-data one: Kazoo's own client sends parts with only a
// lowercase `content-type` header, curl's `-F` writes `Content-Disposition: attachment` or `form-data`,
// boundaries are often unquoted base64 (`/`, `=`), and a CRLF before the first boundary (preamble) or
// none after the closing one is common. Parts are told apart by their content type, not by a name.
// The boundary search is streamsearch (busboy's own Boyer-Moore-Horspool search).
import { Readable } from 'node:stream';
import { DomainError, ErrorCode } from '@voxmail/contracts';
import { checkJsonBounds } from '../common/json-body';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const StreamSearch = require('streamsearch') as StreamSearchCtor;

type SearchCallback = (
  isMatch: boolean,
  data: Buffer | undefined,
  start: number,
  end: number,
  isDataSafe: boolean,
) => void;
interface StreamSearchInstance {
  push(chunk: Buffer, pos?: number): number;
  destroy(): void;
}
type StreamSearchCtor = new (needle: Buffer, cb: SearchCallback) => StreamSearchInstance;

export interface Part {
  /** The part's declared content type, lowercased, without parameters (`application/json`, ...). */
  contentType: string;
  filename?: string;
  /** Header names lowercased; the last one of a name wins. */
  headers: Record<string, string>;
  /** The form-data field name (`file` for the account manager's VoicemailServer). */
  name?: string;
  stream: Readable;
}

export const MAX_JSON_PART = 256 * 1024;
/** Bounds on what the reader holds or accepts besides part bodies. */
export const MULTIPART_LIMITS = {
  parts: 8,
  headerBytes: 8 * 1024,
  headerCount: 32,
  /** Bytes allowed before the first boundary and after the closing one (they are discarded). */
  outsideBytes: 16 * 1024,
} as const;

const badRequest = (message: string) => new DomainError(ErrorCode.BadRequest, message);
const cutOff = () => badRequest('the multipart body was cut off before its closing boundary');

export function isMultipart(contentType: string | undefined): boolean {
  return /^\s*multipart\/(mixed|form-data)\s*(;|$)/i.test(contentType ?? '');
}

export function isJsonPart(p: Pick<Part, 'contentType' | 'filename'>): boolean {
  if (/json/i.test(p.contentType) || /\.json$/i.test(p.filename ?? '')) return true;
  // a part with no type and no file name is a form field: Kazoo's metadata
  return p.contentType === '' && !p.filename;
}

/**
 * The boundary of a multipart content type, quoted (`boundary="a b"`) or not (`boundary=Zm9v/YmFy==`).
 * RFC 2046 allows 1 to 70 characters; a longer one is refused rather than searched for.
 */
export function boundaryOf(contentType: string): string | undefined {
  const m = /;\s*boundary\s*=\s*(?:"((?:[^"\\\r\n]|\\.){1,70})"|([^;\s"]{1,70}))\s*(?:;|$)/i.exec(
    contentType,
  );
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
}

/** A part's header block (without the blank line) as lowercased name to value, folded lines joined. */
export function parsePartHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  if (block === '') return headers;
  const lines: string[] = [];
  for (const line of block.split('\r\n')) {
    if (/^[ \t]/.test(line) && lines.length) lines[lines.length - 1] += ` ${line.trim()}`;
    else lines.push(line);
  }
  if (lines.length > MULTIPART_LIMITS.headerCount) throw badRequest('too many headers in a multipart part');
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(line.slice(0, i)))
      throw badRequest('a multipart part has a malformed header');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return headers;
}

function paramOf(value: string | undefined, name: string): string | undefined {
  if (!value) return undefined;
  const re = new RegExp(`;\\s*${name}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, 'i');
  const m = re.exec(value);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
}

/** The stream of one part: pulls from the request only while its reader wants more. */
class PartStream extends Readable {
  constructor(private readonly wantMore: (s: PartStream) => void) {
    // 64 KiB held per part at most before the request is paused
    super({ highWaterMark: 64 * 1024 });
    // the reader gets errors through pipe/pipeline/for-await; an error while no reader is attached
    // yet (the handler is awaiting a service) must not become an uncaught exception
    this.on('error', () => undefined);
  }

  override _read(): void {
    this.wantMore(this);
  }
}

type State = 'preamble' | 'boundary' | 'headers' | 'body' | 'epilogue';

/**
 * Runs `onPart` for each part in order, one at a time. Resolves when the body is read to its closing
 * boundary and every part handled. The first error (a malformed or truncated body, or one thrown by
 * `onPart`) stops reading; the promise rejects with it once the handler in progress has settled, so the
 * caller can clean up what that handler started.
 */
export function eachPart(
  body: Readable,
  contentType: string,
  onPart: (p: Part) => Promise<void>,
): Promise<void> {
  const boundary = boundaryOf(contentType);
  if (!boundary) return Promise.reject(badRequest('the multipart body has no valid boundary parameter'));

  return new Promise((resolve, reject) => {
    let state: State = 'preamble';
    let outside = 0;
    let parts = 0;
    let pending = Buffer.alloc(0); // bytes after a delimiter, until its line or the part headers end
    let current: PartStream | undefined;
    let currentFull = false;
    let closed = false; // the closing delimiter was read
    let ended = false; // the request body ended
    let failure: unknown;
    let stopped = false; // no more bytes are looked at (the search's own leftovers included)
    let chain = Promise.resolve();

    const finish = () => {
      stopped = true;
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      search.destroy();
    };
    const fail = (e: unknown) => {
      if (failure !== undefined) return;
      failure = e;
      finish();
      // stop reading: the answer goes out with Connection: close, the rest of the body is never read
      body.pause();
      current?.destroy(e instanceof Error ? e : new Error(String(e)));
      current = undefined;
      chain.then(
        () => reject(e),
        () => reject(e),
      );
    };

    const wantMore = (s: PartStream) => {
      if (s !== current || failure !== undefined) return;
      currentFull = false;
      if (!ended) body.resume();
    };

    const startPart = (headerBlock: string) => {
      if (++parts > MULTIPART_LIMITS.parts) throw badRequest('too many parts in the multipart body');
      const headers = parsePartHeaders(headerBlock);
      const ct = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      const disposition = headers['content-disposition'];
      const filename = paramOf(disposition, 'filename');
      const name = paramOf(disposition, 'name');
      const stream = new PartStream(wantMore);
      current = stream;
      currentFull = false;
      const part: Part = { contentType: ct, filename, name, headers, stream };
      chain = chain.then(async () => {
        if (failure !== undefined) return;
        await onPart(part);
        // a handler that did not read its part lets it drain, so the next part can come
        if (!stream.readableEnded) stream.resume();
      });
      chain.catch(fail);
    };

    const partData = (data: Buffer) => {
      if (!current || data.length === 0) return;
      if (!current.push(data)) currentFull = true;
    };

    const endPart = () => {
      current?.push(null);
      current = undefined;
      currentFull = false;
    };

    // bytes between delimiters, fed by the search in order
    const onBytes = (data: Buffer) => {
      switch (state) {
        case 'preamble':
        case 'epilogue':
          outside += data.length;
          if (outside > MULTIPART_LIMITS.outsideBytes)
            throw badRequest('too much text outside the parts of the multipart body');
          return;
        case 'body':
          return partData(data);
        case 'boundary':
        case 'headers': {
          pending = Buffer.concat([pending, data]);
          if (state === 'boundary') {
            if (pending.length < 2) return;
            if (pending[0] === 0x2d && pending[1] === 0x2d) {
              closed = true;
              state = 'epilogue';
              outside = 0;
              const rest = pending.subarray(2);
              pending = Buffer.alloc(0);
              return onBytes(rest);
            }
            // transport padding (spaces, tabs) may follow a delimiter before its CRLF
            let i = 0;
            while (i < pending.length && (pending[i] === 0x20 || pending[i] === 0x09)) i++;
            if (pending.length - i < 2) {
              if (pending.length > 256) throw badRequest('the multipart body is malformed');
              return;
            }
            if (pending[i] !== 0x0d || pending[i + 1] !== 0x0a)
              throw badRequest('the multipart body is malformed');
            // keep the CRLF: an empty header block is then "\r\n\r\n" like any other
            pending = pending.subarray(i);
            state = 'headers';
          }
          const end = pending.indexOf('\r\n\r\n');
          if (end < 0) {
            if (pending.length > MULTIPART_LIMITS.headerBytes)
              throw badRequest('the headers of a multipart part are too large');
            return;
          }
          if (end > MULTIPART_LIMITS.headerBytes)
            throw badRequest('the headers of a multipart part are too large');
          const block = pending.subarray(2, end).toString('latin1');
          const rest = pending.subarray(end + 4);
          pending = Buffer.alloc(0);
          state = 'body';
          startPart(block === '' ? '' : block);
          return partData(rest);
        }
      }
    };

    const onDelimiter = () => {
      switch (state) {
        case 'epilogue':
          return; // anything after the closing delimiter is ignored
        case 'body':
          endPart();
          break;
        case 'boundary':
        case 'headers':
          throw badRequest('a multipart part ends inside its headers');
      }
      state = 'boundary';
      pending = Buffer.alloc(0);
    };

    // the delimiter is CRLF "--" boundary; the first one may open the body without a CRLF
    const search = new StreamSearch(
      Buffer.from(`\r\n--${boundary}`, 'latin1'),
      (isMatch, data, start, end, safe) => {
        if (stopped) return;
        try {
          if (data && end > start) {
            // data outside the chunk (the search's lookbehind) is reused by it: copy
            onBytes(safe ? data.subarray(start, end) : Buffer.from(data.subarray(start, end)));
          }
          if (isMatch) onDelimiter();
        } catch (e) {
          fail(e);
        }
      },
    );

    const onData = (chunk: Buffer | string) => {
      search.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      if (failure === undefined && currentFull) body.pause();
    };
    const onEnd = () => {
      ended = true;
      if (failure !== undefined) return;
      if (!closed) return fail(cutOff());
      finish();
      chain.then(resolve, fail);
    };
    const onError = () => fail(badRequest('the request body was cut off'));

    search.push(Buffer.from('\r\n'));
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
  });
}

/** Reads a small JSON part whole (bounded), then parses it. */
export async function readJsonPart(stream: Readable): Promise<unknown> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of stream) {
    n += (c as Buffer).length;
    if (n > MAX_JSON_PART)
      throw new DomainError(ErrorCode.PayloadTooLarge, `the JSON part is larger than ${MAX_JSON_PART} bytes`);
    chunks.push(c as Buffer);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new DomainError(ErrorCode.BadRequest, 'the JSON part is not valid JSON');
  }
  // the same bounds as a JSON body (keys, depth, lone surrogates, NUL): PostgreSQL refuses the last two
  checkJsonBounds(doc);
  return doc;
}
