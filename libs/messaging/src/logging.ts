// Structured JSON logs (pino) with the request id mixed in and secrets redacted.
import type { Params } from 'nestjs-pino';
import { currentRequestId } from './request-context';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-auth-token"]',
  'req.headers["api-key"]',
  'req.headers["x-api-key"]',
  'req.headers.sign',
  'req.query.access_token',
  '*.api_key',
  '*.apiKey',
  '*.password',
  '*.pin',
  '*.credentials',
  '*.client_secret',
  '*.clientSecret',
  '*.secret',
  '*.token',
  '*.auth_token',
];

export function loggerParams(service: string, level: string): Params {
  return {
    pinoHttp: {
      level,
      name: service,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      mixin: () => {
        const requestId = currentRequestId();
        return requestId ? { requestId } : {};
      },
      genReqId: (req) => (req as { id?: string }).id ?? currentRequestId() ?? '',
      customProps: () => ({ service }),
      autoLogging: { ignore: (req) => !!req.url && /^\/(health|metrics)/.test(req.url) },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          // signed links (the Flexisip face's upload and download URLs) are credentials too
          url: req.url.replace(/([?&](access_token|api_key|token|signature)=)[^&]*/gi, '$1[redacted]'),
        }),
      },
    },
  };
}
