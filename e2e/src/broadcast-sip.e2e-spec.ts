// Real SIP calls end to end: a prompt uploaded through the Kazoo media API, an app whose carrier is `sip`
// with its trunk at SIPp on loopback (digest credentials stored encrypted), a campaign sent through the
// Onbuka face, and the dialer placing the call: SIPp challenges, answers, and its SDP answer points at a
// UDP listener here that counts the RTP: prompt length x loopCount in 20 ms packets.
import { Client } from 'pg';
import {
  EventRecorder,
  RtpListener,
  SIPP_HOST,
  sippPath,
  Stack,
  startSipp,
  stopAllSipp,
  Tenant,
} from '@voxmail/testing';
import {
  DIALER_APPS,
  dialerWith,
  importOnbukaKey,
  postSendGroup,
  uploadPrompt,
  waitFor,
} from './broadcast.helpers';
import { startApps } from './fixture';

jest.setTimeout(60000);

const SIPP = sippPath();
if (!SIPP) console.warn('sipp (Debian package sip-tester) is not installed: the SIP e2e tests are skipped');
const describeSip = SIPP ? describe : describe.skip;

let stack: Stack;
let events: EventRecorder;
let db: Client;
let op: { token: string; accountId: string };
let rtp: RtpListener;

beforeAll(async () => {
  if (!SIPP) return;
  process.env.DIALER_SIP_ADDRESS = '127.0.0.1';
  // SIPp (the trunk) and the RTP listener are on loopback: this stack's operator allows it
  process.env.DIALER_ALLOWED_TRUNK_NETWORKS = '127.0.0.0/8';
  events = await EventRecorder.start();
  stack = await startApps(DIALER_APPS, { starters: { dialer: dialerWith({ tickMs: 20, leaseMs: 5000 }) } });
  db = new Client({ connectionString: stack.env.DATABASE_URL });
  await db.connect();
  op = await stack.operatorLogin();
  rtp = await RtpListener.start();
});

afterAll(async () => {
  await stopAllSipp();
  await db?.end();
  await stack?.stop();
  await events?.stop();
  await rtp?.close();
});

/** A tenant with an imported Onbuka key pair and a 1 s prompt (a 16 kHz WAV) as a media document. */
async function world(): Promise<{ t: Tenant; key: string; secret: string; promptId: string }> {
  const t = await stack.createTenant();
  const { key, secret } = await importOnbukaKey(stack, op, t);
  const promptId = await uploadPrompt(stack, t, 'broadcast prompt', 1, 16000);
  return { t, key, secret, promptId };
}

let lastTs = '';
async function sendGroup(w: { key: string; secret: string }, body: unknown) {
  // (Api-Key, Timestamp, Sign) is single-use (replay guard) and Sign covers no body: one request per
  // second and key, as an Onbuka client must
  let ts = String(Math.floor(Date.now() / 1000));
  while (ts === lastTs) {
    await new Promise((r) => setTimeout(r, 50));
    ts = String(Math.floor(Date.now() / 1000));
  }
  lastTs = ts;
  const res = await postSendGroup(stack, w, ts, body);
  return (await res.json()) as any;
}

