import { ConfigError, loadGatewayConfig, loadMailboxConfig, loadServiceConfig } from './config';

const secrets = { VOXMAIL_SECRET: 's'.repeat(32), VOXMAIL_OPERATOR_API_KEY: 'k'.repeat(24) };

describe('configuration from the environment', () => {
  it('has working defaults for local use', () => {
    const c = loadServiceConfig('message-service', {});
    expect(c).toEqual(
      expect.objectContaining({
        databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
        natsUrl: 'nats://127.0.0.1:4222',
        healthPort: 8102,
        migrationsRun: true,
      }),
    );
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
});
