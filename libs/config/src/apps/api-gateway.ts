// api-gateway: the public HTTP API (all faces). Add a variable: one line in `gatewaySpec` (README: Configuration).
import { common, mediaTimeoutMs, tokenKeys, voxmailSecret } from '../shared';
import { computed, custom, flag, int, ms, REQUIRED, text, url, when, type Check } from '../schema';

/** `*` or a comma-separated list of origins (scheme://host[:port], no path). */
function readOrigins(raw: string): string[] {
  if (raw.trim() === '*') return ['*'];
  const list = raw
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  const bad = list.find((o) => !/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(o));
  if (bad !== undefined || !list.length)
    throw new Error('must be * or a comma-separated list of origins (https://host[:port])');
  return list;
}

const MB = 1024 * 1024;

// prettier-ignore
export const yeastarSpec = {
  accessTokenTtlSeconds: int('YEASTAR_ACCESS_TOKEN_TTL_S', 1800, [1, 86400], 'Yeastar face: `access_token_expire_time`, its tokens are refused after this long'),
  playLinkTtlSeconds: int('YEASTAR_PLAY_LINK_TTL_S', 1800, [1, 86400], 'Yeastar face: how long a `play_resource_url` stays valid'),
  maxGreetingBytes: int('YEASTAR_MAX_GREETING_BYTES', 8 * MB, [1024, 1024 * MB], 'Yeastar face: largest greeting file'),
};

// prettier-ignore
export const flexisipSpec = {
  maxUploadSize: int('FLEXISIP_MAX_UPLOAD_SIZE', 3000000, [1, 1024 * MB], "Flexisip face: `max_upload_size` of new slots, in bytes (the media store's limit still caps it)"),
  uploadTtlSeconds: int('FLEXISIP_UPLOAD_URL_TTL_S', 3600, [1, 7 * 86400], 'Flexisip face: how long an upload URL (and its empty slot) lives'),
  downloadTtlSeconds: int('FLEXISIP_DOWNLOAD_URL_TTL_S', 3600, [1, 7 * 86400], 'Flexisip face: how long a `get_url`/`download_url` stays valid'),
};

const fiveTimes = (rate: string) => computed((c) => 5 * (c.read[rate] as number));

/** What one account (and one credential) may take of a gateway; 0 turns a rate limit off. */
// prettier-ignore
export const fairnessSpec = {
  accountRps: int('RATE_LIMIT_ACCOUNT_RPS', 200, [0, 1_000_000], 'requests per second one account may make (all replicas together); `0` turns it off'),
  accountBurst: int('RATE_LIMIT_ACCOUNT_BURST', fiveTimes('RATE_LIMIT_ACCOUNT_RPS'), [0, 10_000_000], "an account's extra burst over 10 s beyond its rate", { shown: '5 × the rate' }),
  credentialRps: int('RATE_LIMIT_CREDENTIAL_RPS', 100, [0, 1_000_000], "requests per second one credential (token's user, key or API client) may make; `0` turns it off"),
  credentialBurst: int('RATE_LIMIT_CREDENTIAL_BURST', fiveTimes('RATE_LIMIT_CREDENTIAL_RPS'), [0, 10_000_000], "a credential's extra burst over 10 s beyond its rate", { shown: '5 × the rate' }),
  streamsPerAccount: int('STREAMS_PER_ACCOUNT', 32, [1, 100_000], 'audio streams (uploads, downloads, ZIPs) one account may have open at once per replica (429 above)'),
  streamIdleTimeoutMs: ms('STREAM_IDLE_TIMEOUT_MS', 30000, [100, 3_600_000], 'a stream whose client reads or sends nothing for this long is cut'),
  unauthenticatedBodyBytes: int('UNAUTHENTICATED_BODY_BYTES', 16 * 1024, [256, MB], 'largest body of a route that takes no credential (`api_auth`, `user_auth`, Yeastar `get_token`…)'),
  requestsInFlightPerAccount: int('REQUESTS_IN_FLIGHT_PER_ACCOUNT', 64, [0, 100_000], 'requests (other than audio streams) one account may have in progress at once per replica (429 above, refused before the body is read); `0` turns it off'),
};