describeSip('sip carrier end to end (SIPp trunk)', () => {
  it('places a real call: digest auth, answer, RTP = prompt length x loopCount, BYE; states and events', async () => {
    const w = await world();
    const sipp = await startSipp('uas-digest.xml', { rtp_port: rtp.port, codec_pt: 0, codec_name: 'PCMU' });
    const app = await stack.request('PUT', `/v2/accounts/${w.t.accountId}/broadcast_apps`, {
      token: w.t.token,
      body: {
        data: {
          id: 'sipapp',
          carrier: 'sip',
          calls_per_second: 0,
          settings: {
            trunk_uri: `sip:${SIPP_HOST}:${sipp.port}`,
            username: 'trunkuser',
            password: 'trunk-secret',
          },
        },
      },
    });
    expect(app.status).toBe(201);
    // the password is stored sealed and never answered
    const got = await stack.request('GET', `/v2/accounts/${w.t.accountId}/broadcast_apps/sipapp`, {
      token: w.t.token,
    });
    expect(JSON.stringify(got.body)).not.toContain('trunk-secret');
    const stored = await db.query(`SELECT * FROM dialer.apps WHERE tenant_id = $1`, [w.t.accountId]);
    expect(JSON.stringify(stored.rows)).not.toContain('trunk-secret');

    const before = rtp.packets.length;
    const r = await sendGroup(w, {
      callee: '4915112345678',
      fileId: w.promptId,
      appId: 'sipapp',
      loopCount: 2,
      maxRingingTime: 20,
    });
    expect(r.status).toBe('0');
    const voiceId = r.data[0].voiceId as string;
    const b = await db.query(`SELECT id FROM dialer.broadcasts WHERE tenant_id = $1`, [w.t.accountId]);
    const bid = b.rows[0].id as string;
    const done = await waitFor(
      () => stack.request('GET', `/v2/accounts/${w.t.accountId}/broadcasts/${bid}`, { token: w.t.token }),
      (x) => x.body.data?.state === 'completed',
      30000,
    );
    expect(done.body.data).toMatchObject({ state: 'completed', counts: { completed: 1 } });
    expect(await sipp.exited).toBe(0);
    // 1 s x 2 loops = 100 packets of 160 bytes, PCMU, consecutive seq and timestamps
    const ps = rtp.packets.slice(before);
    expect(Math.abs(ps.length - 100)).toBeLessThanOrEqual(2);
    expect(ps.every((p) => p.pt === 0 && p.payload === 160)).toBe(true);
    for (let i = 1; i < ps.length; i++) {
      expect(ps[i].seq).toBe((ps[0].seq + i) & 0xffff);
      expect(ps[i].timestamp).toBe((ps[0].timestamp + 160 * i) >>> 0);
    }
    await events.waitFor(
      (e) =>
        e.type === 'broadcast.call.updated' &&
        e.aggregateId === voiceId &&
        (e.data as any).state === 'completed',
    );
    const states = events.events
      .filter(
        (e) =>
          e.type === 'broadcast.call.updated' && e.aggregateId === voiceId && e.tenantId === w.t.accountId,
      )
      .map((e) => (e.data as any).state);
    expect(states).toEqual(['dialing', 'ringing', 'answered', 'completed']);
  });

  it('a busy trunk makes the call busy; a prompt of another account is refused before any call exists', async () => {
    const w = await world();
    const other = await world();
    const sipp = await startSipp('uas-busy.xml', { rtp_port: rtp.port, codec_pt: 0, codec_name: 'PCMU' });
    await stack.request('PUT', `/v2/accounts/${w.t.accountId}/broadcast_apps`, {
      token: w.t.token,
      body: {
        data: { id: 'sipapp', carrier: 'sip', settings: { trunk_uri: `sip:${SIPP_HOST}:${sipp.port}` } },
      },
    });
    const call = async (fileId: string) => {
      const r = await sendGroup(w, { callee: '4915112345678', fileId, appId: 'sipapp' });
      expect(r.status).toBe('0');
      const voiceId = r.data[0].voiceId as string;
      return waitFor(
        async () =>
          (
            await db.query(`SELECT state, reason FROM dialer.calls WHERE tenant_id = $1 AND id = $2`, [
              w.t.accountId,
              voiceId,
            ])
          ).rows[0],
        (row) => ['busy', 'failed', 'completed', 'no_answer'].includes(row?.state),
        30000,
      );
    };
    expect(await call(w.promptId)).toMatchObject({ state: 'busy', reason: 'sip 486 Busy Here' });
    expect(await sipp.exited).toBe(0);
    // another tenant's prompt id is not found for this tenant: the batch is refused (-24), nothing is dialed
    const foreign = await sendGroup(w, { callee: '4915112345678', fileId: other.promptId, appId: 'sipapp' });
    expect(foreign.status).toBe('-24');
    const calls = await db.query(`SELECT count(*)::int AS n FROM dialer.calls WHERE tenant_id = $1`, [
      w.t.accountId,
    ]);
    expect(calls.rows[0].n).toBe(1);
  });
});
