import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APPS } from '@voxmail/contracts';
import {
  ConfigError,
  loadAppConfig,
  loadDialerConfig,
  loadDialerSettings,
  loadGatewayConfig,
  loadMailboxConfig,
  loadMediaConfig,
  loadMessageConfig,
  loadServiceConfig,
} from './config';
import { documentedVariables } from './docs';

const secrets = { VOXMAIL_SECRET: 's'.repeat(32), VOXMAIL_OPERATOR_API_KEY: 'k'.repeat(24) };

describe('configuration from the environment', () => {
  it('has working defaults for local use', () => {
    const c = loadServiceConfig('message-service', {});
    expect(c).toEqual(
      expect.objectContaining({
        databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
        natsUrl: 'nats://127.0.0.1:4222',
        healthPort: 8102,
        // health and /metrics take no credentials: loopback unless HEALTH_HOST names another address
        healthHost: '127.0.0.1',
        migrationsRun: true,
      }),
    );
    expect(loadServiceConfig('message-service', { HEALTH_HOST: '10.1.2.3' }).healthHost).toBe('10.1.2.3');
    expect(loadServiceConfig('message-service', { HOST: '0.0.0.0' }).healthHost).toBe('127.0.0.1');
    expect(() => loadServiceConfig('message-service', { HEALTH_HOST: 'pod.local' })).toThrow(/^HEALTH_HOST /);
    expect(loadGatewayConfig(secrets).publicBaseUrl).toBe('http://127.0.0.1:8000');
    expect(loadGatewayConfig(secrets).corsAllowedOrigins).toEqual(['*']);
    expect(
      loadGatewayConfig({ ...secrets, CORS_ALLOWED_ORIGINS: 'https://ui.example, http://127.0.0.1:3000' })
        .corsAllowedOrigins,
    ).toEqual(['https://ui.example', 'http://127.0.0.1:3000']);
  });

  it.each([
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must use/],
    [{ NATS_URL: 'not a url' }, /NATS_URL must be a URL/],
    [{ PORT: 'eighty' }, /PORT must be an integer/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ MIGRATIONS_RUN: 'maybe' }, /MIGRATIONS_RUN must be true or false/],
    [{ CORS_ALLOWED_ORIGINS: 'https://a.example/path' }, /CORS_ALLOWED_ORIGINS must be \* or/],
  ])('names the variable of a malformed value %p', (env, msg) => {
    expect(() => loadGatewayConfig({ ...secrets, ...env })).toThrow(msg);
  });

  it('gives every service a bounded wait for account trees (the tenancy check), in whole milliseconds', () => {
    expect(loadServiceConfig('notification-service', {}).tenancyTimeoutMs).toBe(5000);
    expect(
      loadServiceConfig('notification-service', { TENANCY_LOOKUP_TIMEOUT_MS: '800' }).tenancyTimeoutMs,
    ).toBe(800);
    for (const bad of ['1.5', '0', '999999', 'soon'])
      expect(() => loadServiceConfig('notification-service', { TENANCY_LOOKUP_TIMEOUT_MS: bad })).toThrow(
        /TENANCY_LOOKUP_TIMEOUT_MS/,
      );
  });

  it('requires the secrets where they are used, and never echoes a password in a URL', () => {
    expect(() => loadMailboxConfig({ VOXMAIL_SECRET: 's'.repeat(32) })).toThrow(
      'VOXMAIL_OPERATOR_API_KEY is required but not set',
    );
    expect(() => loadGatewayConfig({ VOXMAIL_SECRET: 'short' })).toThrow(
      'VOXMAIL_SECRET must be at least 32 characters',
    );
    try {
      loadGatewayConfig({ ...secrets, DATABASE_URL: 'postgres://u:hunter2@:bad' });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).not.toContain('hunter2');
    }
  });

  it('derives one auth token key from VOXMAIL_SECRET, or takes a rotation list from AUTH_TOKEN_KEYS', () => {
    const derived = loadGatewayConfig(secrets).tokenKeys;
    expect(derived.map((k) => k.kid)).toEqual(['v1']);
    expect(derived[0].key).toHaveLength(32);
    // the key is not the secret itself, and both apps derive the same one
    expect(Buffer.from(derived[0].key).toString()).not.toContain('s'.repeat(32));
    expect(loadMailboxConfig(secrets).tokenKeys).toEqual(derived);

    const listed = loadGatewayConfig({
      ...secrets,
      AUTH_TOKEN_KEYS: `k2:${'n'.repeat(32)}, k1:${'o'.repeat(32)}`,
    });
    expect(listed.tokenKeys.map((k) => k.kid)).toEqual(['k2', 'k1']);
    expect(Buffer.from(listed.tokenKeys[0].key)).not.toEqual(Buffer.from(listed.tokenKeys[1].key));
  });

  it.each([
    ['k1:short'],
    [`:${'x'.repeat(32)}`],
    [`bad kid:${'x'.repeat(32)}`],
    [`a:${'x'.repeat(32)},a:${'y'.repeat(32)}`],
  ])('refuses a malformed AUTH_TOKEN_KEYS %p without echoing it', (raw) => {
    let error: Error | undefined;
    try {
      loadGatewayConfig({ ...secrets, AUTH_TOKEN_KEYS: raw });
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toMatch(/AUTH_TOKEN_KEYS/);
    expect(error!.message).not.toContain('x'.repeat(32));
  });
});