/** The live event stream (`GET /v2/accounts/{id}/events/stream`, Server-Sent Events). */
// prettier-ignore
export const eventStreamSpec = {
  perAccount: int('EVENT_STREAMS_PER_ACCOUNT', 16, [1, 100_000], 'event streams (`.../events/stream`) one account may have open at once per replica (429 above)'),
  bufferBytes: int('EVENT_STREAM_BUFFER_BYTES', MB, [4096, 64 * MB], 'bytes of events one stream may have waiting for a slow client; over it the stream is cut (the client resumes with `Last-Event-ID`)'),
  keepAliveMs: ms('EVENT_STREAM_KEEPALIVE_MS', 15000, [100, 300_000], 'a `: keep-alive` comment this often on an idle stream; its token is checked again as often'),
};

const tlsSet = (env: Record<string, string | undefined>) => !!env.TLS_CERT_FILE && !!env.TLS_KEY_FILE;

// prettier-ignore
export const gatewaySpec = {
  ...common,
  port: int('PORT', 8000, [0, 65535], 'the public API port'),
  host: text('HOST', '0.0.0.0', 'the address the public API listens on'),
  tls: when(tlsSet, {
    certFile: text('TLS_CERT_FILE', REQUIRED, 'PEM certificate: HTTPS, HTTP/2 by ALPN `h2` and HTTP/1.1 beside it', { shown: '— (plain HTTP)' }),
    keyFile: text('TLS_KEY_FILE', REQUIRED, 'PEM key of `TLS_CERT_FILE` (both or neither)', { shown: '— (plain HTTP)' }),
  }, undefined),
  http2Cleartext: flag('HTTP2_CLEARTEXT', false, 'without TLS: cleartext HTTP/2 with prior knowledge (h2c) instead of HTTP/1.1'),
  publicBaseUrl: url('PUBLIC_BASE_URL', computed((c) => `${tlsSet(c.env) ? 'https' : 'http'}://127.0.0.1:${c.read.PORT}`), ['http:', 'https:'], 'the base of the links it hands out', { shown: '`http://127.0.0.1:$PORT` (`https` with TLS)' }).map((u) => u.replace(/\/$/, '')),
  commandTimeoutMs: ms('COMMAND_TIMEOUT_MS', 5000, [100, 120000], "every command's deadline; no reply by then (+ a short grace) is 503, `Retry-After`"),
  mediaCommandTimeoutMs: mediaTimeoutMs,
  secret: voxmailSecret,
  trustProxy: flag('TRUST_PROXY', false, 'take the client address from `X-Forwarded-For` (only behind a proxy that sets it)'),
  corsAllowedOrigins: custom('CORS_ALLOWED_ORIGINS', ['*'], readOrigins, '* or a list of origins', 'comma-separated origins (`https://ui.example,http://127.0.0.1:3000`) browsers may call from; `*` any, as Kazoo', { shown: '`*` (any origin, as Kazoo)' }),
  tokenKeys,
  revocationStaleMs: ms('REVOCATION_STALE_MS', 3000, [500, 60000], 'trust the revocation view alone only this long after the last heartbeat'),
  yeastar: yeastarSpec,
  flexisip: flexisipSpec,
  fairness: fairnessSpec,
  eventStream: eventStreamSpec,
};

export const gatewayChecks: Check[] = [
  ({ env }) =>
    !env.TLS_CERT_FILE !== !env.TLS_KEY_FILE
      ? 'TLS_CERT_FILE and TLS_KEY_FILE must be set together (or neither)'
      : undefined,
  ({ env, read }) =>
    env.TLS_CERT_FILE && read.HTTP2_CLEARTEXT
      ? 'HTTP2_CLEARTEXT applies without TLS; with TLS_CERT_FILE, ALPN offers h2'
      : undefined,
];
