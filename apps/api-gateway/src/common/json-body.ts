// JSON request bodies: parsed once, bounded by what a Kazoo document can hold, before any guard or
// service sees them. The scan is one iterative pass that stops at the first problem, so its cost is
// bounded by the body limit; schema validation happens later, in the services, after authorization.
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError, ErrorCode, MAX_DOCUMENT_BYTES } from '@voxmail/contracts';

/** The largest JSON body the gateway reads (media bodies stream and have their own limits). */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

/**
 * What one Kazoo document (a CouchDB document: an account, a box, a user, a message's metadata) holds.
 * Real ones have tens to a few hundred keys; these leave a wide margin and stop hostile shapes.
 */
export const JSON_LIMITS = {
  /** Object keys in the whole body, at every depth. */
  maxKeys: 10_000,
  /** Nesting of objects and arrays. */
  maxDepth: 32,
  /** Characters of one string value: none longer can fit in a stored document (MAX_DOCUMENT_BYTES). */
  maxStringLength: MAX_DOCUMENT_BYTES,
  /** Characters of one key. */
  maxKeyLength: 256,
  /** Items of one array. */
  maxArrayLength: 10_000,
} as const;

// An unpaired UTF-16 surrogate (`"\ud800"` as a JSON escape): valid JSON, but not Unicode text, and
// PostgreSQL jsonb refuses it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const invalid = (field: string, rule: string, message: string, target?: unknown): DomainError =>
  new DomainError(ErrorCode.ValidationFailed, 'invalid data', {
    [field]: { [rule]: target === undefined ? { message } : { message, target } },
  });

/** Kazoo names fields relative to the envelope's `data`. */
const fieldName = (path: string): string => path.replace(/^data\./, '') || 'data';

/** Throws a 400 naming the first field that breaks JSON_LIMITS or holds text PostgreSQL cannot store. */
export function checkJsonBounds(body: unknown): void {
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: body, path: '', depth: 0 }];
  let keys = 0;
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (v.length > JSON_LIMITS.maxStringLength) {
        // content too large to ever be stored: 413, as for a body over the limit
        throw new DomainError(ErrorCode.PayloadTooLarge, 'the request is too large', {
          [fieldName(path)]: {
            maxLength: {
              message: `String must not be more than ${JSON_LIMITS.maxStringLength} characters`,
              target: JSON_LIMITS.maxStringLength,
            },
          },
        });
      }
      if (LONE_SURROGATE.test(v)) {
        throw invalid(fieldName(path), 'type', 'Strings must be valid Unicode (a lone surrogate is not)');
      }
      if (v.includes('\u0000'))
        throw invalid(fieldName(path), 'type', 'Strings cannot contain NUL characters');
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= JSON_LIMITS.maxDepth) {
      throw invalid(
        fieldName(path),
        'maxDepth',
        `Documents cannot nest more than ${JSON_LIMITS.maxDepth} levels`,
        JSON_LIMITS.maxDepth,
      );
    }
    if (Array.isArray(v)) {
      if (v.length > JSON_LIMITS.maxArrayLength) {
        throw invalid(
          fieldName(path),
          'maxItems',
          `The list must not have more than ${JSON_LIMITS.maxArrayLength} items`,
          JSON_LIMITS.maxArrayLength,
        );
      }
      for (let i = 0; i < v.length; i++) stack.push({ v: v[i], path: `${path}.${i}`, depth: depth + 1 });
      continue;
    }
    for (const k in v) {
      if (++keys > JSON_LIMITS.maxKeys) {
        throw invalid(
          'data',
          'maxKeys',
          `The document must not have more than ${JSON_LIMITS.maxKeys} keys`,
          JSON_LIMITS.maxKeys,
        );
      }
      const at = path ? `${path}.${k}` : k;
      if (k.length > JSON_LIMITS.maxKeyLength) {
        throw invalid(
          fieldName(path),
          'maxLength',
          `Keys must not be more than ${JSON_LIMITS.maxKeyLength} characters`,
        );
      }
      if (LONE_SURROGATE.test(k)) {
        throw invalid(fieldName(at), 'type', 'Keys must be valid Unicode (a lone surrogate is not)');
      }
      if (k.includes('\u0000')) throw invalid(fieldName(path), 'type', 'Keys cannot contain NUL characters');
      stack.push({ v: (v as Record<string, unknown>)[k], path: at, depth: depth + 1 });
    }
  }
}

