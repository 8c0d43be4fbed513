// Voicemail to e-mail against a real SMTP server the test starts (smtp-server): the box's addresses and
// its owner get the caller, the time in the box's time zone, the duration and the audio (bytes checked);
// then the message is moved as the box says; a per-account template replaces the default.
import type { ParsedMail } from 'mailparser';
import { Client } from 'pg';
import { SmtpRecorder } from '@voxmail/testing';
import { createBox, depositMessage, wavFile } from './messages.helpers';
import { afterSuite, useEvents, useTenant } from './fixture';
import { useNotificationStack } from './notifications.helpers';

let smtp: SmtpRecorder;

beforeAll(async () => {
  smtp = await SmtpRecorder.start();
});
afterSuite(() => smtp?.stop());

const stack = useNotificationStack(() => ({
  SMTP_HOST: '127.0.0.1',
  SMTP_PORT: String(smtp.port),
  SMTP_FROM: 'Voicemail <vm@voxmail.test>',
}));
const events = useEvents();
const a = useTenant(stack);

const waitForMail = (pred: (m: ParsedMail) => boolean, timeoutMs?: number) => smtp.waitFor(pred, timeoutMs);

async function deposit(box: string, audio: Buffer, data: Record<string, unknown>): Promise<string> {
  const r = await depositMessage(stack, a, box, data, audio);
  expect(r.status).toBe(201);
  return JSON.parse(r.body.toString('utf8')).data.media_id;
}

async function folderOf(box: string, id: string): Promise<string> {
  const r = await stack.request('GET', `/v2/accounts/${a.accountId}/vmboxes/${box}/messages/${id}`, {
    token: a.token,
  });
  return r.body.data.folder;
}

describe('voicemail to e-mail', () => {
  it('mails the box’s addresses and its owner with the audio attached, then saves the message (save wins)', async () => {
    const user = await stack.request('PUT', `/v2/accounts/${a.accountId}/users`, {
      token: a.token,
      body: { data: { first_name: 'Olive', last_name: 'Owner', email: 'olive@example.com' } },
    });
    expect(user.status).toBe(201);
    const box = await createBox(stack, a, {
      name: 'Sales',
      owner_id: user.body.data.id,
      notify_email_addresses: ['sales@example.com', 'boss@example.com'],
      timezone: 'America/New_York',
      include_message_on_notify: true,
      save_after_notify: true,
      delete_after_notify: true,
    });
    const audio = wavFile(2);
    // 2026-07-01T16:00:00Z in Gregorian seconds: noon in New York (EDT)
    const timestamp = Math.floor(Date.UTC(2026, 6, 1, 16, 0, 0) / 1000) + 62167219200;
    const id = await deposit(box, audio, {
      caller_id_name: 'Carla Caller',
      caller_id_number: '+15550001111',
      timestamp,
      transcription: { result: 'success', text: 'please call me back' },
    });
    const got = await waitForMail((m) => m.headers.get('x-voxmail-message-id') === id);
    expect(got.envelopeTo.sort()).toEqual(['boss@example.com', 'olive@example.com', 'sales@example.com']);
    expect(got.mail.from?.text).toContain('vm@voxmail.test');
    expect(got.mail.subject).toBe('New voicemail from Carla Caller (+15550001111)');
    expect(got.mail.text).toContain('+15550001111');
    expect(got.mail.text).toMatch(/12:00:00 (EDT|GMT-4)/);
    expect(got.mail.text).toContain('Length: 0:02');
    expect(got.mail.text).toContain('please call me back');
    expect(got.mail.attachments).toHaveLength(1);
    const [att] = got.mail.attachments;
    expect(att.contentType).toMatch(/audio\/(x-)?wav/);
    expect(Buffer.compare(att.content, audio)).toBe(0);
    // moved after the e-mail: save_after_notify wins over delete_after_notify
    await events.waitFor((e) => e.type === 'message.updated' && e.aggregateId === id);
    expect(await folderOf(box, id)).toBe('saved');
  });

  it('deletes after notify, leaves the audio out and the transcription when the box says so', async () => {
    const box = await createBox(stack, a, {
      notify_email_addresses: ['ops@example.com'],
      include_message_on_notify: false,
      include_transcription_on_notify: false,
      delete_after_notify: true,
    });
    const id = await deposit(box, wavFile(1), {
      caller_id_number: '+15550002222',
      transcription: { result: 'success', text: 'secret words' },
    });
    const got = await waitForMail((m) => m.headers.get('x-voxmail-message-id') === id);
    expect(got.mail.attachments).toHaveLength(0);
    expect(got.mail.text).not.toContain('secret words');
    await events.waitFor((e) => e.type === 'message.deleted' && e.aggregateId === id);
    expect(await folderOf(box, id)).toBe('deleted');
  });

  it('uses the account’s template, and the default again once it is removed', async () => {
    const path = `/v2/accounts/${a.accountId}/notifications/voicemail_to_email`;
    const dflt = await stack.request('GET', path, { token: a.token });
    expect(dflt.status).toBe(200);
    expect(dflt.body.data._read_only.default).toBe(true);
    const bad = await stack.request('POST', path, { token: a.token, body: { data: { subject: 42 } } });
    expect(bad.status).toBe(400);
    const set = await stack.request('POST', path, {
      token: a.token,
      body: {
        data: {
          subject: 'VM {{mailbox}} from {{caller_id_number}}\r\nBcc: x@evil',
          text: 'Heard: {{duration}}',
        },
      },
    });
    expect(set.status).toBe(200);
    expect(set.body.data._read_only.default).toBe(false);
    const box = await createBox(stack, a, { mailbox: '4321', notify_email_addresses: ['t@example.com'] });
    const id = await deposit(box, wavFile(1), { caller_id_number: '777' });
    const got = await waitForMail((m) => m.headers.get('x-voxmail-message-id') === id);
    expect(got.mail.subject).toBe('VM 4321 from 777 Bcc: x@evil');
    expect(got.envelopeTo).toEqual(['t@example.com']);
    expect(got.mail.text?.trim()).toBe('Heard: 0:01');
    expect(await folderOf(box, id)).toBe('new');
    const reset = await stack.request('DELETE', path, { token: a.token });
    expect(reset.body.data._read_only.default).toBe(true);
    const other = await stack.createTenant();
    expect((await stack.request('GET', path, { token: other.token })).status).toBe(404);
    expect(
      (await stack.request('GET', `/v2/accounts/${a.accountId}/notifications/nope`, { token: a.token }))
        .status,
    ).toBe(404);
  });
});

