// The dialer's background work (the tick's claims and sweeps, each call's progress and final writes, app
// webhook deliveries) shares the service's one connection pool (libs/persistence: 10) with the commands
// of clients. Hundreds of calls ending together would otherwise take every connection, and a command
// (a cancel, a GET) would wait for one until its deadline passed: answered 503 though it was done. The
// background work goes through this gate: at most BACKGROUND_CONNECTIONS of it hold a connection at
// once, the rest wait here, in order and without a timeout (their work is not lost, only queued). The
// pool's other connections serve the commands, the lease renewal (one at a time) and the outbox relay
// (its batch and its LISTEN client).
import { Injectable } from '@nestjs/common';

/** Connections of the pool background work may hold at once. */
export const BACKGROUND_CONNECTIONS = 5;

@Injectable()
export class BackgroundGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit = BACKGROUND_CONNECTIONS) {}

  /**
   * `first`: the tick's claims, which pace the calls (a claim late by more than the bucket's burst loses
   * calls per second), wait ahead of the queued call writes, whose lateness costs nothing.
   */
  async run<T>(f: () => Promise<T>, o: { first?: boolean } = {}): Promise<T> {
    if (this.active >= this.limit)
      await new Promise<void>((r) => (o.first ? this.waiting.unshift(r) : this.waiting.push(r)));
    else this.active++;
    try {
      return await f();
    } finally {
      const next = this.waiting.shift();
      // the slot passes to the next waiter as is; only when none waits is it freed
      if (next) next();
      else this.active--;
    }
  }
}
