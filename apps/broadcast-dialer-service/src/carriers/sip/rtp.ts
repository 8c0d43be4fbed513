// RTP for the SIP carrier: G.711 audio (8 kHz, 8 bits a sample) cut into 20 ms packets of 160 bytes with
// RFC 3550 headers, sent at 50 packets a second by a timer scheduled against the start time (a late
// timer sends what is due at once, so the stream never drifts behind the clock).
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:dgram';

export type G711 = 'PCMU' | 'PCMA';
/** Static RTP payload types of RFC 3551. */
export const PAYLOAD_TYPE: Record<G711, number> = { PCMU: 0, PCMA: 8 };
/** A sample of silence in each law (the pad of a last, short packet). */
export const SILENCE: Record<G711, number> = { PCMU: 0xff, PCMA: 0xd5 };
export const PACKET_BYTES = 160;
export const PACKET_MS = 20;

/** The RTP packets of `audio` played `loops` times: 160 payload bytes each, the last padded with silence. */
export function* rtpPackets(
  audio: Buffer,
  loops: number,
  codec: G711,
  ids: { ssrc: number; seq: number; timestamp: number },
): Generator<Buffer> {
  const total = audio.length * loops;
  const count = Math.ceil(total / PACKET_BYTES);
  for (let i = 0; i < count; i++) {
    const p = Buffer.alloc(12 + PACKET_BYTES, SILENCE[codec]);
    p[0] = 0x80; // version 2, no padding, no extension, no CSRC
    p[1] = (i === 0 ? 0x80 : 0) | PAYLOAD_TYPE[codec]; // marker on the first packet of the talk spurt
    p.writeUInt16BE((ids.seq + i) & 0xffff, 2);
    p.writeUInt32BE((ids.timestamp + i * PACKET_BYTES) >>> 0, 4);
    p.writeUInt32BE(ids.ssrc >>> 0, 8);
    for (let j = 0; j < PACKET_BYTES; j++) {
      const k = i * PACKET_BYTES + j;
      if (k >= total) break;
      p[12 + j] = audio[k % audio.length];
    }
    yield p;
  }
}

export function randomRtpIds(): { ssrc: number; seq: number; timestamp: number } {
  const r = randomBytes(10);
  return { ssrc: r.readUInt32BE(0), seq: r.readUInt16BE(4), timestamp: r.readUInt32BE(6) };
}

export interface Playback {
  /** Resolves with the packets sent when the prompt has played or `stop()` was called. */
  done: Promise<{ sent: number; finished: boolean }>;
  stop(): void;
}

/** Sends `audio` `loops` times to host:port over `socket`, one packet every 20 ms of the start time. */
export function play(
  socket: Socket,
  to: { host: string; port: number },
  audio: Buffer,
  loops: number,
  codec: G711,
  now: () => number = () => performance.now(),
): Playback {
  const packets = rtpPackets(audio, loops, codec, randomRtpIds());
  const start = now();
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  let resolve!: (v: { sent: number; finished: boolean }) => void;
  const done = new Promise<{ sent: number; finished: boolean }>((r) => (resolve = r));
  let over = false;
  const end = (finished: boolean) => {
    if (over) return;
    over = true;
    if (timer) clearTimeout(timer);
    resolve({ sent, finished });
  };
  const step = () => {
    if (over) return;
    // every packet whose time has come (more than one when the timer was late)
    while (now() >= start + sent * PACKET_MS) {
      const next = packets.next();
      if (next.done) return end(true);
      socket.send(next.value, to.port, to.host);
      sent++;
    }
    timer = setTimeout(step, Math.max(1, start + sent * PACKET_MS - now()));
  };
  step();
  return { done, stop: () => end(false) };
}
