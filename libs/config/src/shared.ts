// The pieces several apps' schemas are made of: database, NATS, logging, health, secrets, S3, peers' timeouts.
// A variable used by several apps is declared here once, so it means the same everywhere.
import { hkdfSync } from 'node:crypto';
import { APPS } from '@voxmail/contracts';
import {
  computed,
  custom,
  derived,
  flag,
  int,
  ip,
  ms,
  oneOf,
  privateTargets,
  REQUIRED,
  text,
  url,
  urlList,
} from './schema';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Every app: database, NATS, logging, migrations, shutdown. */
// prettier-ignore
export const common = {
  serviceName: derived((c) => c.app),
  databaseUrl: url('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/postgres', ['postgres:', 'postgresql:'], 'PostgreSQL (each service its own schema in it)'),
  databaseConnectTimeoutMs: ms('DATABASE_CONNECT_TIMEOUT_MS', 5000, [100, 120000], 'time allowed to open one PostgreSQL connection'),
  natsUrl: urlList('NATS_URL', 'nats://127.0.0.1:4222', ['nats:', 'tls:'], 'NATS; a comma-separated list names every node of a cluster'),
  natsStreamReplicas: int('NATS_STREAM_REPLICAS', 1, [1, 5], 'copies of the `VOXMAIL_EVENTS` stream and the revocations bucket (3 on a 3-node cluster)'),
  logLevel: oneOf('LOG_LEVEL', LOG_LEVELS, 'info', 'JSON logs via pino; secrets redacted'),
  migrationsRun: flag('MIGRATIONS_RUN', true, 'run migrations at start'),
  shutdownTimeoutMs: ms('SHUTDOWN_TIMEOUT_MS', 10000, [100, 120000], 'drain time on SIGTERM'),
};

/** Each service's health port when HEALTH_PORT is unset: the service registry's. */
export const DEFAULT_HEALTH_PORTS: Record<string, number> = Object.fromEntries(
  APPS.filter((a) => a.kind === 'service').map((a) => [a.name, a.port]),
);

const healthPorts = Object.entries(DEFAULT_HEALTH_PORTS)
  .map(([name, port]) => `${port} ${name.replace(/-service$/, '')}`)
  .join(', ');

/** Every service (not the gateway): health and metrics, and the tenancy check's wait. */
// prettier-ignore
export const service = {
  ...common,
  healthPort: int('HEALTH_PORT', computed((c) => DEFAULT_HEALTH_PORTS[c.app] ?? 0), [0, 65535], 'health and `/metrics` port', { shown: `the registry's: ${healthPorts}` }),
  healthHost: ip('HEALTH_HOST', '127.0.0.1', 'the address health and `/metrics` listen on (an IP, no name; they take no credentials)', { shown: '`127.0.0.1`; the pod IP in the generated Kubernetes manifests' }),
  tenancyTimeoutMs: ms('TENANCY_LOOKUP_TIMEOUT_MS', 5000, [100, 120000], "time allowed to mailbox-service to tell an account's tree (a reseller's access to a child)"),
};

// ---- secrets ----

// prettier-ignore
export const voxmailSecret = text('VOXMAIL_SECRET', REQUIRED, 'encrypts stored secrets (API keys, webhook and Onbuka secrets), signs links; auth token key derived from it', { secret: true, minLength: 32 });

/** An HMAC key for auth tokens (JWS HS256), named by the `kid` header of the tokens it signs. */
export interface TokenKey {
  kid: string;
  key: Uint8Array;
}

const deriveKey = (material: string, kid: string): TokenKey => ({
  kid,
  key: new Uint8Array(hkdfSync('sha256', material, 'voxmail', `voxmail:auth-token:${kid}`, 32)),
});

/**
 * `kid:secret[,kid:secret...]` (each secret 32+ characters), the first signing new tokens and all
 * verifying, so a key is rotated by putting a new one first and keeping the old one until its tokens
 * have expired.
 */
function readTokenKeys(raw: string): TokenKey[] {
  if (raw.trim() === '') throw new Error('must list at least one key');
  const keys = raw.split(',').map((entry) => {
    const i = entry.indexOf(':');
    const kid = i > 0 ? entry.slice(0, i).trim() : '';
    const material = i > 0 ? entry.slice(i + 1).trim() : '';
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(kid) || material.length < 32) {
      throw new Error(
        'must be kid:secret[,kid:secret...] with kids of [A-Za-z0-9_-] and secrets of 32+ characters',
      );
    }
    return deriveKey(material, kid);
  });
  if (new Set(keys.map((k) => k.kid)).size !== keys.length) throw new Error('names a kid twice');
  return keys;
}

/** Without AUTH_TOKEN_KEYS, one key derived from VOXMAIL_SECRET (HKDF), so a plain install needs no extra secret. */
// prettier-ignore
export const tokenKeys = custom('AUTH_TOKEN_KEYS', computed((c) => [deriveKey(c.read.VOXMAIL_SECRET as string, 'v1')]), readTokenKeys, 'kid:secret[,kid:secret...]', '`kid:secret[,kid:secret…]` (32+ characters each); the first signs new auth tokens, all verify', { secret: true, shown: 'one key derived from `VOXMAIL_SECRET` (HKDF, kid `v1`)' });

// ---- object store ----

/** media-storage-service's object store (the only holder of S3 credentials). */
// prettier-ignore
export const s3 = {
  endpoint: url('S3_ENDPOINT', REQUIRED, ['http:', 'https:'], 'the S3 endpoint'),
  accessKey: text('S3_ACCESS_KEY', REQUIRED, 'S3 access key', { secret: true }),
  secretKey: text('S3_SECRET_KEY', REQUIRED, 'S3 secret key', { secret: true }),
  bucket: text('S3_BUCKET', 'voxmail', 'the bucket (created at start)'),
  region: text('S3_REGION', 'us-east-1', 'the S3 region'),
};

// ---- used by several apps ----

// prettier-ignore
export const ffmpegPath = text('FFMPEG_PATH', 'ffmpeg', 'ffmpeg: media-storage transcodes with it, the dialer turns prompts into G.711 with it', { shown: '`ffmpeg` on `PATH`' });
// prettier-ignore
export const webhookPrivateTargets = privateTargets('WEBHOOK_ALLOW_PRIVATE_TARGETS', 'webhooks (notification-service) and broadcast app webhooks may target: `false`, `loopback` (127/8 and ::1) or `true` (private addresses too)');
// prettier-ignore
export const vmboxTimeoutMs = ms('VMBOX_COMMAND_TIMEOUT_MS', 5000, [100, 120000], "time allowed to mailbox-service's commands (box lookups), within the command's deadline");
// prettier-ignore
export const mediaTimeoutMs = ms('MEDIA_COMMAND_TIMEOUT_MS', 60000, [100, 600000], "time allowed to media-storage-service's commands (reading an upload back, transcoding)");
