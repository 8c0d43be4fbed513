// The sip carrier against SIPp acting as the trunk on loopback: real SIP over UDP (INVITE, 180, 200, ACK,
// BYE, CANCEL/487, 486, 503, a 401 digest challenge) and real RTP, counted by a UDP listener the SIPp
// answer's SDP points at. The prompt is a 1 s WAV at 16 kHz that ffmpeg transcodes to G.711.
import { createSocket, Socket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RtpListener, SIPP_HOST, sippPath, startSipp, stopAllSipp, wavFile } from '@voxmail/testing';
import type { LookupFn } from '@voxmail/messaging';
import type { DialRequest } from '../src/carriers/carrier';
import { SipCarrier, transcodeToG711 } from '../src/carriers/sip';

jest.setTimeout(60000);

const SIPP = sippPath();
if (!SIPP)
  console.warn('sipp (Debian package sip-tester) is not installed: the sip carrier tests are skipped');
const describeSip = SIPP ? describe : describe.skip;

const dir = mkdtempSync(join(tmpdir(), 'voxmail-sip-'));
const promptFile = join(dir, 'prompt.wav');
writeFileSync(promptFile, wavFile(1, 16000));
const loads: string[] = [];
const prompts = {
  load: (tenantId: string, fileId: string, codec: 'PCMU' | 'PCMA') => {
    loads.push(`${tenantId}/${fileId}/${codec}`);
    return transcodeToG711(
      process.env.FFMPEG_PATH || 'ffmpeg',
      fileId === 'missing' ? join(dir, 'nope.wav') : promptFile,
      codec,
    );
  },
};

let carrier: SipCarrier;
let rtp: RtpListener;

beforeAll(async () => {
  // SIPp and the RTP listener are on loopback: this operator allows it (DIALER_ALLOWED_TRUNK_NETWORKS)
  carrier = new SipCarrier({
    address: '127.0.0.1',
    port: 0,
    prompts,
    byeWaitMs: 3000,
    allowedNetworks: ['127.0.0.0/8'],
  });
  rtp = await RtpListener.start();
});

afterAll(async () => {
  await stopAllSipp();
  await carrier?.close();
  await rtp?.close();
  rmSync(dir, { recursive: true, force: true });
});

function request(
  port: number,
  o: Partial<DialRequest> = {},
  settings: Record<string, unknown> = {},
): DialRequest {
  return {
    tenantId: 't1',
    callId: `call-${Math.random().toString(36).slice(2)}`,
    callee: '4915112345678',
    callerId: '1008122211',
    maxRingingMs: 20000,
    maxDurationMs: null,
    loopCount: 2,
    fileId: 'prompt',
    promptMs: 1000,
    settings: { trunk_uri: `sip:${SIPP_HOST}:${port}`, ...settings },
    ...o,
  };
}

function recorder() {
  const seen: string[] = [];
  return {
    seen,
    hooks: {
      ringing: async () => void seen.push('ringing'),
      answered: async () => void seen.push('answered'),
    },
  };
}

const keys = (pt = 0) => ({ rtp_port: rtp.port, codec_pt: pt, codec_name: pt === 0 ? 'PCMU' : 'PCMA' });

/** The packets of one stream, and checks of their headers. */
function streamOf(before: number) {
  const ps = rtp.packets.slice(before);
  return ps;
}

function expectWellFormed(ps: ReturnType<typeof streamOf>, pt: number) {
  expect(ps.length).toBeGreaterThan(0);
  expect(new Set(ps.map((p) => p.ssrc)).size).toBe(1);
  expect(ps[0].marker).toBe(true);
  for (let i = 0; i < ps.length; i++) {
    expect(ps[i].version).toBe(2);
    expect(ps[i].pt).toBe(pt);
    expect(ps[i].payload).toBe(160);
    if (i > 0) {
      expect(ps[i].marker).toBe(false);
      expect(ps[i].seq).toBe((ps[0].seq + i) & 0xffff);
      expect(ps[i].timestamp).toBe((ps[0].timestamp + 160 * i) >>> 0);
    }
  }
}

