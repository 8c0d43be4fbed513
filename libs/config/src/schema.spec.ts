import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APPS } from '@voxmail/contracts';
import { ConfigError, loadAppConfig, loadMessageConfig, schemaOf } from './config';
import { configTableRows, documentedVariables, readmeConfigTable } from './docs';
import { REQUIRED, Var, variablesOf } from './schema';

const secrets = { VOXMAIL_SECRET: 's'.repeat(32), VOXMAIL_OPERATOR_API_KEY: 'k'.repeat(24) };
// the variables that turn on the groups read only under a condition (e-mail, the openai engine)
const optionalGroups = {
  SMTP_HOST: 'smtp.example',
  TRANSCRIPTION_ENGINE: 'openai',
  TRANSCRIPTION_OPENAI_URL: 'https://gpu.example',
};
const s3 = { S3_ENDPOINT: 'http://127.0.0.1:9000', S3_ACCESS_KEY: 'a', S3_SECRET_KEY: 'b' };

describe('the configuration schemas', () => {
  it("README.md's configuration table is the one generated from them (run npm run config:docs after a change)", () => {
    const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
    const committed = readmeConfigTable(readme);
    expect(committed.length).toBeGreaterThan(90);
    expect(committed).toEqual(configTableRows());
  });

  it('refuses a fraction of a millisecond, and any millisecond value out of its range', () => {
    expect(() => loadMessageConfig({ VMBOX_COMMAND_TIMEOUT_MS: '1.5' })).toThrow(
      /^VMBOX_COMMAND_TIMEOUT_MS must be an integer \(milliseconds\) between 100 and 120000, got "1.5"$/,
    );
    expect(loadMessageConfig({ VMBOX_COMMAND_TIMEOUT_MS: '1500' }).message.vmboxTimeoutMs).toBe(1500);
    // every *_MS variable of every app is a whole number within a range
    for (const app of APPS) {
      for (const v of variablesOf(schemaOf(app.name).spec).filter((x) => x.name.endsWith('_MS'))) {
        expect([v.name, v.expect]).toEqual([
          v.name,
          expect.stringMatching(/^an integer \(milliseconds\) between/),
        ]);
        const env = { ...secrets, ...s3, ...optionalGroups, [v.name]: `${v.options.range![0]}.5` };
        expect(() => loadAppConfig(app.name, env)).toThrow(new RegExp(`^${v.name} must be an integer`));
      }
    }
  });

  it('names every bad variable at once, and never echoes a secret', () => {
    let error: Error | undefined;
    try {
      loadAppConfig('mailbox-service', {
        VOXMAIL_SECRET: 'hunter2-is-too-short',
        VOXMAIL_OPERATOR_API_KEY: 'short-operator-key',
        PIN_LOCK_SECONDS: 'soon',
      });
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toBe(
      'VOXMAIL_SECRET must be at least 32 characters; VOXMAIL_OPERATOR_API_KEY must be at least 24 characters; ' +
        'PIN_LOCK_SECONDS must be an integer between 1 and 86400, got "soon"',
    );
    // a URL's protocol alone is shown when it is the wrong one (as before the schemas)
    expect(() => loadAppConfig('message-service', { NATS_URL: 'http://u:hunter2@x' })).toThrow(
      /^NATS_URL must use nats: or tls:, got "http:"$/,
    );
    expect(() =>
      loadAppConfig('transcription-service', {
        TRANSCRIPTION_ENGINE: 'openai',
        TRANSCRIPTION_OPENAI_URL: 'https://gpu.example',
        SMTP_PASSWORD: 'x',
      }),
    ).not.toThrow();
  });

  it("keeps services.json's `secrets` (plus S3's with objectStore) to each app's secret variables, every required one listed", () => {
    for (const app of APPS) {
      const secrets = variablesOf(schemaOf(app.name).spec).filter((v) => v.secret);
      const required = secrets.filter((v) => isRequired(v)).map((v) => v.name);
      const declared = [...app.secrets, ...(app.objectStore ? ['S3_ACCESS_KEY', 'S3_SECRET_KEY'] : [])];
      // a required secret is always handed to the app; an optional one (the OpenAI key) may be listed too
      expect([app.name, required.filter((n) => !declared.includes(n))]).toEqual([app.name, []]);
      const names = new Set(secrets.map((v) => v.name));
      expect([app.name, declared.filter((n) => !names.has(n))]).toEqual([app.name, []]);
    }
  });

  it('documents every variable once, with what it means and which apps read it', () => {
    const vars = documentedVariables();
    expect(new Set(vars.map((v) => v.name)).size).toBe(vars.length);
    for (const v of vars) {
      expect(v.name).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(v.doc.length).toBeGreaterThan(5);
      expect(v.apps.length).toBeGreaterThan(0);
    }
    expect(vars.find((v) => v.name === 'DATABASE_URL')!.apps).toHaveLength(APPS.length);
    expect(vars.find((v) => v.name === 'FFMPEG_PATH')!.apps.sort()).toEqual(
      ['broadcast-dialer-service', 'media-storage-service', 'transcription-service'].sort(),
    );
  });
});

function isRequired(v: Var<unknown>): boolean {
  return v.fallback === REQUIRED;
}