const notJson = () =>
  new DomainError(ErrorCode.BadRequest, 'the body is not valid JSON', {
    body: { type: { message: 'The request body must be JSON: {"data": {...}}' } },
  });

/**
 * Removes commas that directly precede a closing `}` or `]` (whitespace between), outside strings: the
 * Onbuka document's own example body ends its object with one. One pass, linear in the text.
 */
export function stripTrailingCommas(text: string): string {
  const out: string[] = [];
  let inString = false;
  let pendingComma = -1;
  // the last significant character outside strings: only a comma after a value trails (`{,}` stays bad)
  let last = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      out.push(ch);
      if (ch === '\\') out.push(text[++i] ?? '');
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      pendingComma = -1;
      last = '"';
    } else if (ch === ',') {
      pendingComma = last && !'{[,'.includes(last) ? out.length : -1;
      last = ',';
    } else if (ch === '}' || ch === ']') {
      if (pendingComma >= 0) out[pendingComma] = '';
      pendingComma = -1;
      last = ch;
    } else if (!/\s/.test(ch)) {
      pendingComma = -1;
      last = ch;
    }
    out.push(ch);
  }
  return out.join('');
}

const tooDeep = () =>
  invalid(
    'data',
    'maxDepth',
    `Documents cannot nest more than ${JSON_LIMITS.maxDepth} levels`,
    JSON_LIMITS.maxDepth,
  );

/**
 * Follows the nesting of JSON text as it arrives, byte by byte (a UTF-8 continuation byte is never one of
 * `"[]{}\`), so a body nested deeper than JSON_LIMITS.maxDepth is refused at the byte that goes too deep,
 * before the rest is read and before JSON.parse sees it (1 MB of `[` costs 33 bytes of work, not a parse).
 */
export class JsonDepthScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;

  /** False once the text has gone deeper than `maxDepth`. */
  push(chunk: Buffer | string, maxDepth: number = JSON_LIMITS.maxDepth): boolean {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === 0x5c) this.escaped = true;
        else if (b === 0x22) this.inString = false;
      } else if (b === 0x22) this.inString = true;
      else if (b === 0x5b || b === 0x7b) {
        if (++this.depth > maxDepth) return false;
      } else if (b === 0x5d || b === 0x7d) this.depth--;
    }
    return true;
  }
}

/** An empty body is no data (the PHP SDK sends `Content-Type: application/json` on every DELETE). */
export function parseJsonBody(
  text: string,
  opts: { trailingCommas?: boolean; depthScanned?: boolean } = {},
): unknown {
  if (!text.trim()) return undefined;
  // JSON.parse of deep nesting is slow and recursive: refuse it before parsing
  if (!opts.depthScanned && !new JsonDepthScanner().push(text)) throw tooDeep();
  let body: unknown;
  try {
    body = JSON.parse(opts.trailingCommas ? stripTrailingCommas(text) : text);
  } catch {
    throw notJson();
  }
  checkJsonBounds(body);
  return body;
}

type Done = (err: Error | null, body?: unknown) => void;

const tooLarge = (limit: number) =>
  new DomainError(ErrorCode.PayloadTooLarge, 'the request is too large', {
    body: { maxLength: { message: `The body must not be more than ${limit} bytes`, target: limit } },
  });

/**
 * Reads a JSON body from its stream, refusing it as soon as it passes `limit` bytes (a declared
 * Content-Length over it before any byte) or nests too deep: the work is proportional to the bytes read
 * up to the limit, never to what the client sends beyond it. What is not read is discarded by Node.
 */
