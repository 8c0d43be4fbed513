// Medium tests feed a service the events other services would publish, and read its coded refusals.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { simpleParser, ParsedMail } from 'mailparser';
import { NatsConnection } from 'nats';
import { SMTPServer } from 'smtp-server';

/** Publishes an event onto JetStream as a producer's outbox relay does (its id as Nats-Msg-Id); its id. */
export async function publishEvent(
  nc: NatsConnection,
  tenantId: string,
  type: string,
  aggregateId: string,
  data: object,
): Promise<string> {
  const id = randomUUID();
  const envelope = {
    id,
    type,
    version: 1,
    tenantId,
    aggregateId,
    occurredAt: new Date().toISOString(),
    data,
  };
  await nc.jetstream().publish(`voxmail.evt.${tenantId}.${type}`, JSON.stringify(envelope), { msgID: id });
  return id;
}

/** An SMTP server on loopback that accepts every e-mail and keeps it, parsed. */
export class SmtpRecorder {
  readonly mails: { envelopeTo: string[]; mail: ParsedMail }[] = [];
  /** Runs while the server holds an e-mail's DATA, before it accepts it (a test's fault injection). */
  whileReceiving: ((mail: ParsedMail) => Promise<void>) | undefined;
  private server!: SMTPServer;

  static async start(): Promise<SmtpRecorder> {
    const r = new SmtpRecorder();
    r.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, cb) {
        const envelopeTo = session.envelope.rcptTo.map((a) => a.address);
        simpleParser(stream)
          .then(async (mail) => {
            await r.whileReceiving?.(mail);
            r.mails.push({ envelopeTo, mail });
            cb();
          })
          .catch(cb);
      },
    });
    await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve));
    return r;
  }

  get port(): number {
    return (this.server.server.address() as AddressInfo).port;
  }

  /** The first e-mail received (or arriving within `timeoutMs`) that `pred` accepts. */
  async waitFor(
    pred: (mail: ParsedMail) => boolean,
    timeoutMs = 15000,
  ): Promise<SmtpRecorder['mails'][number]> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.mails.find((m) => pred(m.mail));
      if (hit) return hit;
      if (Date.now() > end)
        throw new Error(`no matching e-mail within ${timeoutMs} ms (${this.mails.length} received)`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  stop(): Promise<void> {
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
