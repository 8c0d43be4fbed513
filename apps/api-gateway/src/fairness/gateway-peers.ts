// How many gateway replicas are serving now, so that each enforces its share of a rate set for all of
// them: every replica announces itself on a NATS subject once a second and counts the others it heard
// within the last few seconds. No round trip per request; when NATS is unreachable a replica counts
// only itself (it then enforces the whole rate alone, the safe side for tenants).
import { randomBytes } from 'node:crypto';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { NatsConnection, Subscription } from 'nats';
import { NATS_CONNECTION } from '@voxmail/messaging';

export const GATEWAY_PRESENCE_SUBJECT = 'voxmail.gateway.presence';
const ANNOUNCE_MS = 1000;
/** A replica not heard from for this long is gone. */
const FORGET_MS = 3500;

@Injectable()
export class GatewayPeers implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly id = randomBytes(8).toString('hex');
  private readonly seen = new Map<string, number>();
  private sub?: Subscription;
  private timer?: NodeJS.Timeout;

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  onApplicationBootstrap(): void {
    this.sub = this.nc.subscribe(GATEWAY_PRESENCE_SUBJECT, {
      callback: (err, msg) => {
        if (err) return;
        const id = msg.string();
        if (/^[0-9a-f]{16}$/.test(id) && id !== this.id) this.seen.set(id, Date.now());
      },
    });
    const announce = () => {
      try {
        if (!this.nc.isClosed()) this.nc.publish(GATEWAY_PRESENCE_SUBJECT, this.id);
      } catch {
        // draining or disconnected: the others forget this replica, as they should
      }
    };
    announce();
    this.timer = setInterval(announce, ANNOUNCE_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    try {
      this.sub?.unsubscribe();
    } catch {
      // the connection closed first
    }
  }

  /** Replicas serving now, this one included. */
  count(): number {
    const now = Date.now();
    let n = 1;
    for (const [id, at] of this.seen) {
      if (now - at > FORGET_MS) this.seen.delete(id);
      else n++;
    }
    return n;
  }
}
