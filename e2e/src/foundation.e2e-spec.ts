// All seven apps: they start, connect, report health and metrics, validate their configuration, and stop
// cleanly, finishing in-flight work.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Stack, startStack } from '@voxmail/testing';
import { startGateway } from '../../apps/api-gateway/src/bootstrap';
import { startDialerService } from '../../apps/broadcast-dialer-service/src/bootstrap';
import { startMailboxService } from '../../apps/mailbox-service/src/bootstrap';
import { startMediaService } from '../../apps/media-storage-service/src/bootstrap';
import { startMessageService } from '../../apps/message-service/src/bootstrap';
import { startNotificationService } from '../../apps/notification-service/src/bootstrap';
import { startTranscriptionService } from '../../apps/transcription-service/src/bootstrap';

const apps = {
  gateway: startGateway,
  mailbox: startMailboxService,
  message: startMessageService,
  media: startMediaService,
  dialer: startDialerService,
  notification: startNotificationService,
  transcription: startTranscriptionService,
};

let stack: Stack;

beforeAll(async () => {
  stack = await startStack(apps);
});

afterAll(async () => {
  await stack?.stop();
});

describe('every app', () => {
  it.each(['gateway', 'mailbox', 'message', 'media', 'dialer', 'notification', 'transcription'] as const)(
    '%s is live and ready, and serves metrics',
    async (name) => {
      const { url } = stack.get(name);
      const live = await fetch(`${url}/health/live`);
      expect(live.status).toBe(200);
      const ready = await fetch(`${url}/health/ready`);
      expect(ready.status).toBe(200);
      const body = (await ready.json()) as { status: string; info: Record<string, { status: string }> };
      expect(body.status).toBe('ok');
      expect(body.info.nats.status).toBe('up');
      if (name !== 'gateway') expect(body.info.database.status).toBe('up');
      if (name === 'media') expect(body.info.object_store.status).toBe('up');
      const metrics = await fetch(`${url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type')).toContain('text/plain');
      expect(await metrics.text()).toContain('process_cpu_user_seconds_total');
    },
  );

  it('each service owns its own schema with its migrations applied', async () => {
    const { Client } = await import('pg');
    const db = new Client({ connectionString: stack.env.DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query(
        `SELECT table_schema, count(*)::int AS n FROM information_schema.tables
          WHERE table_name = 'migrations' AND table_schema IN ('mailbox', 'message', 'media', 'dialer', 'notification', 'transcription')
          GROUP BY table_schema ORDER BY table_schema`,
      );
      expect(rows.map((r) => r.table_schema)).toEqual([
        'dialer',
        'mailbox',
        'media',
        'message',
        'notification',
        'transcription',
      ]);
      const outboxes = await db.query(
        `SELECT table_schema FROM information_schema.tables WHERE table_name = 'outbox' ORDER BY table_schema`,
      );
      expect(outboxes.rows.map((r) => r.table_schema)).toEqual(
        expect.arrayContaining(['dialer', 'mailbox', 'media', 'message', 'notification', 'transcription']),
      );
    } finally {
      await db.end();
    }
  });
});

describe('graceful shutdown', () => {
  it('a second mailbox-service replica shares the load and, when stopped, finishes what it took', async () => {
    const t = await stack.createTenant();
    const second = await startMailboxService((await import('@voxmail/config')).loadMailboxConfig(stack.env), {
      handleSignals: false,
    });
    let closed: Promise<void> | undefined;
    const calls = Array.from({ length: 60 }, async (_, i) => {
      if (i === 20) closed = second.close();
      const r = await stack.request('PUT', `/v2/accounts/${t.accountId}/users`, {
        token: t.token,
        body: { data: { first_name: `R${i}`, last_name: 'Replica' } },
      });
      return r.status;
    });
    const statuses = await Promise.all(calls);
    await closed;
    expect(statuses.filter((s) => s !== 201)).toEqual([]);
    const list = await stack.request('GET', `/v2/accounts/${t.accountId}/users?paginate=false`, {
      token: t.token,
    });
    expect(list.body.data).toHaveLength(60);
  });
});

describe('configuration', () => {
  const main = join(__dirname, '../../dist/apps/mailbox-service/src/main.js');
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, [main], {
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
      timeout: 20000,
    });

  it('a missing or malformed variable stops the app with one line naming it', () => {
    const missing = run({ VOXMAIL_SECRET: 's'.repeat(40) });
    expect(missing.status).toBe(78);
    expect(missing.stderr.trim()).toBe(
      'configuration error: VOXMAIL_OPERATOR_API_KEY is required but not set',
    );
    const malformed = run({
      VOXMAIL_SECRET: 's'.repeat(40),
      VOXMAIL_OPERATOR_API_KEY: 'k'.repeat(30),
      NATS_URL: 'http://x',
    });
    expect(malformed.status).toBe(78);
    expect(malformed.stderr.trim()).toBe('configuration error: NATS_URL must use nats: or tls:, got "http:"');
  });
});
