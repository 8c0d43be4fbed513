import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APPS, QUEUE_GROUPS, serviceEntry } from './index';

const ROOT = join(__dirname, '../../..');
// the scripts are plain CommonJS, run before any build

/** What `npm run deploy:generate` would write, computed in a plain Node (prettier needs ES modules). */
function generatedFiles(): Record<string, string> {
  const out = execFileSync(
    process.execPath,
    [
      '-e',
      "require('./scripts/lib/deploy').generatedFiles().then((f) => process.stdout.write(JSON.stringify(f)))",
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  return JSON.parse(out) as Record<string, string>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { appDefinitions } = require(join(ROOT, 'scripts/lib/apps.js')) as {
  appDefinitions(o: object): { name: string; port: number; env: Record<string, string> }[];
};

describe('the service registry', () => {
  it('lists every app folder once, and each service module it names exists', () => {
    // apps/web is the browser app the gateway serves, not a process of the registry
    const processes = readdirSync(join(ROOT, 'apps')).filter((d) =>
      existsSync(join(ROOT, 'apps', d, 'src', 'main.ts')),
    );
    expect(APPS.map((a) => a.name).sort()).toEqual(processes.sort());
    for (const a of APPS.filter((x) => x.kind === 'service')) {
      expect(existsSync(join(ROOT, 'apps', a.name, 'src', `${a.module}.ts`))).toBe(true);
    }
    expect(new Set(APPS.map((a) => a.port)).size).toBe(APPS.length);
  });

  it('is where queue groups and schemas come from', () => {
    expect(QUEUE_GROUPS.message).toBe(serviceEntry('message').queue);
    expect(serviceEntry('mailbox-service').schema).toBe('mailbox');
    expect(() => serviceEntry('gateway')).toThrow(/no service/);
  });

  it('gives npm start one process per app, each with only its own secrets', () => {
    const defs = appDefinitions({
      infra: {
        databaseUrl: 'postgres://x',
        natsUrl: 'nats://x',
        s3: { endpoint: 'http://s3', accessKey: 'ak', secretKey: 'sk', bucket: 'b', region: 'r' },
      },
      secrets: { VOXMAIL_SECRET: 'secret', VOXMAIL_OPERATOR_API_KEY: 'opkey' },
      env: { S3_SECRET_KEY: 'leak', PORT: '9000', TRANSCRIPTION_OPENAI_API_KEY: 'sk-openai' },
    });
    expect(defs.map((d) => d.name)).toEqual(APPS.map((a) => a.name));
    const env = Object.fromEntries(defs.map((d) => [d.name, d.env]));
    expect(env['media-storage-service'].S3_SECRET_KEY).toBe('sk');
    expect(env['message-service'].S3_SECRET_KEY).toBeUndefined();
    expect(env['message-service'].VOXMAIL_SECRET).toBeUndefined();
    expect(env['mailbox-service'].VOXMAIL_OPERATOR_API_KEY).toBe('opkey');
    expect(env['api-gateway'].VOXMAIL_OPERATOR_API_KEY).toBeUndefined();
    expect(env['api-gateway'].PORT).toBe('9000');
    expect(env['transcription-service'].TRANSCRIPTION_OPENAI_API_KEY).toBe('sk-openai');
    expect(env['message-service'].TRANSCRIPTION_OPENAI_API_KEY).toBeUndefined();
    expect(env['message-service'].HEALTH_PORT).toBe(String(serviceEntry('message').port));
  });

  it("a service's health and /metrics listen on the pod IP in Kubernetes, never on every interface", () => {
    for (const app of APPS) {
      const manifest = readFileSync(join(ROOT, `deploy/k8s/${app.name}.yaml`), 'utf8');
      const podIp = /- name: HEALTH_HOST\n\s+valueFrom:\n\s+fieldRef:\n\s+fieldPath: status\.podIP\n/;
      expect([app.name, podIp.test(manifest)]).toEqual([app.name, app.kind === 'service']);
    }
  });

  it('docker-compose.yml and deploy/k8s are what it generates (run npm run deploy:generate after a change)', () => {
    const files = generatedFiles();
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining(['docker-compose.yml', ...APPS.map((a) => `deploy/k8s/${a.name}.yaml`)]),
    );
    for (const [rel, text] of Object.entries(files)) {
      expect([rel, readFileSync(join(ROOT, rel), 'utf8')]).toEqual([rel, text]);
    }
  });
});
