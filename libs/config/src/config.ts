// Typed configuration read from the environment once at start; a bad value stops the app with one line.
import { hkdfSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { APPS, type MediaKind } from '@voxmail/contracts';
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback?: string): string {
  const v = env[name];
  if (v === undefined || v === '') {
    if (fallback !== undefined) return fallback;
    throw new ConfigError(`${name} is required but not set`);
  }
  return v;
}

function int(env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return n;
}

function num(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a number between ${min} and ${max}, got "${raw}"`);
  }
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function url(env: Env, name: string, fallback: string | undefined, protocols: string[]): string {
  const v = str(env, name, fallback);
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    throw new ConfigError(`${name} must be a URL (${protocols.join(' or ')}), got "${redact(v)}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  }
  return v;
}

/** One URL or a comma-separated list of them, each checked as `url` does; kept as given. */
function urlList(env: Env, name: string, fallback: string, protocols: string[]): string {
  const v = str(env, name, fallback);
  const list = v
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  if (!list.length) throw new ConfigError(`${name} must be a URL or a comma-separated list of URLs`);
  for (const u of list) url({ [name]: u }, name, undefined, protocols);
  return list.join(',');
}

/** `*` or a comma-separated list of origins (scheme://host[:port], no path). */
function origins(env: Env, name: string): string[] {
  const raw = str(env, name, '*').trim();
  if (raw === '*') return ['*'];
  const list = raw
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const o of list) {
    if (!/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(o)) {
      throw new ConfigError(
        `${name} must be * or a comma-separated list of origins (https://host[:port]), got "${o}"`,
      );
    }
  }
  if (!list.length) throw new ConfigError(`${name} must be * or a comma-separated list of origins`);
  return list;
}

function redact(v: string): string {
  return v.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
}

export interface CommonConfig {
  serviceName: string;
  databaseUrl: string;
  /** One NATS URL or a comma-separated list (the nodes of a cluster). */
  natsUrl: string;
  /** Copies JetStream keeps of the event stream (and the revocations bucket): 1..5. */
  natsStreamReplicas: number;
  logLevel: string;
  migrationsRun: boolean;
  shutdownTimeoutMs: number;
}

export interface ServiceConfig extends CommonConfig {
  healthPort: number;
  /**
   * The address health and /metrics listen on (`HEALTH_HOST`): loopback unless the operator names
   * another (the pod IP in Kubernetes, for the kubelet's probes and Prometheus). They take no
   * credentials, so they are never on every interface by default.
   */
  healthHost: string;
  /** How long a service waits for mailbox-service to tell it an account's tree (the tenancy check). */
  tenancyTimeoutMs: number;
}

export interface GatewayConfig extends CommonConfig {
  port: number;
  host: string;
  publicBaseUrl: string;
  commandTimeoutMs: number;
  secret: string;
  /** Trust X-Forwarded-For for the client address (only behind a proxy that sets it). */
  trustProxy: boolean;
  /** Origins browsers may call from (CORS_ALLOWED_ORIGINS, comma-separated); `['*']`, any, as Kazoo. */
  corsAllowedOrigins: string[];
  /** Keys that verify auth tokens (the first one also signs, in mailbox-service). */
  tokenKeys: TokenKey[];
  /** How long the revocation view may go unconfirmed before the gateway stops trusting it alone. */
  revocationStaleMs: number;
  /** The Yeastar OpenAPI face's own settings. */
  yeastar: YeastarSettings;
  /** The Flexisip account manager face's own settings. */
  flexisip: FlexisipSettings;
  /** Per-account bounds at the gateway (issue 24): request rate, concurrent audio streams, small bodies. */
  fairness: GatewayFairness;
  /** PEM files of the certificate and key: HTTPS with HTTP/2 (ALPN h2) and HTTP/1.1 beside it. */
  tls?: { certFile: string; keyFile: string };
  /** Without TLS: cleartext HTTP/2 with prior knowledge (h2c) instead of HTTP/1.1. */
  http2Cleartext: boolean;
}

/** What one account (and one credential) may take of a gateway; 0 turns a rate limit off. */
export interface GatewayFairness {
  /** Requests per second one account may make across all gateway replicas (RATE_LIMIT_ACCOUNT_RPS). */
  accountRps: number;
  /** Extra requests an account may burst over 10 s beyond its rate (RATE_LIMIT_ACCOUNT_BURST). */
  accountBurst: number;
  /** Requests per second one credential (token subject, API client, key) may make (RATE_LIMIT_CREDENTIAL_RPS). */
  credentialRps: number;
  credentialBurst: number;
  /** Audio streams (uploads, downloads, ZIPs) one account may have open at once at one replica. */
  streamsPerAccount: number;
  /** A stream whose client reads or sends nothing for this long is cut. */
  streamIdleTimeoutMs: number;
  /** Largest body of a route that takes no credential (logins, token exchange). */
  unauthenticatedBodyBytes: number;
  /** Requests (other than audio streams) one account may have in progress at once at one replica; 0 = no cap. */
  requestsInFlightPerAccount: number;
}

