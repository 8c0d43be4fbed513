// Transcription of voicemail: a box with `transcribe: true` gets a committed recording of speech (made
// with flite, see e2e/fixtures/README.md); transcription-service transcribes it with PocketSphinx and
// message-service stores the result and publishes message.transcribed once; the box's e-mail (a real SMTP
// server the test starts) waits for it and carries the text. A box without the setting, and a message
// deleted before its turn, get nothing. An account's `transcription` settings (enabled, language, engine:
// `openai` answered by a local server speaking that protocol) apply to all its boxes, its search language
// and its usage. One worker (TRANSCRIPTION_CONCURRENCY=1), so the jobs run in deposit order and "the later
// one is done" means "the earlier one was handled".
import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'nats';
import { Commands } from '@voxmail/contracts';
import { SmtpRecorder, Tenant } from '@voxmail/testing';
import { EMAIL_DURABLE } from '../../apps/notification-service/src/bootstrap';
import { transcriptionDurable } from '../../apps/transcription-service/src/bootstrap';
import { createBox, depositMessage } from './messages.helpers';
import { afterSuite, useDb, useEvents, useStack, useTenant } from './fixture';
import { FakeWhisper, mailAbout, startFakeWhisper } from './transcription.helpers';

const SCRIPT =
  'Hello, this is Alice from accounting. Please call me back about the invoice for the new office printer. Thank you.';