describe("the gateway's transport", () => {
  it('is HTTP/1.1 by default; TLS with both PEM files; h2c only without TLS', () => {
    expect(loadGatewayConfig(secrets)).toMatchObject({ tls: undefined, http2Cleartext: false });
    expect(
      loadGatewayConfig({ ...secrets, TLS_CERT_FILE: '/etc/vm/cert.pem', TLS_KEY_FILE: '/etc/vm/key.pem' })
        .tls,
    ).toEqual({ certFile: '/etc/vm/cert.pem', keyFile: '/etc/vm/key.pem' });
    // the links it hands out follow, unless PUBLIC_BASE_URL says otherwise
    expect(loadGatewayConfig({ ...secrets, TLS_CERT_FILE: 'c', TLS_KEY_FILE: 'k' }).publicBaseUrl).toBe(
      'https://127.0.0.1:8000',
    );
    expect(loadGatewayConfig({ ...secrets, HTTP2_CLEARTEXT: 'true' }).http2Cleartext).toBe(true);
    expect(() => loadGatewayConfig({ ...secrets, TLS_CERT_FILE: '/etc/vm/cert.pem' })).toThrow(
      /^TLS_CERT_FILE and TLS_KEY_FILE must be set together/,
    );
    expect(() =>
      loadGatewayConfig({ ...secrets, TLS_CERT_FILE: 'c', TLS_KEY_FILE: 'k', HTTP2_CLEARTEXT: 'true' }),
    ).toThrow(/^HTTP2_CLEARTEXT applies without TLS/);
    expect(() => loadGatewayConfig({ ...secrets, HTTP2_CLEARTEXT: 'maybe' })).toThrow(ConfigError);
  });
});

describe('loadAppConfig', () => {
  it('loads each app of the service registry with its own loader, by its registry name', () => {
    const gateway = loadAppConfig('api-gateway', secrets);
    expect(gateway).toEqual(loadGatewayConfig(secrets));
    expect(loadAppConfig('mailbox-service', secrets)).toEqual(loadMailboxConfig(secrets));
    const dialerEnv = { ...secrets, DIALER_REPLICA_ID: 'dialer-a' };
    expect(loadAppConfig('broadcast-dialer-service', dialerEnv)).toEqual(loadDialerConfig(dialerEnv));
    const s3 = {
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      S3_ACCESS_KEY: 'access',
      S3_SECRET_KEY: 'secret-0123456789',
    };
    for (const app of APPS) expect(() => loadAppConfig(app.name, { ...secrets, ...s3 })).not.toThrow();
    expect(loadAppConfig('message-service', {})).toEqual(loadMessageConfig({}));
    expect(loadAppConfig('media-storage-service', s3)).toEqual(loadMediaConfig(s3));
  });
});