describeSip('sip carrier against SIPp', () => {
  it('answered: plays the 1 s prompt twice as 100 PCMU packets of 20 ms, then BYE → completed', async () => {
    const sipp = await startSipp('uas-answer.xml', keys(0));
    const before = rtp.packets.length;
    const r = recorder();
    const t0 = performance.now();
    const result = await carrier.dial(request(sipp.port), r.hooks);
    const took = performance.now() - t0;
    expect(result).toEqual({ outcome: 'completed' });
    expect(r.seen).toEqual(['ringing', 'answered']);
    // SIPp saw our BYE and ended its one call well
    expect(await sipp.exited).toBe(0);
    const ps = streamOf(before);
    expect(Math.abs(ps.length - 100)).toBeLessThanOrEqual(2);
    expectWellFormed(ps, 0);
    // paced, not sent at once: 100 packets of 20 ms take about 2 s (generous bounds for a loaded machine)
    expect(ps[ps.length - 1].at - ps[0].at).toBeGreaterThan(1500);
    expect(took).toBeGreaterThan(1500);
  });

  it('answered in PCMA: the answer picks the codec, loopCount 1 gives 50 packets of payload type 8', async () => {
    const sipp = await startSipp('uas-answer.xml', keys(8));
    const before = rtp.packets.length;
    const result = await carrier.dial(request(sipp.port, { loopCount: 1 }), recorder().hooks);
    expect(result).toEqual({ outcome: 'completed' });
    expect(await sipp.exited).toBe(0);
    const ps = streamOf(before);
    expect(Math.abs(ps.length - 50)).toBeLessThanOrEqual(2);
    expectWellFormed(ps, 8);
  });

  it('maxDuration: hangs up an answered call with BYE before the prompt has played', async () => {
    const sipp = await startSipp('uas-answer.xml', keys(0));
    const before = rtp.packets.length;
    const result = await carrier.dial(request(sipp.port, { maxDurationMs: 500 }), recorder().hooks);
    expect(result.outcome).toBe('completed');
    expect(result.reason).toMatch(/^max_duration/);
    expect(await sipp.exited).toBe(0);
    const n = rtp.packets.length - before;
    // about 25 packets in 500 ms; far fewer than the 100 of the whole prompt
    expect(n).toBeGreaterThan(5);
    expect(n).toBeLessThan(75);
  });

  it('the callee hangs up: its BYE is answered 200 and the call is completed with what was played', async () => {
    const sipp = await startSipp('uas-hangup.xml', keys(0));
    const before = rtp.packets.length;
    const result = await carrier.dial(request(sipp.port), recorder().hooks);
    expect(result.outcome).toBe('completed');
    expect(result.reason).toMatch(/^callee hung up/);
    expect(await sipp.exited).toBe(0);
    const n = rtp.packets.length - before;
    expect(n).toBeGreaterThan(5);
    expect(n).toBeLessThan(90);
  });

  it('rings without answer: CANCEL after maxRingingTime, the 487 is ACKed → no_answer', async () => {
    const sipp = await startSipp('uas-noanswer.xml', keys(0));
    const before = rtp.packets.length;
    const r = recorder();
    const t0 = performance.now();
    const result = await carrier.dial(request(sipp.port, { maxRingingMs: 1000 }), r.hooks);
    expect(result).toEqual({ outcome: 'no_answer' });
    expect(performance.now() - t0).toBeGreaterThan(900);
    expect(r.seen).toEqual(['ringing']);
    expect(await sipp.exited).toBe(0);
    expect(rtp.packets.length - before).toBe(0);
  });

  it('486 Busy Here → busy', async () => {
    const sipp = await startSipp('uas-busy.xml', keys(0));
    const r = recorder();
    const result = await carrier.dial(request(sipp.port), r.hooks);
    expect(result).toEqual({ outcome: 'busy', reason: 'sip 486 Busy Here' });
    expect(r.seen).toEqual([]);
    expect(await sipp.exited).toBe(0);
  });

  it('603 Decline → busy; 503 Service Unavailable → failed with the code', async () => {
    const decline = await startSipp('uas-decline.xml', keys(0));
    expect((await carrier.dial(request(decline.port), recorder().hooks)).outcome).toBe('busy');
    expect(await decline.exited).toBe(0);
    const down = await startSipp('uas-unavailable.xml', keys(0));
    // the sip stack takes a 503 as "try the next address"; there is none
    const result = await carrier.dial(request(down.port), recorder().hooks);
    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(/^sip 503/);
    await down.stop();
  });

  it('401: the INVITE again with Authorization (digest verified by SIPp) → answered and completed', async () => {
    const sipp = await startSipp('uas-digest.xml', keys(0));
    const before = rtp.packets.length;
    const r = recorder();
    const result = await carrier.dial(
      request(sipp.port, { loopCount: 1 }, { username: 'trunkuser', password: 'trunk-secret' }),
      r.hooks,
    );
    expect(result).toEqual({ outcome: 'completed' });
    expect(r.seen).toEqual(['ringing', 'answered']);
    expect(await sipp.exited).toBe(0);
    expect(Math.abs(rtp.packets.length - before - 50)).toBeLessThanOrEqual(2);
  });

  it('401 with a wrong password: SIPp refuses the signed INVITE with 403 → failed', async () => {
    const sipp = await startSipp('uas-digest.xml', keys(0));
    const result = await carrier.dial(
      request(sipp.port, {}, { username: 'trunkuser', password: 'wrong' }),
      recorder().hooks,
    );
    expect(result).toEqual({ outcome: 'failed', reason: 'sip 403 Forbidden' });
    expect(await sipp.exited).toBe(0);
  });

  it('a prompt that cannot be transcoded fails the call before any INVITE', async () => {
    const sipp = await startSipp('uas-answer.xml', keys(0));
    const result = await carrier.dial(request(sipp.port, { fileId: 'missing' }), recorder().hooks);
    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(/ffmpeg failed/);
    await sipp.stop();
  });
});