export interface YeastarSettings {
  /** `access_token_expire_time`: the face refuses its tokens after this long (Yeastar: 30 minutes). */
  accessTokenTtlSeconds: number;
  /** How long a `play_resource_url` stays valid (the document: 30 minutes). */
  playLinkTtlSeconds: number;
  /** Largest greeting file (the document: 8 MB). */
  maxGreetingBytes: number;
}

export interface FlexisipSettings {
  /** `max_upload_size` of new slots, in bytes (the document's example: 3 MB). */
  maxUploadSize: number;
  /** How long an upload URL (and its empty slot) lives. */
  uploadTtlSeconds: number;
  /** How long a `get_url`/`download_url` stays valid after it is handed out. */
  downloadTtlSeconds: number;
}

/** An HMAC key for auth tokens (JWS HS256), named by the `kid` header of the tokens it signs. */
export interface TokenKey {
  kid: string;
  key: Uint8Array;
}

export interface MailboxConfig extends ServiceConfig {
  secret: string;
  operatorApiKey: string;
  tokenTtlSeconds: number;
  tokenKeys: TokenKey[];
  authFailureLimit: number;
  authFailureWindowSeconds: number;
  /** How long a box stays locked after too many wrong PINs (PIN_LOCK_SECONDS). */
  pinLockSeconds: number;
  /** Bounds on argon2 work (password and PIN hashing), fair across accounts. */
  argon2: Argon2Limits;
}

export interface Argon2Limits {
  /** argon2 computations at once in one replica (ARGON2_CONCURRENCY; keep it under the cores). */
  concurrency: number;
  /** Of those, at most this many for one account (ARGON2_PER_ACCOUNT). */
  perAccount: number;
  /** Waiting and running computations one account may have; more answer 429 (ARGON2_QUEUE_PER_ACCOUNT). */
  queuePerAccount: number;
  /** Waiting and running computations one credential may have (ARGON2_QUEUE_PER_CREDENTIAL). */
  queuePerCredential: number;
  /** The longest a computation waits for its turn before 429 (ARGON2_QUEUE_TIMEOUT_MS). */
  queueTimeoutMs: number;
}

export interface S3Config {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region: string;
}

export interface MediaConfig extends ServiceConfig {
  s3: S3Config;
  media: MediaSettings;
}

/** media-storage-service settings beyond the object store. */
export interface MediaSettings {
  /** Largest object accepted per kind, in bytes (8 MB greetings as the Yeastar face says). */
  maxBytes: Record<MediaKind, number>;
  /** Lifetime of presigned URLs handed to the gateway. */
  presignTtlS: number;
  /** A message object no message claimed (through its event) within this time is an orphan. */
  unclaimedTtlS: number;
  sweepIntervalMs: number;
  /** The ffmpeg binary used to transcode on download. */
  ffmpegPath: string;
  /** Bounds on transcoding (one rendition per object and format, kept). */
  transcode: TranscodeLimits;
}

export interface TranscodeLimits {
  /** ffmpeg is killed (and the caller told 503) after this long (MEDIA_TRANSCODE_TIMEOUT_MS). */
  timeoutMs: number;
  /** Audio longer than this is not transcoded (422) (MEDIA_TRANSCODE_MAX_DURATION_S). */
  maxDurationS: number;
  /** A rendition may not be larger than this (ffmpeg stops writing; 422) (MEDIA_TRANSCODE_MAX_BYTES). */
  maxBytes: number;
  /** Transcodes one account may run at once in one replica; more answer 429 (MEDIA_TRANSCODES_PER_ACCOUNT). */
  perAccount: number;
  /** Transcodes at once in one replica; more answer 503 (MEDIA_TRANSCODE_CONCURRENCY). */
  concurrency: number;
}

export interface MessageConfig extends ServiceConfig {
  message: MessageSettings;
}

/** message-service settings beyond the common ones. */
export interface MessageSettings {
  /** Days a soft-deleted message stays in the `deleted` folder when neither box nor account says. */
  deletedRetentionDays: number;
  /** How often the sweeper purges expired deleted messages. */
  sweepIntervalMs: number;
  /** Time allowed to mailbox-service (box lookups). */
  vmboxTimeoutMs: number;
  /** Time allowed to media-storage (reading an upload back, transcoding). */
  mediaTimeoutMs: number;
}

/** Milliseconds since the epoch; injectable so tests can stand at the Onbuka document's own time. */
export type Clock = () => number;

