// broadcast-dialer-service: broadcasts, calls, pacing, carriers. Add a variable: one line in `dialerSettingsSpec`
// (README: Configuration).
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { ffmpegPath, service, voxmailSecret, webhookPrivateTargets } from '../shared';
import { computed, custom, fixed, int, ip, ms, num, text } from '../schema';

/** Milliseconds since the epoch; injectable so tests can stand at the Onbuka document's own time. */
export type Clock = () => number;

/** Comma-separated CIDRs (`10.20.0.0/16,fd00::/8`); a bare address is one host. */
function readTrunkNetworks(raw: string): string[] {
  const out: string[] = [];
  for (const part of raw.split(',')) {
    const v = part.trim();
    if (!v) continue;
    const cidr = v.includes('/') ? v : `${v}/${isIP(v) === 6 ? 128 : 32}`;
    try {
      const [addr, bits] = ipaddr.parseCIDR(cidr);
      out.push(`${addr.toString()}/${bits}`);
    } catch {
      throw new Error(`must list CIDR networks (e.g. 10.20.0.0/16): ${v} is not one`);
    }
  }
  return out;
}

// prettier-ignore
export const dialerSettingsSpec = {
  secret: voxmailSecret,
  tickMs: ms('DIALER_TICK_MS', 50, [5, 10000], 'how often a replica looks for calls to dial; see [Broadcasts](#broadcasts-native-v2accountsid)'),
  leaseMs: ms('DIALER_LEASE_MS', 15000, [200, 600000], "how long a claimed call stays a replica's without renewal; a lapsed lease is swept"),
  maxInFlight: int('DIALER_MAX_IN_FLIGHT', 500, [1, 100000], 'calls one replica keeps in progress at most, whatever the apps allow'),
  /** The Onbuka face's allowed clock skew, and how long a seen (Api-Key, Timestamp, Sign) is kept. */
  skewSeconds: fixed(300),
  replicaId: text('DIALER_REPLICA_ID', computed(() => `dialer-${process.pid}-${randomBytes(3).toString('hex')}`), "this replica's name in call leases", { shown: '`dialer-<pid>-<random>`' }),
  clock: fixed<Clock>(Date.now),
  commandTimeoutMs: ms('DIALER_COMMAND_TIMEOUT_MS', 5000, [100, 120000], "time allowed to mailbox-service's (Onbuka keys) and media-storage-service's (prompts) commands"),
  /** The sip carrier's user agent. */
  sip: {
    address: ip('DIALER_SIP_ADDRESS', '127.0.0.1', 'the `sip` adapter listens on and announces (Via, Contact, SDP) this address: one the trunk reaches'),
    port: int('DIALER_SIP_PORT', 0, [0, 65535], 'the `sip` adapter\'s UDP port (`0`: a free one)'),
    ffmpegPath,
    allowedTrunkNetworks: custom('DIALER_ALLOWED_TRUNK_NETWORKS', [] as string[], readTrunkNetworks, 'a list of CIDR networks', "private networks (CIDR list, the operator's) a `sip` trunk and its RTP may be in besides public addresses", { shown: 'empty' }),
  },
  /** Broadcast apps' webhooks (`webhook_url`). */
  webhooks: {
    allowPrivateTargets: webhookPrivateTargets,
    timeoutMs: ms('DIALER_WEBHOOK_TIMEOUT_MS', 5000, [100, 60000], "a broadcast app webhook POST's time"),
    attempts: int('DIALER_WEBHOOK_ATTEMPTS', 5, [1, 20], 'attempts in all before a delivery is given up'),
    retryBaseMs: ms('DIALER_WEBHOOK_RETRY_BASE_MS', 1000, [10, 3600000], 'first retry delay (each next one doubles)'),
    pollMs: ms('DIALER_WEBHOOK_POLL_MS', 200, [10, 60000], 'how often due deliveries are looked for'),
  },
  /** Per-account ceilings when the operator (or a reseller above) set none (`/v2/accounts/{id}/limits`). */
  accounts: {
    maxConcurrentCalls: int('DIALER_ACCOUNT_MAX_CONCURRENT_CALLS', 500, [1, 100000], "an account's calls in progress across replicas, where its `/limits` set none"),
    callsPerSecond: num('DIALER_ACCOUNT_CALLS_PER_SECOND', 100, [1, 10000], "an account's call starts per second across replicas and apps, where its `/limits` set none"),
    maxQueuedCalls: int('DIALER_ACCOUNT_MAX_QUEUED_CALLS', 10000, [1, 10000000], "an account's queued calls; a batch over it is refused whole"),
    reservedSlots: int('DIALER_RESERVED_SLOTS', 50, [0, 100000], 'slots of a replica kept for accounts holding few (a newcomer always starts)'),
  },
};

export const dialerSpec = {
  ...service,
  dialer: dialerSettingsSpec,
};
