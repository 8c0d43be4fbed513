// The `sip` carrier: a SIP user agent client over UDP that places each call on the app's trunk and
// plays the prompt as G.711 RTP. Signalling is the `sip` package (kirm/sip.js: a plain UDP/TCP SIP stack
// with RFC 3261 transactions and RFC 2617 digest, usable from Node without a separate server, unlike
// drachtio-srf which needs a drachtio server, or JsSIP and SIP.js which speak SIP over WebSocket only);
// SDP is sdp-transform. One SIP stack (one UDP port) per dialer replica; one RTP socket per call.
//
// INVITE with an SDP offer (PCMU, PCMA, 8 kHz, ptime 20) to sip:<callee>@<trunk host:port>;
// 180/183 → ringing; 200 → ACK, answered, RTP to the answer's address in its codec; 486/600/603 → busy;
// any other final 3xx-6xx → failed (the reason names the code); 401/407 → the INVITE again once with
// Authorization / Proxy-Authorization from the app's username and password; no answer within
// maxRingingMs → CANCEL → no_answer; the prompt played loopCount times, or maxDurationMs → BYE →
// completed; the callee's BYE → completed.
//
// Where it sends goes through the outbound guard of libs/messaging (as webhooks do): the trunk's host is
// resolved once per call and every address checked (public, or in DIALER_ALLOWED_TRUNK_NETWORKS), and
// every request of the call (INVITE, CANCEL, ACK, BYE) is routed to that checked address (a loose Route
// to it, as to an outbound proxy), so neither a later DNS answer nor a Contact the trunk names can send
// it elsewhere; the RTP goes to the SDP answer's address only when that address passes the same check.
import { randomBytes } from 'node:crypto';
import { createSocket, Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import * as sip from 'sip';
import type { NameAddr, SipMessage, Stack } from 'sip';
import * as digest from 'sip/digest';
import type { JsonObject } from '@voxmail/contracts';
import { AllowedNetworks, LookupFn, resolveTarget } from '@voxmail/messaging';
import type { CarrierAdapter, DialHooks, DialRequest, DialResult } from '../carrier';
import type { PromptAudio } from './prompt-audio';
import { G711, play, Playback } from './rtp';
import { parseSdpAnswer, sdpOffer } from './sdp';

export interface SipCarrierOptions {
  /** The address the UA binds and puts in Via, Contact and SDP (DIALER_SIP_ADDRESS). */
  address: string;
  /** The UA's SIP port; 0 takes a free one (DIALER_SIP_PORT). */
  port: number;
  prompts: PromptAudio;
  /** How long a CANCEL or a BYE waits for the trunk before the call is over anyway. */
  byeWaitMs?: number;
  /** The private networks trunks and their RTP may be in besides public addresses (DIALER_ALLOWED_TRUNK_NETWORKS). */
  allowedNetworks?: readonly string[];
  /** How names are resolved (tests); the system resolver by default. */
  lookup?: LookupFn;
  /** How long the trunk's name may take to resolve. */
  resolveTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface SipSettings {
  trunk: sip.SipUri;
  username?: string;
  password?: string;
}

/** The app's `sip` settings (validated when the app was stored: app-doc.ts). */
export function sipSettings(s: JsonObject): SipSettings {
  const trunk = typeof s.trunk_uri === 'string' ? sip.parseUri(s.trunk_uri) : undefined;
  if (!trunk?.host) throw new Error('the app has no valid trunk_uri');
  return {
    trunk,
    ...(typeof s.username === 'string' && s.username ? { username: s.username } : {}),
    ...(typeof s.password === 'string' ? { password: s.password } : {}),
  };
}

const BUSY = new Set([486, 600, 603]);
const hex = (n: number) => randomBytes(n).toString('hex');

function bindUdp(address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket(isIPv6(address) ? 'udp6' : 'udp4');
    s.once('error', reject);
    s.bind(port, address, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}

/** A free UDP port on `address` (the sip package binds the port it is given, and 0 means 5060 to it). */
async function freeUdpPort(address: string, port = 0): Promise<number> {
  const s = await bindUdp(address, port);
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

export class SipCarrier implements CarrierAdapter {
  private stack?: Promise<{ stack: Stack; port: number }>;
  /** Calls in progress by Call-ID: requests of the trunk inside a dialog (BYE) go to their call. */
  private readonly calls = new Map<string, (rq: SipMessage) => void>();
  private readonly networks: AllowedNetworks;

  constructor(private readonly opts: SipCarrierOptions) {
    this.networks = new AllowedNetworks(opts.allowedNetworks ?? []);
  }

  /**
   * `host` resolved once and checked (public, or in the allowed networks): the one address of the UA's
   * family to send to. Throws (TargetRefused) when any address is refused.
   */
  async target(host: string): Promise<string> {
    const addresses = await resolveTarget(host, this.networks, {
      timeoutMs: this.opts.resolveTimeoutMs ?? 5000,
      ...(this.opts.lookup ? { lookup: this.opts.lookup } : {}),
    });
    const family = isIPv6(this.opts.address) ? 6 : 4;
    const a = addresses.find((x) => x.family === family);
    if (!a) throw new Error(`${host} has no IPv${family} address`);
    return a.address;
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }

  private ensureStack(): Promise<{ stack: Stack; port: number }> {
    this.stack ??= (async () => {
      const { address } = this.opts;
      // probe first: the stack's own socket has no error listener, a taken port would throw later
      const port = await freeUdpPort(address, this.opts.port);
      const stack = sip.create(
        {
          address,
          port,
          publicAddress: address,
          udp: true,
          tcp: false,
          logger: { error: (e) => this.log(`sip stack: ${(e as Error)?.message ?? String(e)}`) },
        },
        (rq) => this.onRequest(rq),
      );
      return { stack, port };
    })().catch((e: Error) => {
      this.stack = undefined;
      throw e;
    });
    return this.stack;
  }

  private onRequest(rq: SipMessage): void {
    if (rq.method === 'ACK') return;
    void this.stack?.then(({ stack }) => {
      const call = this.calls.get(rq.headers['call-id'] ?? '');
      if (call) return call(rq);
      stack.send(sip.makeResponse(rq, 481, 'Call/Transaction Does Not Exist'));
    });
  }

  async close(): Promise<void> {
    const s = this.stack;
    this.stack = undefined;
    const running = s && (await s.catch(() => undefined));
    if (!running) return;
    // a request sent a moment ago (the last BYE) goes out on the next tick: let it, then stop
    await new Promise((r) => setTimeout(r, 100));
    running.stack.destroy();
  }

  async dial(req: DialRequest, hooks: DialHooks): Promise<DialResult> {
    const settings = sipSettings(req.settings);
    // the trunk's address, checked now (a name that resolved to an allowed address when the app was
    // stored may resolve to another one since): nothing is sent to a refused one
    let hop: string;
    try {
      hop = await this.target(settings.trunk.host);
    } catch (e) {
      return { outcome: 'failed', reason: `trunk refused: ${(e as Error).message}`.slice(0, 200) };
    }
    // the sip stack takes a request for its own address to be for itself (and answers it 404)
    if (hop === this.opts.address)
      return { outcome: 'failed', reason: "the trunk is the dialer's own SIP address (DIALER_SIP_ADDRESS)" };
    // the prompt first: a call that could not play it is not placed
    const audio: Record<G711, Promise<Buffer>> = {
      PCMU: this.opts.prompts.load(req.tenantId, req.fileId, 'PCMU'),
      PCMA: this.opts.prompts.load(req.tenantId, req.fileId, 'PCMA'),
    };
    audio.PCMA.catch(() => undefined);
    try {
      await audio.PCMU;
    } catch (e) {
      return { outcome: 'failed', reason: (e as Error).message.slice(0, 200) };
    }
    const { stack, port } = await this.ensureStack();
    const rtp = await bindUdp(this.opts.address, 0);
    rtp.on('error', (e) => this.log(`rtp socket of call ${req.callId}: ${e.message}`));
    try {
      const route = `sip:${hop.includes(':') ? `[${hop}]` : hop}:${settings.trunk.port ?? 5060};lr`;
      const leg = new CallLeg(stack, port, rtp, this.opts, settings, req, hooks, audio, route, (h) =>
        this.target(h),
      );
      this.calls.set(leg.callId, (rq) => leg.onRequest(rq));
      try {
        return await leg.run();
      } finally {
        this.calls.delete(leg.callId);
      }
    } finally {
      rtp.close();
    }
  }
}

type LegState = 'calling' | 'cancelling' | 'answered' | 'ending' | 'done';

/** One outgoing call: its INVITE transaction, its dialog once answered, its RTP. */
class CallLeg {
  readonly callId = `${hex(12)}@voxmail`;
  private readonly fromTag = hex(6);
  private readonly ruri: string;
  private state: LegState = 'calling';
  private cseq = 1;
  private invite!: SipMessage;
  private authTried = false;
  private rang = false;
  private answeredAt = 0;
  /** The dialog once a 2xx came: the callee's To (with its tag) and Contact. */
  private dialog?: { to: NameAddr; target: string };
  private playback?: Playback;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** The dialer's hooks, in order: a state change is written before the next one. */
  private hookChain: Promise<void> = Promise.resolve();
  private resolve!: (r: DialResult) => void;

  constructor(
    private readonly stack: Stack,
    private readonly sipPort: number,
    private readonly rtp: Socket,
    private readonly opts: SipCarrierOptions,
    private readonly settings: SipSettings,
    private readonly req: DialRequest,
    private readonly hooks: DialHooks,
    private readonly audio: Record<G711, Promise<Buffer>>,
    /** The trunk's checked address as a loose route: the next hop of every request of the call. */
    private readonly route: string,
    /** Checks an address the trunk names (the SDP answer's): the address to send to, or throws. */
    private readonly check: (host: string) => Promise<string>,
  ) {
    this.ruri = sip.stringifyUri({ ...settings.trunk, user: req.callee, password: undefined, headers: {} });
  }

  run(): Promise<DialResult> {
    const done = new Promise<DialResult>((r) => (this.resolve = r));
    this.sendInvite();
    this.after(this.req.maxRingingMs, () => this.cancel());
    return done.then(async (r) => {
      await this.hookChain;
      return r;
    });
  }

  private after(ms: number, f: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      f();
    }, ms);
    this.timers.add(t);
  }

  private hook(f: () => Promise<void>): void {
    this.hookChain = this.hookChain.then(f).catch(() => undefined);
  }

  private from(): NameAddr {
    const user = this.req.callerId ?? this.settings.username ?? 'anonymous';
    return { uri: `sip:${user}@${this.settings.trunk.host}`, params: { tag: this.fromTag } };
  }

  private contact(): NameAddr[] {
    const host = this.opts.address.includes(':') ? `[${this.opts.address}]` : this.opts.address;
    return [{ uri: `sip:voxmail@${host}:${this.sipPort}`, params: {} }];
  }

  /** A fresh copy each time: the stack shifts a route it consumes. */
  private routeSet(): NameAddr[] {
    return [{ uri: this.route, params: {} }];
  }

  private rtpPort(): number {
    return this.rtp.address().port;
  }

  private sendInvite(challenge?: SipMessage): void {
    const rq: SipMessage = {
      method: 'INVITE',
      uri: this.ruri,
      headers: {
        to: { uri: this.ruri, params: {} },
        from: this.from(),
        'call-id': this.callId,
        cseq: { method: 'INVITE', seq: this.cseq },
        contact: this.contact(),
        'max-forwards': 70,
        'content-type': 'application/sdp',
        'user-agent': 'voxmail-dialer',
        route: this.routeSet(),
      },
      content: sdpOffer(this.opts.address, this.rtpPort()),
    };
    if (challenge)
      digest.signRequest({}, rq, challenge, {
        user: this.settings.username ?? '',
        password: this.settings.password ?? '',
      });
    this.invite = rq;
    this.stack.send(rq, (rs) => this.onInviteResponse(rs));
  }

  private onInviteResponse(rs: SipMessage): void {
    const status = rs.status ?? 0;
    // a response to the INVITE a challenge replaced
    if (rs.headers.cseq && rs.headers.cseq.seq !== this.cseq) return;
    if (status >= 200 && status < 300) return this.onSuccess(rs);
    if (this.state === 'done') return;
    if (status < 200) {
      if (status > 100 && !this.rang) {
        this.rang = true;
        this.hook(() => this.hooks.ringing());
      }
      return;
    }
    if ((status === 401 || status === 407) && !this.authTried && this.settings.username) {
      this.authTried = true;
      this.cseq++;
      return this.sendInvite(rs);
    }
    if (this.state === 'cancelling') return this.finish({ outcome: 'no_answer' });
    if (BUSY.has(status))
      return this.finish({ outcome: 'busy', reason: `sip ${status} ${rs.reason ?? ''}`.trim() });
    this.finish({ outcome: 'failed', reason: `sip ${status} ${rs.reason ?? ''}`.trim().slice(0, 200) });
  }

  /** A 2xx (or its retransmission): ACK each one; the first answers the call, unless it was given up. */
  private onSuccess(rs: SipMessage): void {
    if (!this.dialog && rs.headers.to) {
      const target = rs.headers.contact?.[0]?.uri ?? this.ruri;
      this.dialog = { to: rs.headers.to, target };
    }
    this.sendAck(rs);
    if (this.state === 'answered' || this.state === 'ending') return;
    if (this.state !== 'calling') {
      // answered after the CANCEL (or after the call was over): hang up at once
      this.sendBye();
      return this.finish({ outcome: 'no_answer' });
    }
    this.state = 'answered';
    this.answeredAt = performance.now();
    let remote;
    try {
      remote = parseSdpAnswer(rs.content ?? '');
    } catch (e) {
      this.sendBye();
      return this.finish({ outcome: 'failed', reason: (e as Error).message });
    }
    if (!this.rang) {
      this.rang = true;
      this.hook(() => this.hooks.ringing());
    }
    this.hook(() => this.hooks.answered());
    if (this.req.maxDurationMs !== null) this.after(this.req.maxDurationMs, () => this.hangUp());
    // the RTP goes to the answer's address only when it passes the trunk's check (the answer could name
    // any address: the carrier's own network, a metadata service)
    this.check(remote.host).then(
      (host) =>
        this.audio[remote.codec].then(
          (audio) => {
            if (this.state !== 'answered') return;
            const to = { host, port: remote.port };
            this.playback = play(this.rtp, to, audio, Math.max(1, this.req.loopCount), remote.codec);
            void this.playback.done.then(({ finished }) => finished && this.hangUp());
          },
          (e: Error) => {
            if (this.state !== 'answered') return;
            this.sendBye();
            this.finish({ outcome: 'failed', reason: `prompt: ${e.message}`.slice(0, 200) });
          },
        ),
      (e: Error) => {
        if (this.state !== 'answered') return;
        this.sendBye();
        this.finish({ outcome: 'failed', reason: `rtp refused: ${e.message}`.slice(0, 200) });
      },
    );
  }

  private sendAck(rs: SipMessage): void {
    if (!this.dialog) return;
    this.stack.send({
      method: 'ACK',
      uri: this.dialog.target,
      headers: {
        to: rs.headers.to,
        from: this.from(),
        'call-id': this.callId,
        cseq: { method: 'ACK', seq: rs.headers.cseq?.seq ?? this.cseq },
        via: [],
        'max-forwards': 70,
        route: this.routeSet(),
      },
    });
  }

  private sendBye(): void {
    if (!this.dialog) return;
    this.cseq++;
    this.stack.send(
      {
        method: 'BYE',
        uri: this.dialog.target,
        headers: {
          to: this.dialog.to,
          from: this.from(),
          'call-id': this.callId,
          cseq: { method: 'BYE', seq: this.cseq },
          'max-forwards': 70,
          route: this.routeSet(),
        },
      },
      () => undefined,
    );
  }

  /** Ringing too long: CANCEL; the INVITE's 487 (or the wait's end) makes it a no answer. */
  private cancel(): void {
    if (this.state !== 'calling') return;
    this.state = 'cancelling';
    const via = this.invite.headers.via?.[0];
    this.stack.send(
      {
        method: 'CANCEL',
        uri: this.invite.uri,
        headers: {
          to: { uri: this.ruri, params: {} },
          from: this.from(),
          'call-id': this.callId,
          cseq: { method: 'CANCEL', seq: this.cseq },
          via: via ? [{ ...via, params: { ...via.params } }] : [],
          'max-forwards': 70,
          route: this.routeSet(),
        },
      },
      () => undefined,
    );
    this.after(this.opts.byeWaitMs ?? 4000, () => this.finish({ outcome: 'no_answer' }));
  }

  /** The prompt has played, or maxDuration passed: BYE. */
  private hangUp(): void {
    if (this.state !== 'answered') return;
    this.state = 'ending';
    const played = this.playback?.done;
    this.playback?.stop();
    this.sendBye();
    const ms = Math.round(performance.now() - this.answeredAt);
    const full = this.req.maxDurationMs === null || ms < this.req.maxDurationMs;
    void (played ?? Promise.resolve({ sent: 0, finished: false })).then(({ sent }) =>
      this.finishEnded(
        full ? { outcome: 'completed' } : { outcome: 'completed', reason: `max_duration (${sent} packets)` },
      ),
    );
  }

  /** A request of the trunk inside this call's dialog. */
  onRequest(rq: SipMessage): void {
    if (rq.method === 'BYE') {
      this.stack.send(sip.makeResponse(rq, 200, 'OK'));
      if (this.state !== 'answered') return;
      this.state = 'done';
      const p = this.playback;
      p?.stop();
      void (p?.done ?? Promise.resolve({ sent: 0, finished: false })).then(({ finished, sent }) =>
        this.end(
          finished
            ? { outcome: 'completed' }
            : { outcome: 'completed', reason: `callee hung up (${sent} packets)` },
        ),
      );
      return;
    }
    if (rq.method === 'OPTIONS') return this.stack.send(sip.makeResponse(rq, 200, 'OK'));
    // re-INVITE, UPDATE and the like: a broadcast keeps its session as it is
    this.stack.send(sip.makeResponse(rq, rq.method === 'INVITE' ? 488 : 405, 'Not Acceptable Here'));
  }

  private finishEnded(r: DialResult): void {
    if (this.state !== 'ending') return;
    this.state = 'done';
    this.end(r);
  }

  private finish(r: DialResult): void {
    if (this.state === 'done') return;
    this.state = 'done';
    this.end(r);
  }

  private end(r: DialResult): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.playback?.stop();
    this.resolve(r);
  }
}