/** broadcast-dialer-service settings beyond the common ones. */
export interface DialerSettings {
  /** Encrypts stored secrets (Onbuka API secrets, trunk credentials): VOXMAIL_SECRET. */
  secret: string;
  /** How often a replica looks for calls to dial. */
  tickMs: number;
  /** How long a claimed call stays this replica's without a renewal; a lapsed lease is swept. */
  leaseMs: number;
  /** Calls one replica keeps in progress at most, whatever the apps allow. */
  maxInFlight: number;
  /** The Onbuka face's allowed clock skew, and how long a seen (Api-Key, Timestamp, Sign) is kept. */
  skewSeconds: number;
  /** This replica's name in leases. */
  replicaId: string;
  clock: Clock;
  /** The sip carrier's user agent. */
  sip: {
    /** DIALER_SIP_ADDRESS: the address it listens on and announces in Via, Contact and SDP (default 127.0.0.1: set it to one the trunk reaches). */
    address: string;
    /** DIALER_SIP_PORT: its UDP port (0: a free one). */
    port: number;
    /** FFMPEG_PATH: the ffmpeg that transcodes prompts to G.711. */
    ffmpegPath: string;
    /**
     * DIALER_ALLOWED_TRUNK_NETWORKS: the private networks (CIDR list, the operator's, never a tenant's)
     * trunks and their RTP may be in besides public addresses; empty by default.
     */
    allowedTrunkNetworks: string[];
  };
  /** Broadcast apps' webhooks (`webhook_url`). */
  webhooks: {
    /** As notification-service's WEBHOOK_ALLOW_PRIVATE_TARGETS: false, `loopback`, or true. */
    allowPrivateTargets: boolean | 'loopback';
    /** One POST's time (DIALER_WEBHOOK_TIMEOUT_MS). */
    timeoutMs: number;
    /** Attempts in all before a delivery is given up (DIALER_WEBHOOK_ATTEMPTS); each retry waits twice the last. */
    attempts: number;
    retryBaseMs: number;
    pollMs: number;
  };
  /** The clock voiceIds are stamped with (defaults to `clock`). */
  idClock?: Clock;
  /** Per-account ceilings when the operator (or a reseller above) set none (`/v2/accounts/{id}/limits`). */
  accounts: {
    /** DIALER_ACCOUNT_MAX_CONCURRENT_CALLS: an account's calls in progress across replicas. */
    maxConcurrentCalls: number;
    /** DIALER_ACCOUNT_CALLS_PER_SECOND: an account's call starts per second across replicas and apps. */
    callsPerSecond: number;
    /** DIALER_ACCOUNT_MAX_QUEUED_CALLS: an account's queued calls; a batch over it is refused whole. */
    maxQueuedCalls: number;
    /** DIALER_RESERVED_SLOTS: slots of a replica kept for accounts holding few (a newcomer always starts). */
    reservedSlots: number;
  };
}

/** broadcast-dialer-service: the common service config and its own settings. */
export interface DialerConfig extends ServiceConfig {
  dialer: DialerSettings;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function common(env: Env, serviceName: string): CommonConfig {
  const logLevel = str(env, 'LOG_LEVEL', 'info');
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  return {
    serviceName,
    databaseUrl: url(env, 'DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/postgres', [
      'postgres:',
      'postgresql:',
    ]),
    natsUrl: urlList(env, 'NATS_URL', 'nats://127.0.0.1:4222', ['nats:', 'tls:']),
    natsStreamReplicas: int(env, 'NATS_STREAM_REPLICAS', 1, 1, 5),
    logLevel,
    migrationsRun: bool(env, 'MIGRATIONS_RUN', true),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 10000, 100, 120000),
  };
}

/** Each service's health port when HEALTH_PORT is unset: the service registry's. */
export const DEFAULT_HEALTH_PORTS: Record<string, number> = Object.fromEntries(
  APPS.filter((a) => a.kind === 'service').map((a) => [a.name, a.port]),
);

export function loadServiceConfig(serviceName: string, env: Env = process.env): ServiceConfig {
  return {
    ...common(env, serviceName),
    healthPort: int(env, 'HEALTH_PORT', DEFAULT_HEALTH_PORTS[serviceName] ?? 0, 0, 65535),
    healthHost: ipAddress(env, 'HEALTH_HOST', '127.0.0.1'),
    tenancyTimeoutMs: int(env, 'TENANCY_LOOKUP_TIMEOUT_MS', 5000, 100, 120000),
  };
}

/** An IP address literal (v4 or v6), no name: what a socket binds to, decided by the operator. */
function ipAddress(env: Env, name: string, fallback: string): string {
  const v = str(env, name, fallback).replace(/^\[|\]$/g, '');
  if (!isIP(v))
    throw new ConfigError(`${name} must be an IP address (e.g. 127.0.0.1 or the pod IP), got "${v}"`);
  return v;
}

function secret(env: Env): string {
  const s = str(env, 'VOXMAIL_SECRET');
  if (s.length < 32) throw new ConfigError('VOXMAIL_SECRET must be at least 32 characters');
  return s;
}

/**
 * Auth token keys: `AUTH_TOKEN_KEYS` is `kid:secret[,kid:secret...]` (each secret 32+ characters), the
 * first signing new tokens and all verifying, so a key is rotated by putting a new one first and keeping
 * the old one until its tokens have expired. Without it, one key is derived from VOXMAIL_SECRET (HKDF), so
 * a plain install needs no extra secret.
 */