/** A UDP socket on a loopback address standing for an internal service: it records every datagram. */
async function internalService(
  host: string,
): Promise<{ port: number; got: Buffer[]; close(): Promise<void> }> {
  const s: Socket = createSocket('udp4');
  const got: Buffer[] = [];
  s.on('message', (m: Buffer) => got.push(m));
  await new Promise<void>((r) => s.bind(0, host, () => r()));
  return { port: s.address().port, got, close: () => new Promise<void>((r) => s.close(() => r())) };
}

/** A resolver answering from a table (a DNS name whose answer the test chooses). */
const resolver =
  (table: Record<string, string[]>): LookupFn =>
  (host, _o, cb) => {
    const a = table[host];
    if (!a) return cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), []);
    cb(
      null,
      a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };

describeSip(
  'sip carrier: trunks and RTP only where the operator allows (DIALER_ALLOWED_TRUNK_NETWORKS)',
  () => {
    // this operator allows SIPp's address only; 127.0.0.3 and 127.0.0.1 stand for the carrier's own network
    let names: Record<string, string[]> = {};
    let guarded: SipCarrier;
    beforeAll(() => {
      guarded = new SipCarrier({
        address: '127.0.0.1',
        port: 0,
        prompts,
        byeWaitMs: 3000,
        allowedNetworks: [`${SIPP_HOST}/32`],
        lookup: (h, o, cb) => resolver(names)(h, o, cb),
      });
    });
    afterAll(async () => {
      await guarded?.close();
    });

    it('sends nothing to a trunk at a refused address, nor to a name that resolves to one now', async () => {
      const internal = await internalService('127.0.0.3');
      try {
        const direct = await guarded.dial(
          request(0, { callId: 'direct' }, { trunk_uri: `sip:127.0.0.3:${internal.port}` }),
          recorder().hooks,
        );
        expect(direct).toEqual({
          outcome: 'failed',
          reason: 'trunk refused: 127.0.0.3 is a loopback address',
        });
        for (const h of ['169.254.169.254', '10.0.0.1']) {
          const r = await guarded.dial(request(0, {}, { trunk_uri: `sip:${h}:53` }), recorder().hooks);
          expect(r.outcome).toBe('failed');
          expect(r.reason).toMatch(/^trunk refused: .* is a private, link-local or reserved address$/);
        }
        // a name that was fine when the app was stored and resolves to an internal address now
        names = { 'trunk.example.test': ['127.0.0.3'] };
        const later = await guarded.dial(
          request(0, {}, { trunk_uri: `sip:trunk.example.test:${internal.port}` }),
          recorder().hooks,
        );
        expect(later).toEqual({
          outcome: 'failed',
          reason: 'trunk refused: trunk.example.test resolves to a loopback address',
        });
        // one refused answer among allowed ones refuses the name whole
        names = { 'trunk.example.test': [SIPP_HOST, '127.0.0.3'] };
        const mixed = await guarded.dial(
          request(0, {}, { trunk_uri: `sip:trunk.example.test:${internal.port}` }),
          recorder().hooks,
        );
        expect(mixed.outcome).toBe('failed');
        await new Promise((r) => setTimeout(r, 500));
        expect(internal.got).toHaveLength(0);
      } finally {
        await internal.close();
      }
    });

    it('calls a trunk named by a name that resolves to an allowed address, every request to that address', async () => {
      const sipp = await startSipp('uas-hangup.xml', keys(0));
      names = { 'trunk.example.test': [SIPP_HOST] };
      // the SDP answer names 127.0.0.1 (not allowed here): the call is answered, no RTP is sent, and the
      // callee's BYE ends it
      const before = rtp.packets.length;
      const result = await guarded.dial(
        request(0, {}, { trunk_uri: `sip:trunk.example.test:${sipp.port}` }),
        recorder().hooks,
      );
      expect(result.outcome).toBe('failed');
      expect(result.reason).toBe('rtp refused: 127.0.0.1 is a loopback address');
      await new Promise((r) => setTimeout(r, 300));
      expect(rtp.packets.length - before).toBe(0);
      await sipp.stop();
    });

    it('sends no RTP to an SDP answer address outside the allowed networks; the call ends with BYE', async () => {
      const sipp = await startSipp('uas-answer.xml', keys(0));
      const before = rtp.packets.length;
      const r = recorder();
      const result = await guarded.dial(request(sipp.port), r.hooks);
      expect(result).toEqual({ outcome: 'failed', reason: 'rtp refused: 127.0.0.1 is a loopback address' });
      expect(r.seen).toEqual(['ringing', 'answered']);
      // SIPp got its ACK and our BYE: its one call went through the scenario
      expect(await sipp.exited).toBe(0);
      await new Promise((r2) => setTimeout(r2, 300));
      expect(rtp.packets.length - before).toBe(0);
    });
  },
);