const SPEECH = readFileSync(join(__dirname, '../fixtures/speech-invoice.wav'));
const words = (s: string) => new Set(s.toLowerCase().match(/[a-z']+/g) ?? []);

/** What the local OpenAI-compatible server "hears" (French: `bureaux` finds it only with French stemming). */
const FRENCH = 'Rappelez-moi au sujet du bureau, merci.';

let smtp: SmtpRecorder;
let whisper: FakeWhisper;
/** Set by the transcription test, searched by the search tests. */
const found: { box?: string; plain?: string; spoken?: string; untouched?: string } = {};

beforeAll(async () => {
  smtp = await SmtpRecorder.start();
  whisper = await startFakeWhisper(FRENCH);
});
afterSuite(async () => {
  await smtp?.stop();
  await whisper?.close();
});

const stack = useStack(['mailbox', 'message', 'media', 'notification', 'transcription', 'gateway'], {
  env: () => ({
    TRANSCRIPTION_CONCURRENCY: '1',
    TRANSCRIPTION_POLL_MS: '200',
    // pocketsphinx stays the default; an account may choose this server
    TRANSCRIPTION_OPENAI_URL: whisper.url,
    TRANSCRIPTION_OPENAI_API_KEY: 'sk-e2e',
    TRANSCRIPTION_OPENAI_ALLOW_PRIVATE: 'loopback',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    SMTP_FROM: 'Voicemail <vm@voxmail.test>',
  }),
  // an earlier suite's events (its deposits) come first: let the intake and the e-mail work through them
  caughtUp: (s) => [transcriptionDurable(s.env.DATABASE_URL ?? ''), EMAIL_DURABLE],
});
const events = useEvents();
const db = useDb(stack);
const a = useTenant(stack);

async function deposit(t: Tenant, box: string, audio: Buffer, data: Record<string, unknown> = {}) {
  const r = await depositMessage(stack, t, box, data, audio);
  expect(r.status).toBe(201);
  return JSON.parse(r.body.toString('utf8')).data.media_id as string;
}

/** The message ids with a row in transcription-service's job table (queued at intake). */
async function jobsOf(t: Tenant, ids: string[]): Promise<string[]> {
  const r = await db.query(
    `SELECT message_id FROM transcription.jobs WHERE tenant_id = $1 AND message_id = ANY ($2) ORDER BY 1`,
    [t.accountId, ids],
  );
  return r.rows.map((x: { message_id: string }) => x.message_id);
}

/**
 * Waits until message-service's projection of the account holds its `transcription.enabled` (what a deposit's
 * `message.media_stored` says is decided from it).
 */
async function accountProjected(t: Tenant, enabled: boolean | null): Promise<void> {
  for (const end = Date.now() + 30000; ;) {
    const r = await db.query(
      `SELECT transcription->'enabled' AS enabled FROM message.account_projection WHERE tenant_id = $1`,
      [t.accountId],
    );
    if (r.rows[0] && (r.rows[0].enabled ?? null) === enabled) return;
    if (Date.now() > end) throw new Error(`message-service did not project ${t.accountId}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Whether message-service said, in the message's `message.media_stored`, that its box transcribes. */
const saysTranscribe = async (id: string) =>
  (
    await events.waitFor(
      (e) => e.type === 'message.media_stored' && (e.data as { id?: string }).id === id,
      30000,
    )
  ).data.transcribe;

const transcribedEvents = (id: string) =>
  events.events.filter((e) => e.type === 'message.transcribed' && (e.data as { id?: string }).id === id);

describe('transcription', () => {
  it('transcribes a deposit to a box with transcribe: true, once, and leaves other boxes and deleted messages alone', async () => {
    const plain = await createBox(stack, a, { name: 'Plain' });
    const box = await createBox(stack, a, {
      name: 'Transcribed',
      transcribe: true,
      notify_email_addresses: ['listener@voxmail.test'],
    });

    await accountProjected(a, null);
    const untouched = await deposit(a, plain, SPEECH, { caller_id_name: 'Plain Caller' });
    const spoken = await deposit(a, box, SPEECH, {
      caller_id_name: 'Alice Accounting',
      caller_id_number: '+15550002222',
    });
    const deleted = await deposit(a, box, SPEECH);
    const del = await stack.request(
      'DELETE',
      `/v2/accounts/${a.accountId}/vmboxes/${box}/messages/${deleted}`,
      { token: a.token },
    );
    expect(del.status).toBe(200);

    // the same audio event delivered again under another event id (a producer's retry): still one job
    const stored = await events.waitFor(
      (e) => e.type === 'message.media_stored' && (e.data as { id?: string }).id === spoken,
      30000,
    );
    const nc = await connect({ servers: stack.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
    try {
      const { subject, headers: _h, ...envelope } = stored;
      await nc.jetstream().publish(subject, JSON.stringify({ ...envelope, id: randomUUID() }));
    } finally {
      await nc.close();
    }

    const ev = await events.waitFor(
      (e) => e.type === 'message.transcribed' && (e.data as { id?: string }).id === spoken,
      180000,
    );
    const t = (ev.data as { transcription: Record<string, unknown> }).transcription;
    expect(t).toEqual(
      expect.objectContaining({ result: 'success', engine: 'pocketsphinx', language: 'en-us' }),
    );

    const got = await stack.request('GET', `/v2/accounts/${a.accountId}/vmboxes/${box}/messages/${spoken}`, {
      token: a.token,
    });
    expect(got.status).toBe(200);
    expect(got.body.data.transcription.result).toBe('success');
    const heard = words(got.body.data.transcription.text);
    const shared = [...words(SCRIPT)].filter((w) => heard.has(w));
    expect(shared.length).toBeGreaterThanOrEqual(3);

    // the e-mail waited for the transcription (EMAIL_TRANSCRIPTION_WAIT_MS, 2 minutes) and carries it
    const { mail } = await smtp.waitFor((m) => mailAbout(m, spoken), 60000);
    expect(mail.text).toContain('Transcription:');
    expect(mail.text).toContain(got.body.data.transcription.text);
    expect(smtp.mails.filter((m) => mailAbout(m.mail, spoken))).toHaveLength(1);

    // a later deposit transcribed: every earlier job (the plain box's, the deleted one, the repeat) is done
    const later = await deposit(a, box, SPEECH);
    await events.waitFor(
      (e) => e.type === 'message.transcribed' && (e.data as { id?: string }).id === later,
      180000,
    );
    expect(transcribedEvents(spoken)).toHaveLength(1);
    expect(transcribedEvents(untouched)).toHaveLength(0);
    expect(transcribedEvents(deleted)).toHaveLength(0);
    const plainMsg = await stack.request(
      'GET',
      `/v2/accounts/${a.accountId}/vmboxes/${plain}/messages/${untouched}`,
      { token: a.token },
    );
    expect(plainMsg.body.data.transcription).toBeUndefined();
    // the intake queued no job for the plain box's message: its event said the box does not transcribe
    expect(await saysTranscribe(untouched)).toBe(false);
    expect(await saysTranscribe(spoken)).toBe(true);
    expect(await jobsOf(a, [untouched, spoken, later])).toEqual([spoken, later].sort());
    Object.assign(found, { box, plain, spoken, untouched });
  }, 420000);
});

describe('search (?q=)', () => {
  const ids = (r: { body: { data: { media_id: string }[] } }) => r.body.data.map((m) => m.media_id);

  it('finds a message in its box by a word that was said, with the matched fragment', async () => {
    expect(found.spoken).toBeDefined();
    const r = await stack.request(
      'GET',
      `/v2/accounts/${a.accountId}/vmboxes/${found.box}/messages?q=invoice`,
      { token: a.token },
    );
    expect(r.status).toBe(200);
    expect(ids(r)).toContain(found.spoken);
    const hit = r.body.data.find((m: { media_id: string }) => m.media_id === found.spoken);
    expect(hit._read_only.highlight).toContain('**invoice**');
    // stemming: "invoices" finds "invoice"; a word nobody said finds nothing
    const plural = await stack.request(
      'GET',
      `/v2/accounts/${a.accountId}/vmboxes/${found.box}/messages?q=invoices`,
      { token: a.token },
    );
    expect(ids(plural)).toContain(found.spoken);
    const none = await stack.request(
      'GET',
      `/v2/accounts/${a.accountId}/vmboxes/${found.box}/messages?q=giraffe`,
      { token: a.token },
    );
    expect(none.status).toBe(200);
    expect(none.body.data).toEqual([]);
  });

  it('searches the whole account by caller id name and number, paginated', async () => {
    const byName = await stack.request('GET', `/v2/accounts/${a.accountId}/messages?q=plain`, {
      token: a.token,
    });
    expect(byName.status).toBe(200);
    expect(ids(byName)).toEqual([found.untouched]);
    const byNumber = await stack.request('GET', `/v2/accounts/${a.accountId}/messages?q=15550002222`, {
      token: a.token,
    });
    expect(ids(byNumber)).toEqual([found.spoken]);
    // every transcribed message of the account says "invoice": two pages of one, then none
    const first = await stack.request('GET', `/v2/accounts/${a.accountId}/messages?q=invoice&page_size=1`, {
      token: a.token,
    });
    expect(first.body.data).toHaveLength(1);
    expect(first.body.next_start_key).toBeDefined();
    const second = await stack.request(
      'GET',
      `/v2/accounts/${a.accountId}/messages?q=invoice&page_size=1&start_key=${first.body.next_start_key}`,
      { token: a.token },
    );
    expect(second.body.data).toHaveLength(1);
    expect(ids(second)).not.toEqual(ids(first));
  });

  it('a user searches only the boxes it owns; an admin the whole account', async () => {
    const pw = 'search-user-pw';
    const u = await stack.request('PUT', `/v2/accounts/${a.accountId}/users`, {
      token: a.token,
      body: { data: { username: 'searcher', password: pw, first_name: 'S', last_name: 'U' } },
    });
    expect(u.status).toBe(201);
    const own = await createBox(stack, a, { name: 'Own', owner_id: u.body.data.id });
    const mine = await deposit(a, own, SPEECH, { caller_id_name: 'Zebra Zed' });
    const other = await deposit(a, found.plain!, SPEECH, { caller_id_name: 'Zebra Other' });
    const login = await stack.request('PUT', '/v2/user_auth', {
      body: {
        data: {
          credentials: createHash('md5').update(`searcher:${pw}`).digest('hex'),
          account_name: a.name,
        },
      },
    });
    expect(login.status).toBe(201);
    const asUser = await stack.request('GET', `/v2/accounts/${a.accountId}/messages?q=zebra`, {
      token: login.body.auth_token,
    });
    expect(asUser.status).toBe(200);
    expect(ids(asUser)).toEqual([mine]);
    const asAdmin = await stack.request('GET', `/v2/accounts/${a.accountId}/messages?q=zebra`, {
      token: a.token,
    });
    expect(ids(asAdmin).sort()).toEqual([mine, other].sort());
  });

  it('never shows another tenant’s messages, and refuses an empty query', async () => {
    const b = await stack.createTenant();
    const own = await stack.request('GET', `/v2/accounts/${b.accountId}/messages?q=invoice`, {
      token: b.token,
    });
    expect(own.status).toBe(200);
    expect(own.body.data).toEqual([]);
    const foreign = await stack.request('GET', `/v2/accounts/${a.accountId}/messages?q=invoice`, {
      token: b.token,
    });
    expect([403, 404]).toContain(foreign.status);
    expect(JSON.stringify(foreign.body)).not.toContain(found.spoken);
    const foreignBox = await stack.request(
      'GET',
      `/v2/accounts/${a.accountId}/vmboxes/${found.box}/messages?q=invoice`,
      { token: b.token },
    );
    expect([403, 404]).toContain(foreignBox.status);
    const empty = await stack.request('GET', `/v2/accounts/${a.accountId}/messages?q=`, { token: a.token });
    expect(empty.status).toBe(400);
  });
});

describe("message-service's transcription command", () => {
  it('stores a result once, publishes message.transcribed once, and never on a deleted message', async () => {
    const nc = await connect({ servers: stack.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
    try {
      // lazily, as the other suites load the messaging library
      const { CommandClient } = await import('@voxmail/messaging');
      const bus = new CommandClient(nc, 30000);
      const actor = { accountId: a.accountId, role: 'admin' as const };
      const live = await deposit(a, found.plain!, SPEECH);
      const store = (id: string, text: string) =>
        bus.send(Commands.MessageStoreTranscription, {
          tenantId: a.accountId,
          actor,
          vmboxId: found.plain!,
          id,
          transcription: { result: 'success', text, engine: 'pocketsphinx', language: 'en-us' },
        });
      expect(await store(live, 'first words')).toEqual({ stored: true });
      expect(await store(live, 'second words')).toEqual({ stored: false });
      const got = await stack.request(
        'GET',
        `/v2/accounts/${a.accountId}/vmboxes/${found.plain}/messages/${live}`,
        { token: a.token },
      );
      expect(got.body.data.transcription.text).toBe('first words');

      const gone = await deposit(a, found.plain!, SPEECH);
      await stack.request('DELETE', `/v2/accounts/${a.accountId}/vmboxes/${found.plain}/messages/${gone}`, {
        token: a.token,
      });
      // the engine finished after the message was deleted: nothing is stored or published
      expect(await store(gone, 'too late')).toEqual({ stored: false });
      await events.waitFor(
        (e) => e.type === 'message.transcribed' && (e.data as { id?: string }).id === live,
        30000,
      );
      await new Promise((r) => setTimeout(r, 2000));
      expect(transcribedEvents(live)).toHaveLength(1);
      expect(transcribedEvents(gone)).toHaveLength(0);
    } finally {
      await nc.close();
    }
  });
});

describe("an account's transcription settings", () => {
  it('enabled for every box, its language and engine (openai) used, its search stems in that language, its usage counts the minutes', async () => {
    const c = await stack.createTenant();
    const set = await stack.request('PATCH', `/v2/accounts/${c.accountId}`, {
      token: c.token,
      body: { data: { transcription: { enabled: true, language: 'fr-fr', engine: 'openai' } } },
    });
    expect(set.status).toBe(200);
    expect(set.body.data.transcription).toEqual({ enabled: true, language: 'fr-fr', engine: 'openai' });
    const bad = await stack.request('PATCH', `/v2/accounts/${c.accountId}`, {
      token: c.token,
      body: { data: { transcription: { engine: 'a-box-of-frogs' } } },
    });
    expect(bad.status).toBe(400);

    // the box says nothing about transcribing: the account's setting decides
    const box = await createBox(stack, c, { name: 'Bureau', notify_email_addresses: ['c@voxmail.test'] });
    const id = await deposit(c, box, SPEECH, { caller_id_name: 'Claire' });
    const ev = await events.waitFor(
      (e) => e.type === 'message.transcribed' && (e.data as { id?: string }).id === id,
      180000,
    );
    expect((ev.data as { transcription: unknown }).transcription).toEqual(
      expect.objectContaining({ result: 'success', text: FRENCH, engine: 'openai', language: 'fr' }),
    );
    expect(await saysTranscribe(id)).toBe(true);
    const asked = whisper.requests.at(-1)!;
    expect(asked).toMatchObject({
      path: '/v1/audio/transcriptions',
      auth: 'Bearer sk-e2e',
      language: 'fr',
      response_format: 'verbose_json',
      file: 'audio',
    });
    const { mail } = await smtp.waitFor((m) => mailAbout(m, id), 60000);
    expect(mail.text).toContain(FRENCH);

    // French stemming: "bureaux" finds "bureau" (English or as-written would not)
    const found = await stack.request('GET', `/v2/accounts/${c.accountId}/messages?q=bureaux`, {
      token: c.token,
    });
    expect(found.status).toBe(200);
    expect(found.body.data.map((m: { media_id: string }) => m.media_id)).toEqual([id]);
    expect(found.body.data[0]._read_only.highlight).toContain('**bureau**');
    const elsewhere = await stack.request('GET', `/v2/accounts/${a.accountId}/messages?q=bureaux`, {
      token: a.token,
    });
    expect(elsewhere.body.data).toEqual([]);

    // usage: the 7-second recording, in minutes (message.transcribed, projected by mailbox-service)
    const end = Date.now() + 30000;
    let usage;
    do {
      usage = await stack.request('GET', `/v2/accounts/${c.accountId}/usage`, { token: c.token });
      if (usage.body.data?.transcription_minutes > 0) break;
      await new Promise((r) => setTimeout(r, 200));
    } while (Date.now() < end);
    expect(usage.body.data.transcription_minutes).toBeCloseTo(7 / 60, 1);
  }, 300000);

  it('enabled: false turns transcription off for every box of the account', async () => {
    const d = await stack.createTenant();
    const off = await stack.request('PATCH', `/v2/accounts/${d.accountId}`, {
      token: d.token,
      body: { data: { transcription: { enabled: false } } },
    });
    expect(off.status).toBe(200);
    const box = await createBox(stack, d, { transcribe: true });
    await accountProjected(d, false);
    const id = await deposit(d, box, SPEECH);
    // one worker, jobs in deposit order: once a later deposit is transcribed, this one was handled
    const later = await deposit(a, found.box!, SPEECH);
    await events.waitFor(
      (e) => e.type === 'message.transcribed' && (e.data as { id?: string }).id === later,
      180000,
    );
    expect(transcribedEvents(id)).toHaveLength(0);
    // refused at intake: the box's transcribe: true is overruled by the account, and no job was queued
    expect(await saysTranscribe(id)).toBe(false);
    expect(await jobsOf(d, [id])).toEqual([]);
    const usage = await stack.request('GET', `/v2/accounts/${d.accountId}/usage`, { token: d.token });
    expect(usage.body.data.transcription_minutes).toBe(0);
  }, 240000);
});

describe('failure paths', () => {
  const saved = { ...process.env };
  /** Restarts transcription-service with these variables (the stack reads process.env at start). */
  async function restartWith(vars: Record<string, string>): Promise<void> {
    await stack.stopApp('transcription');
    Object.assign(process.env, vars);
    await stack.startApp('transcription');
  }

  afterAll(async () => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  it('a 20-minute recording is cut to TRANSCRIPTION_MAX_SECONDS before the engine hears it', async () => {
    // 20 minutes of quiet noise, as a small mp3; made before the restart, whose awaits let the client see
    // the keep-alive connections the gateway closed while spawnSync held the event loop (else ECONNRESET)
    const long = spawnSync(
      'ffmpeg',
      [
        ...['-v', 'error', '-f', 'lavfi', '-i', 'anoisesrc=d=1200:c=pink:a=0.02:r=8000'],
        ...['-ac', '1', '-b:a', '8k', '-f', 'mp3', 'pipe:1'],
      ],
      { maxBuffer: 8 << 20 },
    );
    expect(long.status).toBe(0);
    await restartWith({ TRANSCRIPTION_MAX_SECONDS: '20' });
    const box = await createBox(stack, a, { transcribe: true, max_message_length: 1500 });
    const id = await deposit(a, box, long.stdout, { caller_id_name: 'Long Caller' });
    const ev = await events.waitFor(
      (e) => e.type === 'message.transcribed' && (e.data as { id?: string }).id === id,
      240000,
    );
    const t = (ev.data as { transcription: { result: string; seconds: number } }).transcription;
    expect(['success', 'no_speech']).toContain(t.result);
    expect(t.seconds).toBe(20);
  }, 300000);

  it('an engine that cannot run is retried, then the message gets result: failed, once', async () => {
    await restartWith({
      POCKETSPHINX_PATH: '/nonexistent/pocketsphinx_continuous',
      TRANSCRIPTION_ATTEMPTS: '2',
    });
    const box = await createBox(stack, a, { transcribe: true });
    const id = await deposit(a, box, SPEECH);
    const ev = await events.waitFor(
      (e) => e.type === 'message.transcribed' && (e.data as { id?: string }).id === id,
      120000,
    );
    expect((ev.data as { transcription: unknown }).transcription).toEqual({
      result: 'failed',
      engine: 'pocketsphinx',
    });
    const got = await stack.request('GET', `/v2/accounts/${a.accountId}/vmboxes/${box}/messages/${id}`, {
      token: a.token,
    });
    expect(got.body.data.transcription.result).toBe('failed');
    await new Promise((r) => setTimeout(r, 3000));
    expect(transcribedEvents(id)).toHaveLength(1);
  }, 180000);

  it('an e-mail waits at most EMAIL_TRANSCRIPTION_WAIT_MS, then goes without the transcription; the late transcription sends no second one', async () => {
    await stack.stopApp('transcription');
    await stack.stopApp('notification');
    process.env.EMAIL_TRANSCRIPTION_WAIT_MS = '3000';
    await stack.startApp('notification');
    const box = await createBox(stack, a, {
      transcribe: true,
      notify_email_addresses: ['late@voxmail.test'],
    });
    const at = Date.now();
    const id = await deposit(a, box, SPEECH);
    const { mail } = await smtp.waitFor((m) => mailAbout(m, id), 60000);
    expect(Date.now() - at).toBeGreaterThanOrEqual(3000);
    expect(mail.text).not.toContain('Transcription:');
    // the engine back: the message is transcribed, and no second e-mail goes out
    process.env.POCKETSPHINX_PATH = saved.POCKETSPHINX_PATH ?? ''; // empty: the default on the PATH
    await stack.startApp('transcription');
    await events.waitFor(
      (e) => e.type === 'message.transcribed' && (e.data as { id?: string }).id === id,
      180000,
    );
    await new Promise((r) => setTimeout(r, 3000));
    expect(smtp.mails.filter((m) => mailAbout(m.mail, id))).toHaveLength(1);
  }, 300000);

  it('a message deleted while the engine works on it gets nothing stored and no message.transcribed', async () => {
    const e = await stack.createTenant();
    const set = await stack.request('PATCH', `/v2/accounts/${e.accountId}`, {
      token: e.token,
      body: { data: { transcription: { enabled: true, engine: 'openai' } } },
    });
    expect(set.status).toBe(200);
    await accountProjected(e, true);
    const box = await createBox(stack, e, {});
    const gate = whisper.hold();
    const id = await deposit(e, box, SPEECH);
    try {
      // the engine has the audio: the job is in progress (never: the test's timeout says so)
      await gate.received;
      const del = await stack.request('DELETE', `/v2/accounts/${e.accountId}/vmboxes/${box}/messages/${id}`, {
        token: e.token,
      });
      expect(del.status).toBe(200);
    } finally {
      gate.release();
    }
    let job;
    for (const end = Date.now() + 60000; Date.now() < end;) {
      job = (
        await db.query(
          `SELECT state, outcome FROM transcription.jobs WHERE tenant_id = $1 AND message_id = $2`,
          [e.accountId, id],
        )
      ).rows[0];
      if (job?.state === 'done') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(job).toEqual({ state: 'done', outcome: 'gone' });
    const stored = await db.query(
      `SELECT folder, doc->'transcription' AS t FROM message.messages WHERE tenant_id = $1 AND id = $2`,
      [e.accountId, id],
    );
    expect(stored.rows).toEqual([{ folder: 'deleted', t: null }]);
    expect(transcribedEvents(id)).toHaveLength(0);
  }, 180000);

  it('audio that cannot be decoded ends result: failed at once (no retries)', async () => {
    // a WAV header (so the upload takes it) over bytes no decoder makes sense of: format tag 0x1234
    const garbage = Buffer.alloc(48000, 0x5a);
    garbage.write('RIFF', 0);
    garbage.writeUInt32LE(garbage.length - 8, 4);
    garbage.write('WAVEfmt ', 8);
    garbage.writeUInt32LE(16, 16);
    garbage.writeUInt16LE(0x1234, 20);
    garbage.writeUInt16LE(1, 22);
    garbage.writeUInt32LE(8000, 24);
    garbage.writeUInt32LE(16000, 28);
    garbage.writeUInt16LE(2, 32);
    garbage.writeUInt16LE(16, 34);
    garbage.write('data', 36);
    garbage.writeUInt32LE(garbage.length - 44, 40);
    const box = await createBox(stack, a, { transcribe: true });
    const id = await deposit(a, box, garbage);
    const ev = await events.waitFor(
      (e) => e.type === 'message.transcribed' && (e.data as { id?: string }).id === id,
      120000,
    );
    expect((ev.data as { transcription: { result: string } }).transcription.result).toBe('failed');
  }, 180000);
});