function tokenKeys(env: Env): TokenKey[] {
  const derive = (material: string, kid: string): TokenKey => ({
    kid,
    key: new Uint8Array(hkdfSync('sha256', material, 'voxmail', `voxmail:auth-token:${kid}`, 32)),
  });
  const raw = env.AUTH_TOKEN_KEYS;
  if (raw === undefined || raw.trim() === '') return [derive(secret(env), 'v1')];
  const keys = raw.split(',').map((entry) => {
    const i = entry.indexOf(':');
    const kid = i > 0 ? entry.slice(0, i).trim() : '';
    const material = i > 0 ? entry.slice(i + 1).trim() : '';
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(kid) || material.length < 32) {
      throw new ConfigError(
        'AUTH_TOKEN_KEYS must be kid:secret[,kid:secret...] with kids of [A-Za-z0-9_-] and secrets of 32+ characters',
      );
    }
    return derive(material, kid);
  });
  if (new Set(keys.map((k) => k.kid)).size !== keys.length)
    throw new ConfigError('AUTH_TOKEN_KEYS names a kid twice');
  return keys;
}

export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const port = int(env, 'PORT', 8000, 0, 65535);
  const transport = gatewayTransport(env);
  const scheme = transport.tls ? 'https' : 'http';
  return {
    ...common(env, 'api-gateway'),
    port,
    host: str(env, 'HOST', '0.0.0.0'),
    publicBaseUrl: url(env, 'PUBLIC_BASE_URL', `${scheme}://127.0.0.1:${port}`, ['http:', 'https:']).replace(
      /\/$/,
      '',
    ),
    commandTimeoutMs: int(env, 'COMMAND_TIMEOUT_MS', 5000, 100, 120000),
    secret: secret(env),
    trustProxy: bool(env, 'TRUST_PROXY', false),
    corsAllowedOrigins: origins(env, 'CORS_ALLOWED_ORIGINS'),
    tokenKeys: tokenKeys(env),
    revocationStaleMs: int(env, 'REVOCATION_STALE_MS', 3000, 500, 60000),
    yeastar: loadYeastarSettings(env),
    flexisip: loadFlexisipSettings(env),
    fairness: loadGatewayFairness(env),
    ...transport,
  };
}

export function loadGatewayFairness(env: Env): GatewayFairness {
  const accountRps = int(env, 'RATE_LIMIT_ACCOUNT_RPS', 200, 0, 1_000_000);
  const credentialRps = int(env, 'RATE_LIMIT_CREDENTIAL_RPS', 100, 0, 1_000_000);
  return {
    accountRps,
    accountBurst: int(env, 'RATE_LIMIT_ACCOUNT_BURST', accountRps * 5, 0, 10_000_000),
    credentialRps,
    credentialBurst: int(env, 'RATE_LIMIT_CREDENTIAL_BURST', credentialRps * 5, 0, 10_000_000),
    streamsPerAccount: int(env, 'STREAMS_PER_ACCOUNT', 32, 1, 100_000),
    streamIdleTimeoutMs: int(env, 'STREAM_IDLE_TIMEOUT_MS', 30000, 100, 3_600_000),
    unauthenticatedBodyBytes: int(env, 'UNAUTHENTICATED_BODY_BYTES', 16 * 1024, 256, 1024 * 1024),
    requestsInFlightPerAccount: int(env, 'REQUESTS_IN_FLIGHT_PER_ACCOUNT', 64, 0, 100_000),
  };
}

/** TLS needs both files; cleartext HTTP/2 is a choice only without TLS (with TLS, ALPN picks h2). */
function gatewayTransport(env: Env): Pick<GatewayConfig, 'tls' | 'http2Cleartext'> {
  const certFile = env.TLS_CERT_FILE || undefined;
  const keyFile = env.TLS_KEY_FILE || undefined;
  if (!certFile !== !keyFile)
    throw new ConfigError('TLS_CERT_FILE and TLS_KEY_FILE must be set together (or neither)');
  const http2Cleartext = bool(env, 'HTTP2_CLEARTEXT', false);
  if (certFile && http2Cleartext)
    throw new ConfigError('HTTP2_CLEARTEXT applies without TLS; with TLS_CERT_FILE, ALPN offers h2');
  return { tls: certFile && keyFile ? { certFile, keyFile } : undefined, http2Cleartext };
}