export function readJsonText(payload: Readable, limit: number, declared?: number): Promise<string> {
  return new Promise((resolve, reject) => {
    if (declared !== undefined && declared > limit) {
      payload.resume();
      return reject(tooLarge(limit));
    }
    const scanner = new JsonDepthScanner();
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (e: Error) => {
      payload.off('data', onData);
      payload.off('end', onEnd);
      payload.resume(); // the rest is discarded, never buffered
      reject(e);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) return stop(tooLarge(limit));
      if (!scanner.push(c)) return stop(tooDeep());
      chunks.push(c);
    };
    const onEnd = () => resolve(Buffer.concat(chunks, size).toString('utf8'));
    payload.on('data', onData);
    payload.once('end', onEnd);
    payload.once('error', (e) => reject(e));
  });
}

/** Routes that take no credential (logins, token exchange): small bodies only (UNAUTHENTICATED_BODY_BYTES). */
const UNAUTHENTICATED_PATHS = [
  /^\/v2\/(api_auth|user_auth|api_client_auth)\/?$/,
  /^\/openapi\/v1\.0\/(get_token|refresh_token)\/?$/,
];

export const isUnauthenticatedPath = (url: string | undefined): boolean => {
  const path = (url ?? '').split('?')[0];
  return UNAUTHENTICATED_PATHS.some((p) => p.test(path));
};

/**
 * JSON for `application/json` (and `+json` types), and for `application/x-www-form-urlencoded` when the
 * body is JSON: Kazoo reads plain `curl -d '{"data": ...}'` that way. A real form body is a clear 400.
 */
export function registerJsonBodies(
  fastify: FastifyInstance,
  unauthenticatedLimit: number = MAX_JSON_BODY_BYTES,
): void {
  fastify.removeContentTypeParser(['application/json']);
  // a body refused before its end is not read to its end either: the connection closes after the answer
  const refused = new WeakSet<object>();
  fastify.addHook('onSend', async (req, reply, payload) => {
    if (refused.has(req.raw)) void reply.header('Connection', 'close');
    return payload;
  });
  const opts = { bodyLimit: MAX_JSON_BODY_BYTES };
  /** The body as text, read under the route's limit and the depth bound (see readJsonText). */
  const read = (req: FastifyRequest, payload: Readable): Promise<string> => {
    const limit = isUnauthenticatedPath(req.url) ? unauthenticatedLimit : MAX_JSON_BODY_BYTES;
    const declared = req.headers['content-length'];
    return readJsonText(
      payload,
      limit,
      typeof declared === 'string' && /^\d+$/.test(declared) ? Number(declared) : undefined,
    ).catch((e: unknown) => {
      refused.add(req.raw);
      throw e;
    });
  };
  const parse = (req: FastifyRequest, text: string, done: Done) => {
    try {
      // the Onbuka face (`/v3`) takes its document's trailing comma
      const trailingCommas = (req.url ?? '').startsWith('/v3/');
      done(null, parseJsonBody(text, { trailingCommas, depthScanned: true }));
    } catch (e) {
      done(e as Error);
    }
  };
  const json = (req: FastifyRequest, payload: Readable, done: Done) => {
    read(req, payload).then(
      (text) => parse(req, text, done),
      (e: Error) => done(e),
    );
  };
  fastify.addContentTypeParser('application/json', opts, json);
  fastify.addContentTypeParser(/^application\/[A-Za-z0-9.-]+\+json/i, opts, json);
  fastify.addContentTypeParser('application/x-www-form-urlencoded', opts, (req, payload: Readable, done) => {
    read(req, payload).then((text) => {
      const s = text.trimStart();
      if (s && !s.startsWith('{') && !s.startsWith('[')) {
        return done(
          new DomainError(ErrorCode.BadRequest, 'form bodies are not supported; send JSON', {
            body: { type: { message: 'The request body must be JSON: {"data": {...}}' } },
          }),
        );
      }
      parse(req, text, done);
    }, done);
  });
}
