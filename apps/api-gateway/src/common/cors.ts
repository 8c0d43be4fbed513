// CORS as Kazoo answers it: every preflight and every response (errors included) carries the
// Access-Control-* headers, so Monster UI and other browser apps on another origin can call the API.
import type { FastifyCorsOptions } from '@fastify/cors';

export const CORS_METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE', 'OPTIONS'];
export const CORS_ALLOWED_HEADERS = [
  'Accept',
  'Authorization',
  'Content-Type',
  'Content-Range',
  'Content-Disposition',
  'Idempotency-Key',
  'If-Match',
  'If-None-Match',
  'Last-Event-ID',
  'Origin',
  'Range',
  'X-Auth-Token',
  'X-Request-Id',
  'X-Pretty-Print',
  'X-Requested-With',
];
export const CORS_EXPOSED_HEADERS = [
  'X-Request-Id',
  'Content-Range',
  'Content-Length',
  'Content-Type',
  'Accept-Ranges',
  'Content-Disposition',
  'ETag',
  'Location',
  'Retry-After',
];
export const CORS_MAX_AGE_S = 86400;

export function corsOptions(allowedOrigins: string[]): FastifyCorsOptions {
  return {
    origin: allowedOrigins.includes('*') ? '*' : allowedOrigins,
    methods: CORS_METHODS,
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: CORS_MAX_AGE_S,
    // a preflight without Origin or Access-Control-Request-Method (curl, probes) is answered too
    strictPreflight: false,
    optionsSuccessStatus: 204,
  };
}

/** The headers @fastify/cors would set, for answers written before Fastify has a request. */
export function corsHeadersFor(allowedOrigins: string[]) {
  return (origin: string | undefined): Record<string, string> => {
    const any = allowedOrigins.includes('*');
    if (!any && !(origin && allowedOrigins.includes(origin))) return { Vary: 'Origin' };
    return {
      'Access-Control-Allow-Origin': any ? '*' : origin!,
      'Access-Control-Expose-Headers': CORS_EXPOSED_HEADERS.join(', '),
      ...(any ? {} : { Vary: 'Origin' }),
    };
  };
}