export function loadYeastarSettings(env: Env): YeastarSettings {
  return {
    accessTokenTtlSeconds: num(env, 'YEASTAR_ACCESS_TOKEN_TTL_S', 1800, 1, 86400),
    playLinkTtlSeconds: num(env, 'YEASTAR_PLAY_LINK_TTL_S', 1800, 1, 86400),
    maxGreetingBytes: num(env, 'YEASTAR_MAX_GREETING_BYTES', 8 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  };
}

export function loadFlexisipSettings(env: Env): FlexisipSettings {
  return {
    maxUploadSize: num(env, 'FLEXISIP_MAX_UPLOAD_SIZE', 3000000, 1, 1024 * 1024 * 1024),
    uploadTtlSeconds: num(env, 'FLEXISIP_UPLOAD_URL_TTL_S', 3600, 1, 7 * 86400),
    downloadTtlSeconds: num(env, 'FLEXISIP_DOWNLOAD_URL_TTL_S', 3600, 1, 7 * 86400),
  };
}

export function loadMailboxConfig(env: Env = process.env): MailboxConfig {
  const operatorApiKey = str(env, 'VOXMAIL_OPERATOR_API_KEY');
  if (operatorApiKey.length < 24)
    throw new ConfigError('VOXMAIL_OPERATOR_API_KEY must be at least 24 characters');
  return {
    ...loadServiceConfig('mailbox-service', env),
    secret: secret(env),
    operatorApiKey,
    tokenTtlSeconds: int(env, 'AUTH_TOKEN_TTL_SECONDS', 3600, 1, 30 * 86400),
    tokenKeys: tokenKeys(env),
    authFailureLimit: int(env, 'AUTH_FAILURE_LIMIT', 10, 1, 100000),
    authFailureWindowSeconds: int(env, 'AUTH_FAILURE_WINDOW_SECONDS', 60, 1, 86400),
    pinLockSeconds: int(env, 'PIN_LOCK_SECONDS', 300, 1, 86400),
    argon2: {
      concurrency: int(env, 'ARGON2_CONCURRENCY', 1, 1, 256),
      perAccount: int(env, 'ARGON2_PER_ACCOUNT', 1, 1, 256),
      queuePerAccount: int(env, 'ARGON2_QUEUE_PER_ACCOUNT', 32, 1, 100_000),
      queuePerCredential: int(env, 'ARGON2_QUEUE_PER_CREDENTIAL', 4, 1, 100_000),
      queueTimeoutMs: int(env, 'ARGON2_QUEUE_TIMEOUT_MS', 3000, 10, 120000),
    },
  };
}

export function loadS3Config(env: Env = process.env): S3Config {
  return {
    endpoint: url(env, 'S3_ENDPOINT', undefined, ['http:', 'https:']),
    accessKey: str(env, 'S3_ACCESS_KEY'),
    secretKey: str(env, 'S3_SECRET_KEY'),
    bucket: str(env, 'S3_BUCKET', 'voxmail'),
    region: str(env, 'S3_REGION', 'us-east-1'),
  };
}

export function loadMediaConfig(env: Env = process.env): MediaConfig {
  return {
    ...loadServiceConfig('media-storage-service', env),
    s3: loadS3Config(env),
    media: loadMediaSettings(env),
  };
}

const MB = 1024 * 1024;

export function loadMediaSettings(env: Env): MediaSettings {
  return {
    maxBytes: {
      message: int(env, 'MEDIA_MAX_MESSAGE_BYTES', 16 * MB, 1024, 1024 * MB),
      greeting: int(env, 'MEDIA_MAX_GREETING_BYTES', 8 * MB, 1024, 1024 * MB),
      prompt: int(env, 'MEDIA_MAX_PROMPT_BYTES', 8 * MB, 1024, 1024 * MB),
      broadcast: int(env, 'MEDIA_MAX_BROADCAST_BYTES', 16 * MB, 1024, 1024 * MB),
    },
    presignTtlS: int(env, 'MEDIA_PRESIGN_TTL_S', 900, 10, 7 * 86400),
    unclaimedTtlS: int(env, 'MEDIA_UNCLAIMED_TTL_S', 86400, 1, 30 * 86400),
    sweepIntervalMs: int(env, 'MEDIA_SWEEP_INTERVAL_MS', 60000, 50, 86400000),
    ffmpegPath: ffmpegPath(env),
    transcode: {
      timeoutMs: int(env, 'MEDIA_TRANSCODE_TIMEOUT_MS', 45000, 100, 600000),
      maxDurationS: int(env, 'MEDIA_TRANSCODE_MAX_DURATION_S', 7200, 1, 86400),
      maxBytes: int(env, 'MEDIA_TRANSCODE_MAX_BYTES', 256 * MB, 1024, 16 * 1024 * MB),
      perAccount: int(env, 'MEDIA_TRANSCODES_PER_ACCOUNT', 2, 1, 1000),
      concurrency: int(env, 'MEDIA_TRANSCODE_CONCURRENCY', 4, 1, 1000),
    },
  };
}

export function loadMessageConfig(env: Env = process.env): MessageConfig {
  return { ...loadServiceConfig('message-service', env), message: loadMessageSettings(env) };
}

export function loadMessageSettings(env: Env): MessageSettings {
  return {
    deletedRetentionDays: num(env, 'MESSAGE_DELETED_RETENTION_DAYS', 30, 0, 3650),
    sweepIntervalMs: num(env, 'MESSAGE_SWEEP_INTERVAL_MS', 60000, 50, 86400000),
    vmboxTimeoutMs: num(env, 'VMBOX_COMMAND_TIMEOUT_MS', 5000, 100, 120000),
    mediaTimeoutMs: num(env, 'MEDIA_COMMAND_TIMEOUT_MS', 60000, 100, 600000),
  };
}

/** WEBHOOK_ALLOW_PRIVATE_TARGETS (notification-service's webhooks, broadcast apps' webhooks): false, `loopback` or true. */
function privateTargets(env: Env): boolean | 'loopback' {
  return env.WEBHOOK_ALLOW_PRIVATE_TARGETS === 'loopback'
    ? 'loopback'
    : bool(env, 'WEBHOOK_ALLOW_PRIVATE_TARGETS', false);
}

/** FFMPEG_PATH: the ffmpeg media-storage transcodes with, and the dialer turns prompts into G.711 with. */
function ffmpegPath(env: Env): string {
  return env.FFMPEG_PATH || 'ffmpeg';
}

/** DIALER_ALLOWED_TRUNK_NETWORKS: comma-separated CIDRs (`10.20.0.0/16,fd00::/8`); a bare address is one host. */
function trunkNetworks(env: Env): string[] {
  const out: string[] = [];
  for (const raw of (env.DIALER_ALLOWED_TRUNK_NETWORKS ?? '').split(',')) {
    const v = raw.trim();
    if (!v) continue;
    const cidr = v.includes('/') ? v : `${v}/${isIP(v) === 6 ? 128 : 32}`;
    try {
      const [addr, bits] = ipaddr.parseCIDR(cidr);
      out.push(`${addr.toString()}/${bits}`);
    } catch {
      throw new ConfigError(
        `DIALER_ALLOWED_TRUNK_NETWORKS must list CIDR networks (e.g. 10.20.0.0/16): ${v} is not one`,
      );
    }
  }
  return out;
}

function sipAddress(env: Env): string {
  const address = env.DIALER_SIP_ADDRESS || '127.0.0.1';
  if (!isIP(address)) throw new ConfigError('DIALER_SIP_ADDRESS must be an IP address');
  return address;
}

export function loadDialerSettings(env: Env = process.env): DialerSettings {
  return {
    secret: secret(env),
    tickMs: num(env, 'DIALER_TICK_MS', 50, 5, 10000),
    leaseMs: num(env, 'DIALER_LEASE_MS', 15000, 200, 600000),
    maxInFlight: num(env, 'DIALER_MAX_IN_FLIGHT', 500, 1, 100000),
    skewSeconds: 300,
    replicaId: env.DIALER_REPLICA_ID || `dialer-${process.pid}-${randomBytes(3).toString('hex')}`,
    clock: Date.now,
    sip: {
      address: sipAddress(env),
      port: num(env, 'DIALER_SIP_PORT', 0, 0, 65535),
      ffmpegPath: ffmpegPath(env),
      allowedTrunkNetworks: trunkNetworks(env),
    },
    webhooks: {
      allowPrivateTargets: privateTargets(env),
      timeoutMs: num(env, 'DIALER_WEBHOOK_TIMEOUT_MS', 5000, 100, 60000),
      attempts: num(env, 'DIALER_WEBHOOK_ATTEMPTS', 5, 1, 20),
      retryBaseMs: num(env, 'DIALER_WEBHOOK_RETRY_BASE_MS', 1000, 10, 3600000),
      pollMs: num(env, 'DIALER_WEBHOOK_POLL_MS', 200, 10, 60000),
    },
    accounts: {
      maxConcurrentCalls: num(env, 'DIALER_ACCOUNT_MAX_CONCURRENT_CALLS', 500, 1, 100000),
      callsPerSecond: num(env, 'DIALER_ACCOUNT_CALLS_PER_SECOND', 100, 1, 10000),
      maxQueuedCalls: num(env, 'DIALER_ACCOUNT_MAX_QUEUED_CALLS', 10000, 1, 10000000),
      reservedSlots: num(env, 'DIALER_RESERVED_SLOTS', 50, 0, 100000),
    },
  };
}

export function loadDialerConfig(env: Env = process.env): DialerConfig {
  return { ...loadServiceConfig('broadcast-dialer-service', env), dialer: loadDialerSettings(env) };
}

/** Loads configuration or exits the process with one clear line naming the variable. */
export function loadOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`configuration error: ${e.message}\n`);
      process.exit(78);
    }
    throw e;
  }
}