describe("each app's own settings, validated at start with the shared configuration", () => {
  const s3 = { S3_ENDPOINT: 'http://127.0.0.1:9000', S3_ACCESS_KEY: 'a', S3_SECRET_KEY: 'b' };

  it('keeps the defaults the apps had', () => {
    expect(loadGatewayConfig(secrets).yeastar).toEqual({
      accessTokenTtlSeconds: 1800,
      playLinkTtlSeconds: 1800,
      maxGreetingBytes: 8 * 1024 * 1024,
    });
    expect(loadGatewayConfig(secrets).flexisip).toEqual({
      maxUploadSize: 3000000,
      uploadTtlSeconds: 3600,
      downloadTtlSeconds: 3600,
    });
    expect(loadMailboxConfig(secrets).pinLockSeconds).toBe(300);
    expect(loadMessageConfig({}).message).toEqual({
      deletedRetentionDays: 30,
      sweepIntervalMs: 60000,
      searchRankedMatches: 1000,
      vmboxTimeoutMs: 5000,
      mediaTimeoutMs: 60000,
    });
    expect(loadMediaConfig(s3).media).toEqual({
      maxBytes: { message: 16 << 20, greeting: 8 << 20, prompt: 8 << 20, broadcast: 16 << 20 },
      presignTtlS: 900,
      unclaimedTtlS: 86400,
      sweepIntervalMs: 60000,
      ffmpegPath: 'ffmpeg',
      transcode: {
        timeoutMs: 45000,
        maxDurationS: 7200,
        maxBytes: 256 << 20,
        perAccount: 2,
        concurrency: 4,
        nice: 10,
      },
    });
    expect(loadGatewayConfig(secrets).fairness).toEqual({
      accountRps: 200,
      accountBurst: 1000,
      credentialRps: 100,
      credentialBurst: 500,
      streamsPerAccount: 32,
      streamIdleTimeoutMs: 30000,
      unauthenticatedBodyBytes: 16384,
      requestsInFlightPerAccount: 64,
    });
    expect(loadMailboxConfig(secrets).argon2).toEqual({
      concurrency: 1,
      perAccount: 1,
      queuePerAccount: 32,
      queuePerCredential: 4,
      queueTimeoutMs: 3000,
    });
    expect(loadDialerSettings(secrets)).toEqual(
      expect.objectContaining({ tickMs: 50, leaseMs: 15000, maxInFlight: 500, skewSeconds: 300 }),
    );
  });

  it.each([
    ['api-gateway', 'YEASTAR_PLAY_LINK_TTL_S', '0'],
    ['api-gateway', 'FLEXISIP_UPLOAD_URL_TTL_S', 'soon'],
    ['mailbox-service', 'PIN_LOCK_SECONDS', '86401'],
    ['message-service', 'MESSAGE_SWEEP_INTERVAL_MS', '10'],
    ['media-storage-service', 'MEDIA_MAX_MESSAGE_BYTES', '1k'],
    ['broadcast-dialer-service', 'DIALER_TICK_MS', '1'],
    ['api-gateway', 'STREAMS_PER_ACCOUNT', '0'],
    ['api-gateway', 'RATE_LIMIT_ACCOUNT_RPS', '-1'],
    ['mailbox-service', 'ARGON2_PER_ACCOUNT', '0'],
    ['media-storage-service', 'MEDIA_TRANSCODE_TIMEOUT_MS', 'soon'],
    ['broadcast-dialer-service', 'DIALER_SIP_ADDRESS', 'localhost'],
    ['broadcast-dialer-service', 'DIALER_ALLOWED_TRUNK_NETWORKS', '10.0.0.0/8,trunk.example.net'],
    ['broadcast-dialer-service', 'DIALER_ALLOWED_TRUNK_NETWORKS', '10.0.0.0/33'],
  ])('%s refuses a bad %s at start with a message naming it', (app, name, value) => {
    expect(() => loadAppConfig(app, { ...secrets, ...s3, [name]: value })).toThrow(ConfigError);
    expect(() => loadAppConfig(app, { ...secrets, ...s3, [name]: value })).toThrow(new RegExp(`^${name} `));
  });

  it('reads the trunk allow-list as CIDRs (none by default; a bare address is one host)', () => {
    expect(loadDialerSettings(secrets).sip.allowedTrunkNetworks).toEqual([]);
    expect(
      loadDialerSettings({ ...secrets, DIALER_ALLOWED_TRUNK_NETWORKS: ' 10.20.0.0/16, 192.0.2.7 ,fd00::/8' })
        .sip.allowedTrunkNetworks,
    ).toEqual(['10.20.0.0/16', '192.0.2.7/32', 'fd00::/8']);
  });

  it('reads every variable it validates from the README configuration section', () => {
    // every variable the apps' schemas read
    const read = new Set(documentedVariables().map((v) => v.name));
    const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
    const section = readme.slice(
      readme.indexOf('## Configuration'),
      readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1),
    );
    expect(read.size).toBeGreaterThan(40);
    expect([...read].filter((v) => !section.includes('`' + v + '`'))).toEqual([]);
  });
});
