// JSON request bodies: parsed once, bounded by what a Kazoo document can hold, before any guard or
// service sees them. The scan is one iterative pass that stops at the first problem, so its cost is
// bounded by the body limit; schema validation happens later, in the services, after authorization.
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

/** An empty body is no data (the PHP SDK sends `Content-Type: application/json` on every DELETE). */
export function parseJsonBody(text: string, opts: { trailingCommas?: boolean } = {}): unknown {
  if (!text.trim()) return undefined;
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

/**
 * JSON for `application/json` (and `+json` types), and for `application/x-www-form-urlencoded` when the
 * body is JSON: Kazoo reads plain `curl -d '{"data": ...}'` that way. A real form body is a clear 400.
 */
export function registerJsonBodies(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser(['application/json']);
  const opts = { parseAs: 'string' as const, bodyLimit: MAX_JSON_BODY_BYTES };
  const json = (req: FastifyRequest, text: string | Buffer, done: Done) => {
    try {
      // the Onbuka face (`/v3`) takes its document's trailing comma
      done(null, parseJsonBody(String(text), { trailingCommas: (req.url ?? '').startsWith('/v3/') }));
    } catch (e) {
      done(e as Error);
    }
  };
  fastify.addContentTypeParser('application/json', opts, json);
  fastify.addContentTypeParser(/^application\/[A-Za-z0-9.-]+\+json/i, opts, json);
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    opts,
    (req, text: string | Buffer, done) => {
      const s = String(text).trimStart();
      if (s && !s.startsWith('{') && !s.startsWith('[')) {
        return done(
          new DomainError(ErrorCode.BadRequest, 'form bodies are not supported; send JSON', {
            body: { type: { message: 'The request body must be JSON: {"data": {...}}' } },
          }),
        );
      }
      json(req, text, done);
    },
  );
}