/**
 * Each app's config loader, by its registry name (libs/contracts/src/services.json): an app with its own
 * settings adds its loader here; any other service gets the common service config.
 */
const APP_CONFIG_LOADERS: Record<string, (env: Env) => CommonConfig> = {
  'api-gateway': loadGatewayConfig,
  'broadcast-dialer-service': loadDialerConfig,
  'mailbox-service': loadMailboxConfig,
  'media-storage-service': loadMediaConfig,
  'message-service': loadMessageConfig,
  'notification-service': loadNotificationConfig,
  'transcription-service': loadTranscriptionConfig,
};

/** The validated config of the app the registry names `appName`. */
export function loadAppConfig(appName: string, env: Env = process.env): CommonConfig {
  const load = APP_CONFIG_LOADERS[appName];
  return load ? load(env) : loadServiceConfig(appName, env);
}

export interface NotificationConfig extends ServiceConfig {
  /** Encrypts webhook signing secrets at rest (a key derived from VOXMAIL_SECRET). */
  secret: string;
  webhooks: {
    /**
     * Whether webhooks may target loopback, link-local and private addresses (WEBHOOK_ALLOW_PRIVATE_TARGETS:
     * false, `loopback` for 127/8 and ::1 only, or true); false by default, so a tenant cannot make the
     * platform call into the carrier's own network.
     */
    allowPrivateTargets: boolean | 'loopback';
    /** Time allowed to one delivery attempt (connect and answer). */
    timeoutMs: number;
    /** The first retry's delay; each next one doubles it. */
    retryBaseMs: number;
    /** Deliveries in a row that fail every attempt before the webhook is disabled. */
    disableAfterFailures: number;
    /** How often the delivery worker looks for due deliveries when no event woke it. */
    pollMs: number;
    /**
     * Whether a fan-out wakes delivery at once after its commit (WEBHOOK_WAKE_ON_COMMIT, default true);
     * false leaves the first attempt to the poll, which the benchmark uses to show the difference.
     */
    wakeOnCommit: boolean;
  };
  /** Voicemail-to-e-mail; null when SMTP_HOST is unset (no e-mail is sent). */
  smtp: SmtpConfig | null;
  /**
   * EMAIL_TRANSCRIPTION_WAIT_MS (issue 21): how long an e-mail waits for the message's transcription when
   * the box transcribes and has include_transcription_on_notify; then it goes without (0: never waits).
   */
  emailTranscriptionWaitMs: number;
}

