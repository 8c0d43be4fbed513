// Reads a `multipart/mixed` request (Kazoo's message create and raw upload) part by part with busboy,
// handing each part's stream to the caller as it arrives; nothing is buffered but small JSON parts.
import { Readable } from 'node:stream';
import busboy from 'busboy';
import { DomainError, ErrorCode } from '@voxmail/contracts';

export interface Part {
  /** The part's declared content type (`application/json`, `audio/mpeg`, ...). */
  contentType: string;
  filename?: string;
  /** The form-data field name (`file` for the account manager's VoicemailServer). */
  name?: string;
  stream: Readable;
}

export const MAX_JSON_PART = 256 * 1024;

export function isMultipart(contentType: string | undefined): boolean {
  return /^multipart\/(mixed|form-data)\s*;/i.test(contentType ?? '');
}

export function isJsonPart(p: Pick<Part, 'contentType' | 'filename'>): boolean {
  return /json/i.test(p.contentType) || /\.json$/i.test(p.filename ?? '');
}

export async function readJsonPart(stream: Readable): Promise<unknown> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of stream) {
    n += (c as Buffer).length;
    if (n > MAX_JSON_PART)
      throw new DomainError(ErrorCode.PayloadTooLarge, `the JSON part is larger than ${MAX_JSON_PART} bytes`);
    chunks.push(c as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new DomainError(ErrorCode.BadRequest, 'the JSON part is not valid JSON');
  }
}

/**
 * Runs `onPart` for each part in order (busboy parses `multipart/mixed` like form-data; curl's `-F` with
 * `-H "Content-Type: multipart/mixed"` sends exactly that). Resolves when the body is read and every
 * part handled; the first error stops reading and rejects.
 */
export function eachPart(
  body: Readable,
  contentType: string,
  headers: Record<string, unknown>,
  onPart: (p: Part) => Promise<void>,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: {
          ...(headers as Record<string, string>),
          'content-type': contentType.replace(/^multipart\/mixed/i, 'multipart/form-data'),
        },
        limits: { files: 4, fields: 4, parts: 8, fieldSize: MAX_JSON_PART, headerPairs: 32 },
      });
    } catch {
      reject(new DomainError(ErrorCode.BadRequest, 'the multipart body has no boundary'));
      return;
    }
    let failed = false;
    let chain = Promise.resolve();
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      // stop reading: the answer goes out with Connection: close, the rest of the body is never read
      body.unpipe(bb);
      reject(e);
    };
    bb.on('file', (name, stream, info) => {
      if (failed) return stream.resume();
      chain = chain.then(() =>
        failed
          ? void stream.resume()
          : onPart({ contentType: info.mimeType, filename: info.filename, name, stream }),
      );
      chain.catch(fail);
    });
    bb.on('field', (name, value, info) => {
      if (failed) return;
      const stream = Readable.from([Buffer.from(value)]);
      chain = chain.then(() =>
        failed ? undefined : onPart({ contentType: info.mimeType || 'application/json', name, stream }),
      );
      chain.catch(fail);
    });
    bb.on('error', () => fail(new DomainError(ErrorCode.BadRequest, 'the multipart body is malformed')));
    bb.on('filesLimit', () =>
      fail(new DomainError(ErrorCode.BadRequest, 'too many parts in the multipart body')),
    );
    bb.on('partsLimit', () =>
      fail(new DomainError(ErrorCode.BadRequest, 'too many parts in the multipart body')),
    );
    bb.on('close', () => {
      chain.then(() => {
        if (!failed) resolve();
      }, fail);
    });
    body.on('error', () => fail(new DomainError(ErrorCode.BadRequest, 'the request body was cut off')));
    body.pipe(bb);
  });
}
