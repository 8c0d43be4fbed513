// A webhook receiver for tests and benches: records every request (headers, raw body) and answers with
// the status a test scripts (`respond`), like a subscriber's endpoint that fails, redirects or recovers.
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedHook {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  at: number;
  status: number;
}

export class WebhookReceiver {
  readonly received: ReceivedHook[] = [];
  /** The status to answer a request with; per path so one receiver serves several webhooks. */
  respond: (path: string, nth: number) => number = () => 200;
  private readonly counts = new Map<string, number>();

  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const nth = (this.counts.get(path) ?? 0) + 1;
      this.counts.set(path, nth);
      const status = this.respond(path, nth);
      this.received.push({
        path,
        headers: req.headers,
        body: Buffer.concat(chunks),
        at: Date.now(),
        status,
      });
      if (status >= 300 && status < 400) res.setHeader('Location', `${path}/redirected`);
      res.statusCode = status;
      res.end();
    });
  });

  /** A receiver listening on a free loopback port. */
  static async start(): Promise<WebhookReceiver> {
    return new WebhookReceiver().listen();
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  on(path: string): ReceivedHook[] {
    return this.received.filter((r) => r.path === path);
  }

  /** Waits until `pred` holds over what was received. */
  async waitUntil(pred: (r: ReceivedHook[]) => boolean, timeoutMs = 10000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!pred(this.received)) {
      if (Date.now() > end)
        throw new Error(
          `receiver: condition not met within ${timeoutMs} ms (${this.received.length} received)`,
        );
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