export interface SmtpConfig {
  host: string;
  port: number;
  /** TLS from the first byte (SMTPS, usually 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  /** Refuse to send without STARTTLS (SMTP_REQUIRE_TLS). */
  requireTls: boolean;
  /** Check the server's certificate (SMTP_TLS_REJECT_UNAUTHORIZED, on by default). */
  rejectUnauthorized: boolean;
  user?: string;
  password?: string;
  from: string;
  timeoutMs: number;
}

function smtp(env: Env): SmtpConfig | null {
  const host = env.SMTP_HOST;
  if (host === undefined || host === '') return null;
  const secure = bool(env, 'SMTP_SECURE', false);
  const user = env.SMTP_USER || undefined;
  const password = env.SMTP_PASSWORD || undefined;
  if ((user === undefined) !== (password === undefined))
    throw new ConfigError('SMTP_USER and SMTP_PASSWORD are set together or not at all');
  return {
    host,
    port: int(env, 'SMTP_PORT', secure ? 465 : 587, 1, 65535),
    secure,
    requireTls: bool(env, 'SMTP_REQUIRE_TLS', false),
    rejectUnauthorized: bool(env, 'SMTP_TLS_REJECT_UNAUTHORIZED', true),
    user,
    password,
    from: str(env, 'SMTP_FROM', 'Voxmail <voicemail@localhost>'),
    timeoutMs: int(env, 'SMTP_TIMEOUT_MS', 15000, 100, 300000),
  };
}

export function loadNotificationConfig(env: Env = process.env): NotificationConfig {
  return {
    ...loadServiceConfig('notification-service', env),
    secret: secret(env),
    webhooks: {
      allowPrivateTargets: privateTargets(env),
      timeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 5000, 100, 60000),
      retryBaseMs: int(env, 'WEBHOOK_RETRY_BASE_MS', 1000, 10, 3600000),
      disableAfterFailures: int(env, 'WEBHOOK_DISABLE_AFTER_FAILURES', 5, 1, 1000),
      pollMs: int(env, 'WEBHOOK_POLL_MS', 500, 10, 60000),
      wakeOnCommit: bool(env, 'WEBHOOK_WAKE_ON_COMMIT', true),
    },
    smtp: smtp(env),
    emailTranscriptionWaitMs: int(env, 'EMAIL_TRANSCRIPTION_WAIT_MS', 120000, 0, 3600000),
  };
}

