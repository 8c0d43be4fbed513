// Structured JSON logs (pino) with the request id mixed in and secrets redacted: by name in URLs'
// query strings, in headers and at any depth of a logged object; errors are logged without SQL
// parameters, query text or driver details (they hold credential and PIN hashes, HMACs, encrypted keys).
import { destination as pinoDestination, type DestinationStream } from 'pino';
import type { Params } from 'nestjs-pino';
import { currentRequestId } from './request-context';

/**
 * Names whose values are secrets wherever they appear (query parameter, header, object key), compared
 * case-insensitively with `-` and `_` ignored: `auth_token`, `X-Auth-Token`, `x-api-key`, `apiKey`...
 */
export const SECRET_NAMES = [
  'authtoken',
  'xauthtoken',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'apikey',
  'xapikey',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'password',
  'passwd',
  'newpassword',
  'credentials',
  'pin',
  'newpin',
  'secret',
  'clientsecret',
  'signature',
  'sign',
  'sig',
  'hash',
  'pinhash',
  'credentialhash',
  'keyhash',
  'encryptedkey',
  'privatekey',
];
const SECRET = new Set(SECRET_NAMES);
const CENSOR = '[redacted]';

export const isSecretName = (name: string): boolean => SECRET.has(name.toLowerCase().replace(/[-_]/g, ''));

/**
 * Signed links whose signature sits in the path, not in a query parameter: Yeastar play links
 * `/api/download/VoicemailGreeting-<ids>-<expires>-<hmac>.<ext>`. The signature alone downloads.
 */
const SIGNED_PATH = /(VoicemailGreeting-[0-9A-Za-z]*-\d{1,12}-)[A-Za-z0-9_-]{16,}/g;
/** `name=value` pairs after `?` or `&` anywhere in a string (a URL inside a message or a field). */
const QUERY_PAIR = /([?&])([^=&#?\s"'<>]{1,64})=([^&#\s"'<>]*)/g;

/**
 * A string with the signature of every signed link it carries replaced: path signatures (play links)
 * and the values of secret-named query parameters (`signature=`, `access_token=`...) wherever a URL
 * appears in it, not only in a field named `url`.
 */
export function redactSignedLinks(text: string): string {
  if (!text.includes('=') && !text.includes('VoicemailGreeting-')) return text;
  return text.replace(SIGNED_PATH, `$1${CENSOR}`).replace(QUERY_PAIR, (pair, sep: string, raw: string) => {
    let name = raw;
    try {
      name = decodeURIComponent(raw.replace(/\+/g, ' '));
    } catch {
      /* a malformed escape: judge the name as written */
    }
    return isSecretName(name) ? `${sep}${raw}=${CENSOR}` : pair;
  });
}

/** A URL with the value of every secret-named query parameter and any path signature replaced. */
export function redactUrl(url: string): string {
  url = url.replace(SIGNED_PATH, `$1${CENSOR}`);
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        /* a malformed escape: judge the name as written */
      }
      return eq >= 0 && isSecretName(name) ? `${rawName}=${CENSOR}` : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}

const MAX_DEPTH = 8;

const isPlain = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/**
 * A copy of a logged object with secret-named keys censored at any depth and URLs redacted. Only plain
 * objects and arrays are walked: requests, responses and errors have their own serializers.
 */
export function redactSecrets(v: unknown, depth = 0, withStack = false): unknown {
  if (depth > MAX_DEPTH) return v;
  if (Array.isArray(v)) return v.map((x) => redactSecrets(x, depth + 1, withStack));
  // an error under any key but `err` (which has its serializer) would print its enumerable fields:
  // a QueryFailedError's are its query and parameters
  if (v instanceof Error) return serializeError(v, withStack);
  if (typeof v === 'string') return redactSignedLinks(v);
  if (!isPlain(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (isSecretName(k)) out[k] = CENSOR;
    else if ((k === 'url' || k === 'originalUrl') && typeof x === 'string') out[k] = redactUrl(x);
    else out[k] = redactSecrets(x, depth + 1, withStack);
  }
  return out;
}

/** Fields of a database error that say what failed without any value (pg's `detail` quotes values). */
const DB_FIELDS = ['code', 'constraint', 'table', 'schema', 'column', 'routine'] as const;

/**
 * Errors as logs show them: type, message, and for database errors (TypeORM's QueryFailedError and the
 * pg error it wraps) the SQLSTATE, constraint and table, never `parameters`, `query`, `detail` or
 * `driverError`. Stack traces (file paths of the deployment) only at debug level.
 */
export function serializeError(e: unknown, withStack = false, depth = 0): unknown {
  if (!(e instanceof Error)) return redactSecrets(e);
  const err = e as Error & Record<string, unknown>;
  const driver = isObject(err.driverError) ? err.driverError : undefined;
  const isDb = !!driver || 'parameters' in err || 'query' in err;
  const out: Record<string, unknown> = {
    type: err.constructor?.name ?? 'Error',
    message: redactSignedLinks(err.message),
  };
  for (const f of DB_FIELDS) {
    const v = driver?.[f] ?? err[f];
    if (typeof v === 'string' || typeof v === 'number') out[f] = v;
  }
  if (!isDb && typeof err.subject === 'string') out.subject = err.subject;
  if (withStack && !isDb && err.stack) out.stack = redactSignedLinks(err.stack);
  if (err.cause !== undefined && depth < 3) out.cause = serializeError(err.cause, withStack, depth + 1);
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

let destination: DestinationStream | undefined;
let stdout: DestinationStream | undefined;

/**
 * Where the apps started after this call write their logs (tests capture them to assert that no secret
 * is written); undefined restores standard output.
 */
export function setLogDestination(stream: DestinationStream | undefined): void {
  destination = stream;
}

export function loggerParams(service: string, level: string): Params {
  const withStack = level === 'debug' || level === 'trace';
  const options = {
    level,
    name: service,
    // belt and braces for the header names pino-http logs under req/res
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-auth-token"]',
        'req.headers["x-api-key"]',
        'req.headers["api-key"]',
        'req.headers.cookie',
        'req.headers.sign',
        'res.headers["set-cookie"]',
      ],
      censor: CENSOR,
    },
    mixin: () => {
      const requestId = currentRequestId();
      return requestId ? { requestId } : {};
    },
    // the message text too: a link named in a message is as good as one in a field
    hooks: {
      logMethod(this: unknown, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? redactSignedLinks(a) : a)),
        );
      },
    },
    formatters: {
      log: (obj: Record<string, unknown>) => redactSecrets(obj, 0, withStack) as Record<string, unknown>,
    },
    genReqId: (req: { id?: string }) => req.id ?? currentRequestId() ?? '',
    customProps: () => ({ service }),
    autoLogging: { ignore: (req: { url?: string }) => !!req.url && /^\/(health|metrics)/.test(req.url) },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        url: redactUrl(req.url),
      }),
      err: (e: unknown) => serializeError(e, withStack),
    },
  };
  return { pinoHttp: (destination ? [options, destination] : options) as Params['pinoHttp'] };
}

/**
 * The apps' logger: `loggerParams`, writing to standard output asynchronously (sonic-boom) unless a
 * destination is set: a log line never waits for the pipe, lines queued while a write is under way go out
 * in one write, and pino flushes what is left at exit.
 */
export function appLoggerParams(service: string, level: string): Params {
  const params = loggerParams(service, level);
  if (destination) return params;
  stdout ??= pinoDestination({ dest: 1, sync: false });
  return { pinoHttp: [params.pinoHttp, stdout] as Params['pinoHttp'] };
}
