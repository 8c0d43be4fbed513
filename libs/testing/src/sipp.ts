// SIPp (Debian package sip-tester) as a SIP trunk on loopback for the sip carrier's tests: one process per
// scenario (the dialer's apps/broadcast-dialer-service/test/sipp/uas-*.xml) on free ports, and a UDP
// listener that records the RTP it receives.
import { ChildProcess, spawn } from 'node:child_process';
import { createSocket, Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { which } from './infra';

/** The dialer's SIPp scenarios (found from libs/testing/src, or from its build in dist/libs/testing/src). */
export const SIPP_SCENARIOS = ((): string => {
  const rel = ['apps', 'broadcast-dialer-service', 'test', 'sipp'];
  const fromSource = join(__dirname, '..', '..', '..', ...rel);
  return existsSync(fromSource) ? fromSource : join(__dirname, '..', '..', '..', '..', ...rel);
})();

/** The sipp binary, or undefined (npm test installs it: libs/testing infra `needSipp`). */
export function sippPath(): string | undefined {
  return which('sipp');
}

/**
 * Where SIPp listens: another loopback address than the dialer's 127.0.0.1, since the sip stack takes a
 * request for its own address to be one for itself.
 */
export const SIPP_HOST = '127.0.0.2';

export async function freeUdpPort(host = '127.0.0.1'): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, host, () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface Sipp {
  port: number;
  /** Resolves with SIPp's exit code: 0 when its one call went through the scenario. */
  exited: Promise<number | null>;
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Starts SIPp on `scenario` (a file name in SIPP_SCENARIOS) for one call; `keys` become its -key values. */
export async function startSipp(scenario: string, keys: Record<string, string | number>): Promise<Sipp> {
  const port = await freeUdpPort(SIPP_HOST);
  const mediaPort = await freeUdpPort(SIPP_HOST);
  const args = [
    '-sf',
    join(SIPP_SCENARIOS, scenario),
    '-i',
    SIPP_HOST,
    '-p',
    String(port),
    '-mp',
    String(mediaPort),
  ];
  args.push('-m', '1', '-nostdin', '-timeout', '90s', '-timeout_error');
  for (const [k, v] of Object.entries(keys)) args.push('-key', k, String(v));
  const child = spawn(sippPath() ?? 'sipp', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-20000)));
  child.stderr.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-20000)));
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    });
    child.once('error', () => resolve(-1));
  });
  // SIPp is listening once it printed its first screen; a fixed short wait is enough on loopback
  await new Promise((r) => setTimeout(r, 300));
  return {
    port,
    exited,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Kills every SIPp still running (afterAll). */
export async function stopAllSipp(): Promise<void> {
  for (const c of [...running]) c.kill('SIGKILL');
  running.clear();
}

export interface RtpPacket {
  version: number;
  marker: boolean;
  pt: number;
  seq: number;
  timestamp: number;
  ssrc: number;
  payload: number;
  at: number;
}

/** A UDP socket on loopback that records the RTP packets sent to it. */
export class RtpListener {
  readonly packets: RtpPacket[] = [];
  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on('message', (m: Buffer) => {
      if (m.length < 12) return;
      this.packets.push({
        version: m[0] >> 6,
        marker: (m[1] & 0x80) !== 0,
        pt: m[1] & 0x7f,
        seq: m.readUInt16BE(2),
        timestamp: m.readUInt32BE(4),
        ssrc: m.readUInt32BE(8),
        payload: m.length - 12,
        at: performance.now(),
      });
    });
  }

  static async start(): Promise<RtpListener> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    return new RtpListener(s, s.address().port);
  }

  close(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }
}
