// Outbound HTTP to addresses a tenant chose (webhooks of notification-service, broadcast apps' webhooks):
// never into the carrier's own network (loopback, link-local such as the cloud metadata address, private and
// other special ranges) unless the operator allows it. The name is resolved once, every address checked,
// and the socket connects to the checked address (http's `lookup` hook), so a DNS answer cannot change
// between the check and the connect.
import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** `false`: public addresses only; `loopback`: also 127/8 and ::1 (tests, development); `true`: any. */
export type PrivateTargets = boolean | 'loopback';

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

const special = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  special.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['64:ff9b::', 96],
] as const)
  special.addSubnet(net, bits, 'ipv6');

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is checked as the IPv4 address it carries. */
function unmapped(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (m) return { address: m[1], family: 'ipv4' };
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

/** Why an address may not be reached, or null when it may. */
export function refusedAddress(address: string, allow: PrivateTargets): string | null {
  if (allow === true) return null;
  const a = unmapped(address);
  if (loopback.check(a.address, a.family)) return allow === 'loopback' ? null : 'a loopback address';
  if (special.check(a.address, a.family)) return 'a private, link-local or reserved address';
  return null;
}

export class TargetRefused extends Error {}

/**
 * Private networks the operator allows beyond public addresses (a CIDR list such as the dialer's
 * DIALER_ALLOWED_TRUNK_NETWORKS: real carriers' trunks often sit on private networks). Never a tenant's.
 */
export class AllowedNetworks {
  private readonly nets: [ipaddr.IPv4 | ipaddr.IPv6, number][];

  constructor(cidrs: readonly string[] = []) {
    this.nets = cidrs.map((c) => ipaddr.parseCIDR(c));
  }

  /** Whether `address` (an IPv4-mapped IPv6 address as the IPv4 one it carries) is in one of them. */
  has(address: string): boolean {
    if (!this.nets.length || !ipaddr.isValid(address)) return false;
    const a = ipaddr.process(address);
    return this.nets.some(([net, bits]) => a.kind() === net.kind() && a.match(net, bits));
  }
}

/** Why an address may not be reached: public addresses may, and those in `networks`; null when it may. */
export function refusedTarget(address: string, networks: AllowedNetworks): string | null {
  if (networks.has(address)) return null;
  return refusedAddress(address, false);
}

/**
 * Resolves `host` once (an address is itself) and checks every address it has (a name with one refused
 * answer is refused whole); the addresses, or a TargetRefused naming why. A name that does not resolve
 * within `timeoutMs` is an error (not a TargetRefused). The caller connects to an address answered here,
 * never to the name again, so a DNS answer cannot change between the check and the use.
 */
export function resolveTarget(
  host: string,
  networks: AllowedNetworks,
  o: { timeoutMs?: number; lookup?: LookupFn } = {},
): Promise<LookupAddress[]> {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  const check = (addresses: LookupAddress[]): LookupAddress[] => {
    if (!addresses.length) throw new TargetRefused(`${bare} has no address`);
    for (const a of addresses) {
      const why = refusedTarget(a.address, networks);
      if (why) throw new TargetRefused(`${bare} ${isIP(bare) ? 'is' : 'resolves to'} ${why}`);
    }
    return addresses;
  };
  if (isIP(bare)) {
    try {
      return Promise.resolve(check([{ address: bare, family: isIP(bare) }]));
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }
  const resolve = o.lookup ?? (dnsLookup as unknown as LookupFn);
  return new Promise((res, rej) => {
    const timer = setTimeout(
      () => rej(new Error(`${bare} did not resolve within ${o.timeoutMs ?? 5000} ms`)),
      o.timeoutMs ?? 5000,
    );
    resolve(bare, { all: true }, (err, addresses) => {
      clearTimeout(timer);
      if (err) return rej(err);
      try {
        res(check(addresses));
      } catch (e) {
        rej(e as Error);
      }
    });
  });
}

export type LookupFn = (
  host: string,
  options: { all: true },
  cb: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/**
 * A `lookup` for http.request: resolves the name, refuses when any answer is not allowed (a name with one
 * private answer is refused whole) and hands the socket the address it checked.
 */
export function guardedLookup(allow: PrivateTargets, resolve: LookupFn = dnsLookup as unknown as LookupFn) {
  return (
    host: string,
    options: { all?: boolean },
    cb: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    resolve(host, { all: true }, (err, addresses) => {
      if (err) return cb(err, '', 0);
      if (!addresses.length) return cb(new TargetRefused(`${host} has no address`), '', 0);
      for (const a of addresses) {
        const why = refusedAddress(a.address, allow);
        if (why) return cb(new TargetRefused(`${host} resolves to ${why}`), '', 0);
      }
      if (options.all) return cb(null, addresses);
      cb(null, addresses[0].address, addresses[0].family);
    });
  };
}

/** Exponential backoff of outbound deliveries: base, 2*base, 4*base ... capped at an hour. */
export function retryDelayMs(baseMs: number, attemptsSoFar: number): number {
  return Math.min(3600000, baseMs * 2 ** Math.max(0, attemptsSoFar - 1));
}

export interface AttemptResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** One POST: no redirect followed (a 3xx is a failure), a bounded time, only allowed addresses. */
export function postOnce(
  uri: string,
  headers: Record<string, string>,
  body: Buffer,
  o: { timeoutMs: number; allowPrivate: PrivateTargets },
): Promise<AttemptResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean, statusCode: number | null, error: string | null) => {
      if (settled) return;
      settled = true;
      resolve({ ok, statusCode, error: error?.slice(0, 500) ?? null, durationMs: Date.now() - started });
    };
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      return done(false, null, 'bad uri');
    }
    const lib = url.protocol === 'https:' ? https : http;
    let req: http.ClientRequest;
    try {
      req = lib.request(
        url,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': String(body.length) },
          lookup: guardedLookup(o.allowPrivate) as never,
          timeout: o.timeoutMs,
          agent: false,
        },
        (res) => {
          // the status line is the receiver's answer: the attempt is decided here, the body only drained
          // (waiting for its end let a timeout that fired meanwhile turn an answered 200 into a failure,
          // and the retry then delivered the same delivery id again after the receiver had accepted it)
          const code = res.statusCode ?? 0;
          done(code >= 200 && code < 300, code, code >= 200 && code < 300 ? null : `HTTP ${code}`);
          res.on('error', () => undefined);
          res.resume();
        },
      );
    } catch (e) {
      // refused before anything is sent (a header value Node will not write): a failed attempt
      return done(false, null, `not sent: ${(e as Error).message}`);
    }
    // a timer that fires in the same turn as the answer arrives (a busy event loop) yields to it: the
    // destroy waits for the I/O callbacks of this turn (after an answer it only cuts a body that drags)
    const timeOut = () => setImmediate(() => req.destroy(new Error(`timed out after ${o.timeoutMs} ms`)));
    const deadline = setTimeout(timeOut, o.timeoutMs);
    req.on('timeout', timeOut);
    req.on('error', (e) => done(false, null, e.message));
    req.on('close', () => clearTimeout(deadline));
    req.end(body);
  });
}