describe('one message, one e-mail, whatever fails after it (issue 25, item 15)', () => {
  it('the after-notify move failing (message-service gone as the e-mail goes out) sends no second e-mail; the move is made once it is back; no transaction waits on SMTP', async () => {
    const box = await createBox(stack, a, {
      notify_email_addresses: ['once@example.com'],
      include_message_on_notify: false,
      save_after_notify: true,
    });
    const db = new Client({ connectionString: stack.env.DATABASE_URL });
    await db.connect();
    let openTransactions = -1;
    let stopped = false;
    const caller = `+1555${String(Date.now()).slice(-7)}`;
    smtp.whileReceiving = async (mail) => {
      if (stopped || !mail.subject?.includes(caller)) return;
      stopped = true;
      // the SMTP server holds the e-mail 2 s: a transaction of notification-service open across the send
      // would sit idle that long (others, of consumers at work, are idle for milliseconds between queries)
      await new Promise((r) => setTimeout(r, 2000));
      const [{ n }] = (
        await db.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE application_name = 'notification-service' AND state LIKE 'idle in transaction%'
              AND state_change < now() - interval '1500 milliseconds'`,
        )
      ).rows;
      openTransactions = n;
      // the after-notify move that follows the send finds no message-service
      await stack.stopApp('message');
    };
    try {
      const id = await deposit(box, wavFile(1), { caller_id_number: caller });
      const forThis = () => smtp.mails.filter((m) => m.mail.headers.get('x-voxmail-message-id') === id);
      await waitForMail((m) => m.headers.get('x-voxmail-message-id') === id);
      expect(stopped).toBe(true);
      expect(openTransactions).toBe(0);
      // while message-service is away the move fails, and is retried: no e-mail goes out again
      await new Promise((r) => setTimeout(r, 4000));
      expect(forThis()).toHaveLength(1);
      await stack.startApp('message');
      await events.waitFor((e) => e.type === 'message.updated' && e.aggregateId === id, 30000);
      expect(await folderOf(box, id)).toBe('saved');
      await new Promise((r) => setTimeout(r, 1500));
      expect(forThis()).toHaveLength(1);
    } finally {
      smtp.whileReceiving = undefined;
      if (!stack.running.has('message')) await stack.startApp('message');
      await db.end();
    }
  }, 90000);
});
