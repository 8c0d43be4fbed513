// notification-service alone on real PostgreSQL and NATS, fed the events other services publish (put onto
// JetStream here as their outbox relays do): voicemail to e-mail through a real SMTP server (recorded
// due, mailed, marked done; one e-mail per message whatever redelivers it) and the webhooks' fan-out
// (an event of the tenant reaches its webhook, another tenant's does not).
import { randomBytes } from 'node:crypto';
import { connect, NatsConnection } from 'nats';
import { Client } from 'pg';
import { loadNotificationConfig } from '@voxmail/config';
import { Actor, DocReply, STREAM_NAME, Subjects } from '@voxmail/contracts';
import { CommandClient } from '@voxmail/messaging';
import { publishEvent, SmtpRecorder, testEnv, WebhookReceiver } from '@voxmail/testing';
import { EMAIL_DURABLE, startNotificationService, WEBHOOK_FANOUT_DURABLE } from '../src/bootstrap';

type Running = Awaited<ReturnType<typeof startNotificationService>>;

let service: Running;
let nc: NatsConnection;
let bus: CommandClient;
let db: Client;
let smtp: SmtpRecorder;
let receiver: WebhookReceiver;

const hex = () => randomBytes(16).toString('hex');
const messageId = () => `${new Date().toISOString().slice(0, 7).replace('-', '')}-${hex()}`;

const publish = (tenantId: string, type: string, aggregateId: string, data: object) =>
  publishEvent(nc, tenantId, type, aggregateId, data);

async function until(what: string, ok: () => Promise<boolean> | boolean, timeoutMs = 20000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`${what} not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The durable has nothing left to deliver or to be acked (it resumes what earlier suites published). */
async function caughtUp(durable: string, timeoutMs: number): Promise<void> {
  const jsm = await nc.jetstreamManager();
  await until(
    `${durable} caught up`,
    async () => {
      const i = await jsm.consumers.info(STREAM_NAME, durable).catch(() => undefined);
      return !!i && i.num_pending === 0 && i.num_ack_pending === 0;
    },
    timeoutMs,
  );
}

beforeAll(async () => {
  smtp = await SmtpRecorder.start();
  receiver = await WebhookReceiver.start();
  const env = testEnv({
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    SMTP_FROM: 'Voicemail <vm@voxmail.test>',
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'loopback',
  });
  service = await startNotificationService(loadNotificationConfig(env), { handleSignals: false });
  nc = await connect({ servers: env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  bus = new CommandClient(nc, 5000);
  db = new Client({ connectionString: env.DATABASE_URL });
  await db.connect();
  await caughtUp(EMAIL_DURABLE, 180000);
  await caughtUp(WEBHOOK_FANOUT_DURABLE, 180000);
}, 240000);

afterAll(async () => {
  await nc?.close();
  await db?.end();
  await service?.close();
  await receiver?.stop();
  await smtp?.stop();
});

describe('voicemail to e-mail', () => {
  it("mails the box's addresses and its owner once per message: due, mailed, done; a redelivery mails nothing more", async () => {
    const t = hex();
    const owner = hex();
    const box = hex();
    await publish(t, 'account.created', t, { id: t, timezone: 'Europe/Paris' });
    await publish(t, 'user.created', owner, { id: owner, email: `owner-${t}@voxmail.test` });
    await publish(t, 'mailbox.created', box, {
      id: box,
      name: 'Sales',
      mailbox: '3100',
      owner_id: owner,
      notify_email_addresses: [`team-${t}@voxmail.test`, 'not an address'],
      include_message_on_notify: false,
    });
    const id = messageId();
    const stored = {
      id,
      vmbox_id: box,
      media_object_id: hex(),
      caller_id_number: '+33100000000',
      media: { duration_ms: 4000 },
      replaced_object_id: null,
    };
    await publish(t, 'message.media_stored', id, stored);
    const forThis = () => smtp.mails.filter((m) => m.mail.headers.get('x-voxmail-message-id') === id);
    await until('the e-mail', () => forThis().length > 0);
    expect(forThis()[0].envelopeTo.sort()).toEqual(
      [`owner-${t}@voxmail.test`, `team-${t}@voxmail.test`].sort(),
    );
    expect(forThis()[0].mail.text).toContain('+33100000000');
    await until('the e-mail marked done', async () => {
      const { rows } = await db.query(
        'SELECT state, recipients FROM notification.emails_sent WHERE tenant_id = $1 AND message_id = $2',
        [t, id],
      );
      return rows.length === 1 && rows[0].state === 'done' && rows[0].recipients === 2;
    });

    // the same audio announced again under another event id (a producer's retry), and a replacement of
    // the audio: neither mails the message again
    await publish(t, 'message.media_stored', id, stored);
    await publish(t, 'message.media_stored', id, { ...stored, replaced_object_id: stored.media_object_id });
    await caughtUp(EMAIL_DURABLE, 20000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(forThis()).toHaveLength(1);
  });

  it('a box with nobody to mail records no e-mail', async () => {
    const t = hex();
    const box = hex();
    await publish(t, 'mailbox.created', box, { id: box, name: 'Quiet', mailbox: '3200' });
    const id = messageId();
    await publish(t, 'message.media_stored', id, { id, vmbox_id: box, media_object_id: hex() });
    await caughtUp(EMAIL_DURABLE, 20000);
    const { rows } = await db.query('SELECT 1 FROM notification.emails_sent WHERE tenant_id = $1', [t]);
    expect(rows).toEqual([]);
  });
});

describe('webhooks', () => {
  it("delivers the tenant's events of the webhook's type to it, never another tenant's", async () => {
    const t = hex();
    const other = hex();
    const actor: Actor = { accountId: t, role: 'admin' };
    const hook = await bus.execute<DocReply>(Subjects.Webhook.Create, {
      tenantId: t,
      actor,
      doc: { name: 'boxes', uri: receiver.url(`/hook-${t}`), hook: 'mailbox.updated' },
    });
    expect(hook.doc.id).toMatch(/^[0-9a-f]{32}$/);
    const box = hex();
    await publish(other, 'mailbox.updated', box, { id: box, name: 'theirs' });
    await publish(t, 'mailbox.created', box, { id: box, name: 'not this type' });
    const event = await publish(t, 'mailbox.updated', box, { id: box, name: 'ours' });
    const mine = () => receiver.received.filter((r) => r.path === `/hook-${t}`);
    await receiver.waitUntil(() => mine().length > 0, 20000);
    await caughtUp(WEBHOOK_FANOUT_DURABLE, 20000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(mine()).toHaveLength(1);
    const body = JSON.parse(mine()[0].body.toString());
    expect(JSON.stringify(body)).toContain(event);
    expect(JSON.stringify(body)).toContain('ours');
    expect(JSON.stringify(body)).not.toContain('theirs');
  });
});