/** transcription-service: the engine, its bounds and the job queue's. */
export interface TranscriptionConfig extends ServiceConfig {
  transcription: {
    /** TRANSCRIPTION_ENGINE: `pocketsphinx` (embedded, the default) or `openai` (an OpenAI-compatible server). */
    engine: 'pocketsphinx' | 'openai';
    /** The `openai` engine's server; null with the pocketsphinx engine. */
    openai: OpenAiTranscriptionConfig | null;
    /** The language asked of the engine when the message does not say (pocketsphinx knows `en-us`). */
    language: string;
    /** Transcriptions one replica runs at once. */
    concurrency: number;
    /** Transcriptions of one account running at once over all replicas, so one tenant cannot starve the rest. */
    accountConcurrency: number;
    /** Audio beyond this many seconds is cut off before transcription. */
    maxSeconds: number;
    /** A job's lease: renewed while it runs; a replica that dies lets it lapse and another takes the job. */
    leaseMs: number;
    /** Time allowed to one transcription (download, conversion, engine). */
    timeoutMs: number;
    /** Attempts before a job gives up with `result: failed`. */
    attempts: number;
    /** How often idle workers look for jobs (an event wakes them sooner). */
    pollMs: number;
    /** Time allowed to message-service's commands. */
    commandTimeoutMs: number;
    ffmpegPath: string;
    /** POCKETSPHINX_PATH: Debian's `pocketsphinx_continuous` (package pocketsphinx, model pocketsphinx-en-us). */
    pocketsphinxPath: string;
  };
}

export interface OpenAiTranscriptionConfig {
  /** TRANSCRIPTION_OPENAI_URL: the server's base URL; requests go to `<url>/v1/audio/transcriptions`. */
  baseUrl: string;
  /** TRANSCRIPTION_OPENAI_API_KEY: sent as `Authorization: Bearer`; unset sends none. */
  apiKey?: string;
  model: string;
  timeoutMs: number;
  attempts: number;
  retryBaseMs: number;
  /** TRANSCRIPTION_OPENAI_ALLOW_PRIVATE: false, `loopback` or true (a GPU box on the carrier's network). */
  allowPrivate: boolean | 'loopback';
}

function openAiTranscription(env: Env): OpenAiTranscriptionConfig {
  return {
    baseUrl: url(env, 'TRANSCRIPTION_OPENAI_URL', undefined, ['http:', 'https:']),
    apiKey: env.TRANSCRIPTION_OPENAI_API_KEY || undefined,
    model: str(env, 'TRANSCRIPTION_OPENAI_MODEL', 'whisper-1'),
    timeoutMs: int(env, 'TRANSCRIPTION_OPENAI_TIMEOUT_MS', 120000, 100, 3600000),
    attempts: int(env, 'TRANSCRIPTION_OPENAI_ATTEMPTS', 3, 1, 10),
    retryBaseMs: int(env, 'TRANSCRIPTION_OPENAI_RETRY_BASE_MS', 1000, 10, 600000),
    allowPrivate:
      env.TRANSCRIPTION_OPENAI_ALLOW_PRIVATE === 'loopback'
        ? 'loopback'
        : bool(env, 'TRANSCRIPTION_OPENAI_ALLOW_PRIVATE', false),
  };
}

export function loadTranscriptionConfig(env: Env = process.env): TranscriptionConfig {
  const engine = str(env, 'TRANSCRIPTION_ENGINE', 'pocketsphinx');
  if (engine !== 'pocketsphinx' && engine !== 'openai')
    throw new ConfigError(`TRANSCRIPTION_ENGINE must be pocketsphinx or openai, got "${engine}"`);
  const language = str(env, 'TRANSCRIPTION_LANGUAGE', 'en-us');
  if (!/^[a-z]{2,3}(-[a-z0-9]{2,8})?$/i.test(language))
    throw new ConfigError(`TRANSCRIPTION_LANGUAGE must be a language tag like en-us, got "${language}"`);
  return {
    ...loadServiceConfig('transcription-service', env),
    transcription: {
      engine,
      // issue 21: with TRANSCRIPTION_OPENAI_URL set, an account may choose `openai` whatever the default
      openai: engine === 'openai' || env.TRANSCRIPTION_OPENAI_URL ? openAiTranscription(env) : null,
      language: language.toLowerCase(),
      concurrency: int(env, 'TRANSCRIPTION_CONCURRENCY', 2, 1, 64),
      accountConcurrency: int(env, 'TRANSCRIPTION_ACCOUNT_CONCURRENCY', 2, 1, 64),
      maxSeconds: int(env, 'TRANSCRIPTION_MAX_SECONDS', 300, 1, 3600),
      leaseMs: int(env, 'TRANSCRIPTION_LEASE_MS', 60000, 1000, 3600000),
      timeoutMs: int(env, 'TRANSCRIPTION_TIMEOUT_MS', 600000, 1000, 3600000),
      attempts: int(env, 'TRANSCRIPTION_ATTEMPTS', 3, 1, 20),
      pollMs: int(env, 'TRANSCRIPTION_POLL_MS', 1000, 10, 60000),
      commandTimeoutMs: int(env, 'TRANSCRIPTION_COMMAND_TIMEOUT_MS', 60000, 100, 600000),
      ffmpegPath: ffmpegPath(env),
      pocketsphinxPath: env.POCKETSPHINX_PATH || 'pocketsphinx_continuous',
    },
  };
}
