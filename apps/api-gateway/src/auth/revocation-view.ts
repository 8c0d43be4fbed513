// This gateway replica's copy of the revocations bucket: read fully at start, then watched, so a token is
// checked against revocations with a few map lookups and no network hop.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { KV, KvEntry, NatsConnection, QueuedIterator } from 'nats';
import type { GatewayConfig } from '@voxmail/config';
import {
  REVOCATIONS_BUCKET,
  REVOCATIONS_HEARTBEAT_INTERVAL_MS,
  REVOCATIONS_HEARTBEAT_KEY,
  Revocation,
  parseRevocation,
} from '@voxmail/contracts';
import { NATS_CONNECTION } from '@voxmail/messaging';
import { GATEWAY_CONFIG } from '../common/command-bus';

@Injectable()
export class RevocationView implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(RevocationView.name);
  private readonly entries = new Map<string, Revocation>();
  /**
   * When this replica last received mailbox-service's heartbeat (its own clock, so no clock skew). The
   * bucket is one ordered stream: having seen a heartbeat means having seen every revocation written
   * before it. 0 until the first one, and again after a disconnection until a new one arrives.
   */
  private lastHeartbeatAt = 0;
  private connected = true;
  private watcher?: QueuedIterator<KvEntry>;
  private watching?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private lastWatchStart = 0;
  private stopped = false;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    void this.followStatus();
    // Start without blocking on NATS: until the view is current, tokens are checked by mailbox-service.
    await this.startWatch().catch((e: Error) => this.log.warn(`revocations not watched yet: ${e.message}`));
    this.timer = setInterval(() => this.repair(), REVOCATIONS_HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.watcher?.stop();
    await this.watching;
  }

  /** True when every revocation older than a heartbeat interval or so is known to this replica. */
  isCurrent(): boolean {
    return (
      this.connected &&
      !this.nc.isClosed() &&
      Date.now() - this.lastHeartbeatAt < this.config.revocationStaleMs
    );
  }

  /** False when NATS is known to be unreachable: asking mailbox-service would only time out. */
  canAskMailbox(): boolean {
    return this.connected && !this.nc.isClosed();
  }

  get(key: string): Revocation | undefined {
    return this.entries.get(key);
  }

  private async followStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect' || s.type === 'staleConnection') {
        this.connected = false;
        this.lastHeartbeatAt = 0;
      } else if (s.type === 'reconnect') {
        // current again only after a heartbeat that came through the new connection
        this.connected = true;
        this.lastHeartbeatAt = 0;
      }
    }
    this.connected = false;
  }

  private async startWatch(): Promise<void> {
    this.lastWatchStart = Date.now();
    const kv: KV = await this.nc.jetstream().views.kv(REVOCATIONS_BUCKET, {
      history: 1,
      replicas: this.config.natsStreamReplicas,
    });
    this.watcher?.stop();
    const watcher = await kv.watch({ key: '>' });
    this.watcher = watcher;
    this.watching = (async () => {
      for await (const e of watcher) this.apply(e);
    })().catch((e: Error) => this.log.warn(`revocation watch ended: ${e.message}`));
  }

  private apply(e: KvEntry): void {
    if (e.key === REVOCATIONS_HEARTBEAT_KEY) {
      // The initial read of the bucket replays the last heartbeat, which may be old (mailbox-service
      // down): it counts from when it was written, not from when it reached us.
      const writtenAt = Number(e.string());
      this.lastHeartbeatAt = Number.isFinite(writtenAt) ? Math.min(Date.now(), writtenAt) : 0;
      return;
    }
    if (e.operation !== 'PUT') {
      // only pruned entries are deleted: every token they could refuse has expired
      this.entries.delete(e.key);
      return;
    }
    const next = parseRevocation(e.string());
    const prev = this.entries.get(e.key);
    // two mailbox replicas may publish the same change; the later revocation wins
    if (!prev || next.before >= prev.before) this.entries.set(e.key, next);
  }

  /** A watch that delivers no heartbeat although NATS is up is restarted (at most once per stale period). */
  private repair(): void {
    if (this.stopped || this.isCurrent() || !this.canAskMailbox()) return;
    if (Date.now() - this.lastWatchStart < this.config.revocationStaleMs) return;
    this.startWatch().catch((e: Error) => this.log.warn(`revocations not watched: ${e.message}`));
  }
}
