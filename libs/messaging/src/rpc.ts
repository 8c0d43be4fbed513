// Command request/reply over NATS: the services' command server (each `@HandleCommand` method bound to a
// plain nats.js queue subscription) and the gateway's client. The wire format is Nest's NATS packet
// (`{pattern, data, id}` in, `{response, isDisposed, id}` out), so either side may still be Nest's own.
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import {
  connect,
  createInbox,
  ErrorCode as NatsErrorCode,
  headers as natsHeaders,
  JSONCodec,
  Msg,
  NatsConnection,
  NatsError,
  Subscription,
} from 'nats';
import { CommandDef, DomainError, ErrorCode, Reply, ReplyOf, RequestOf } from '@voxmail/contracts';
import { isDatabaseUnavailable } from '@voxmail/persistence';
import { databaseUnavailable } from './database-outage';
import {
  abandonedReply,
  DEADLINE_HEADER,
  deadlinePassed,
  IDEMPOTENCY_FRESH_HEADER,
  IDEMPOTENCY_HASH_HEADER,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_RESOLVE_HEADER,
  IDEMPOTENT_SUBJECTS,
  IdempotencyStore,
  isAbandonedReply,
  isCommandKey,
  keyReused,
  inProgress,
  newGatewayKey,
  parseDeadline,
  replyGraceMs,
  requestHash,
  scopeOf,
} from './idempotency';
import { Metrics } from './metrics';
import {
  currentRequestContext,
  REQUEST_ID_HEADER,
  RequestContext,
  runWithRequestContext,
  sanitizeRequestId,
} from './request-context';

let inFlight = 0;

/** Resolves when no command is being handled in this process, or after `maxMs`. */
export async function commandsSettled(maxMs: number): Promise<void> {
  const end = Date.now() + maxMs;
  while (inFlight > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
}

/** A command handler as the server calls it: the (validating) method bound to its instance. */
export interface CommandBinding {
  def: CommandDef;
  handle: (payload: unknown) => unknown;
}

export interface CommandServerOptions {
  servers: string[];
  queue: string;
  name: string;
  /** How long a stop waits for the commands already routed here (drain) and those running. */
  drainTimeoutMs: number;
  /** The handlers, asked for when the server starts listening (after Nest made the instances). */
  bindings: () => CommandBinding[];
  /** The service's idempotency keys, when it has a store. */
  keys?: () => IdempotencyStore | undefined;
}

const packetCodec = JSONCodec<NestPacket>();

/**
 * The services' command transport, a Nest custom transport strategy: each `@HandleCommand` method gets
 * one nats.js queue subscription (the service's queue group, so replicas share the load) whose callback
 * calls it directly; no rxjs and no Nest pipeline per message. Around the call it does what every
 * command needs: the request's context (id and deadline from NATS headers), a command whose deadline has
 * passed is not started, a create sent with an idempotency key (`idempotency.ts`) answers the recorded
 * reply when the key was seen, else runs with a claim its transaction commits with, and records its
 * reply; the answer is `{ok: true, data}` or `{ok: false, error}`, a PostgreSQL outage a coded 503 and an
 * internal error's text never leaks. It stops the way a replica must leave a queue group: it drains its
 * subscriptions (messages the server already routed to it are still handled), waits for in-flight
 * commands to reply, then closes its connection.
 */
export class CommandServer extends Server implements CustomTransportStrategy {
  private readonly log = new Logger('Commands');
  private nc?: NatsConnection;
  private subscriptions: Subscription[] = [];

  constructor(private readonly o: CommandServerOptions) {
    super();
  }

  async listen(callback: (err?: unknown) => void): Promise<void> {
    try {
      this.nc = await connect({ servers: this.o.servers, name: this.o.name, maxReconnectAttempts: -1 });
      void this.watchStatus(this.nc);
      const keys = this.o.keys?.();
      for (const b of this.o.bindings()) {
        const subject = b.def.subject;
        const run = new CommandRun(b, keys, this.log);
        this.subscriptions.push(
          this.nc.subscribe(subject, {
            queue: this.o.queue,
            callback: (err, msg) => {
              if (err) return this.log.error(`subscription ${subject}: ${err.message}`);
              void run.handle(msg);
            },
          }),
        );
      }
      callback();
    } catch (e) {
      callback(e);
    }
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'error') this.log.error(`NATS ${s.type}: ${String(s.data)}`);
      else if (s.type === 'reconnect') this.log.log(`NATS reconnected: ${String(s.data)}`);
    }
  }

  async close(): Promise<void> {
    const subs = this.subscriptions;
    await Promise.race([
      Promise.all(subs.map((s) => s.drain().catch(() => undefined))),
      new Promise((r) => setTimeout(r, this.o.drainTimeoutMs)),
    ]);
    subs.length = 0;
    await commandsSettled(this.o.drainTimeoutMs);
    await this.nc?.close().catch(() => undefined);
    this.nc = undefined;
  }

  on(): never {
    throw new Error('CommandServer does not emit events');
  }

  unwrap<T>(): T {
    if (!this.nc) throw new Error('CommandServer is not listening');
    return this.nc as T;
  }
}

/** One subject's handling: its handler, its metrics children, the service's idempotency store. */
class CommandRun {
  private readonly subject: string;
  private readonly idempotent: boolean;
  private readonly seconds: ReturnType<typeof Metrics.commandSeconds.labels>;

  constructor(
    private readonly b: CommandBinding,
    private readonly keys: IdempotencyStore | undefined,
    private readonly log: Logger,
  ) {
    this.subject = b.def.subject;
    this.idempotent = !!keys && IDEMPOTENT_SUBJECTS.has(this.subject);
    this.seconds = Metrics.commandSeconds.labels(this.subject);
  }

  async handle(msg: Msg): Promise<void> {
    let packet: NestPacket;
    try {
      packet = packetCodec.decode(msg.data);
    } catch {
      this.log.warn(`command ${this.subject}: a message that is not JSON was dropped`);
      return;
    }
    // Nest's packet carries the payload in `data`; a message without an id expects no answer
    const isPacket = !!packet && typeof packet === 'object' && 'id' in packet;
    const payload = isPacket ? packet.data : packet;
    await this.run(msg, payload, (reply) => {
      if (!isPacket || !msg.reply) return;
      try {
        msg.respond(packetCodec.encode({ response: reply, isDisposed: true, id: packet.id }));
      } catch (e) {
        this.log.warn(`command ${this.subject}: the reply could not be sent (${(e as Error).message})`);
      }
    });
  }

  private run(msg: Msg, payload: unknown, respond: (r: Reply<unknown>) => void): Promise<void> {
    const h = msg.headers;
    const deadline = parseDeadline(h?.get(DEADLINE_HEADER));
    const ctx: RequestContext = {
      requestId: sanitizeRequestId(h?.get(REQUEST_ID_HEADER)),
      deadline,
      idempotency: undefined,
      idempotencyKey: undefined,
    };
    if (this.idempotent) {
      const key = h?.get(IDEMPOTENCY_KEY_HEADER);
      const hash = h?.get(IDEMPOTENCY_HASH_HEADER);
      if (isCommandKey(key) && hash) {
        ctx.idempotency = {
          scope: scopeOf(payload),
          key,
          hash,
          subject: this.subject,
          recorded: false,
          fresh: h?.get(IDEMPOTENCY_FRESH_HEADER) === '1',
          resolveUntil: parseDeadline(h?.get(IDEMPOTENCY_RESOLVE_HEADER)),
        };
      }
    }
    const end = this.seconds.startTimer();
    inFlight++;
    return runWithRequestContext(ctx, async () => {
      const store = currentRequestContext()!;
      const claim = store.idempotency;
      let reply: Reply<unknown>;
      try {
        reply = await this.answer(store, payload);
      } catch (e) {
        reply = this.toErrorReply(e);
      }
      // work the handler left running (a timer it set) is no longer this command's: no deadline, no key
      store.deadline = undefined;
      store.idempotency = undefined;
      end();
      Metrics.commands.inc({ subject: this.subject, outcome: reply.ok ? 'ok' : reply.error.code });
      // answered first, then recorded beside its key: the answer is not held up by that write (a retry
      // or a resolve arriving in between is told 409 and asks again)
      respond(reply);
      try {
        if (claim?.recorded && reply.ok) await this.recordReply(claim, reply);
      } finally {
        inFlight--;
      }
    });
  }

  private async answer(ctx: RequestContext, payload: unknown): Promise<Reply<unknown>> {
    if (ctx.deadline !== undefined && Date.now() >= ctx.deadline) throw deadlinePassed();
    try {
      return await this.keyedAnswer(ctx, payload);
    } catch (e) {
      // a PostgreSQL outage (met by the handler or by the key's lookup) answers the coded 503
      // (database-outage.ts), not an internal error
      if (e instanceof DomainError || !isDatabaseUnavailable(e)) throw e;
      this.log.warn(`command ${this.subject}: database unavailable (${(e as Error).message})`);
      throw databaseUnavailable();
    }
  }

  /** The handler's answer, or (a create under a key) the recorded one, or a resolve's. */
  private async keyedAnswer(ctx: RequestContext, payload: unknown): Promise<Reply<unknown>> {
    const claim = ctx.idempotency;
    if (claim) {
      this.keys!.sweep();
      if (claim.resolveUntil !== undefined) return this.resolve(claim, claim.resolveUntil);
      const seen = claim.fresh ? undefined : await this.keys!.find(claim.scope, claim.key);
      if (seen && seen.hash !== claim.hash) throw keyReused();
      if (seen?.abandonedUntil !== undefined) {
        // its sender answered 503: a later attempt (the client's retry) runs and takes the key over
        if ((ctx.deadline ?? Infinity) <= seen.abandonedUntil) throw deadlinePassed();
      } else if (seen) {
        if (!seen.reply) throw inProgress();
        return seen.reply;
      }
    }
    return { ok: true, data: (await this.b.handle(payload)) ?? null };
  }

  /**
   * A resolve: the sender got no reply to the create under this key by its deadline. The recorded reply
   * when it committed; else the key is abandoned for the attempts sent so far (`abandonedReply`, and
   * none of them commits any more); a create committed whose reply is still being recorded is 409.
   */
  private async resolve(
    claim: NonNullable<RequestContext['idempotency']>,
    until: number,
  ): Promise<Reply<unknown>> {
    const found = await this.keys!.abandon(claim, until);
    if (found === 'abandoned') {
      this.log.warn(`command ${this.subject}: a create whose reply was lost is abandoned (not stored)`);
      return abandonedReply();
    }
    if (found && found.hash !== claim.hash) throw keyReused();
    if (!found?.reply) throw inProgress();
    return found.reply;
  }

  /** Puts the reply beside the key its create committed (a reply lost here leaves the key answering 409). */
  private async recordReply(
    claim: NonNullable<RequestContext['idempotency']>,
    r: Reply<unknown>,
  ): Promise<void> {
    await this.keys!.recordReply(claim.scope, claim.key, r).catch((e: unknown) =>
      this.log.error({ err: e }, 'recording the reply of an idempotency key failed'),
    );
  }

  private toErrorReply(e: unknown): Reply<never> {
    if (e instanceof DomainError) return { ok: false, error: e.toBody() };
    this.log.error({ err: e, subject: this.subject }, `command ${this.subject} failed`);
    return { ok: false, error: { code: ErrorCode.Internal, message: 'internal error' } };
  }
}

/**
 * How the gateway and services run a command: one NATS publish whose reply comes back on this client's
 * own inbox subscription (`<inbox>.<n>`), in Nest's packet format so Nest's NATS transport serves it;
 * bounded time, coded errors, request id and deadline in the headers (and the idempotency key on a
 * create). No responder is 503 at once, no answer by the deadline 503 with a retry hint. Not `nc.request()`: nats.js builds two NatsError objects (stack traces) for every request,
 * 4% of the gateway's CPU under load (bench/PROFILE.md); here an error object exists only on failure.
 *
 * A create (`IDEMPOTENT_SUBJECTS`) goes under an idempotency key: the client's, or (`keyEveryCreate`, the
 * gateway) one made for it. When its reply does not come by the deadline, the create may still have
 * committed and its reply been lost (with a NATS node that died, the sender's or the owner's); the
 * deadline has passed, so it commits no more, and the client resolves it within `RESOLVE_WINDOW_MS`:
 * the same command, key and hash, marked a resolve, until the owner answers (any replica, over any
 * node the connection reached again). It answers the recorded reply (the create's answer, as if it had
 * come in time) or that the key is abandoned: nothing stored, and nothing of the attempt ever will be,
 * so the 503 is true. Only when no owner answers within the window is the outcome unknown (503 still,
 * logged; a client that sent its own key can retry it safely). The normal path costs no extra round trip.
 */
export class CommandClient {
  private readonly codec = JSONCodec<NestPacket>();
  private readonly pending = new Map<string, Pending>();
  private readonly log = new Logger('Commands');
  private inbox?: string;
  private next = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
    private readonly o: { keyEveryCreate?: boolean } = {},
  ) {}

  /** Sends a command of the registry; its request and reply types come from the definition. */
  send<C extends CommandDef>(
    command: C,
    payload: RequestOf<C>,
    timeoutMs = this.timeoutMs,
  ): Promise<ReplyOf<C>> {
    return this.execute<ReplyOf<C>>(command.subject, payload, timeoutMs);
  }

  /** Untyped form of `send`, by subject: for tests of the transport itself (ad-hoc subjects); apps use `send`. */
  execute<T>(subject: string, payload: object, timeoutMs = this.timeoutMs): Promise<T> {
    const ctx = currentRequestContext();
    // the command's deadline: this client's timeout, never later than the command being handled
    const now = Date.now();
    const deadline = Math.min(now + timeoutMs, ctx?.deadline ?? Infinity);
    if (deadline <= now) return Promise.reject(unavailable());
    let key: Keyed | undefined;
    if (IDEMPOTENT_SUBJECTS.has(subject) && (ctx?.idempotencyKey || this.o.keyEveryCreate)) {
      key = {
        key: ctx?.idempotencyKey || newGatewayKey(),
        fresh: !ctx?.idempotencyKey,
        hash: requestHash(subject, payload),
      };
    }
    const sent = { subject, payload, requestId: ctx?.requestId, key };
    const answered = key
      ? this.sendKeyed(sent, key, deadline, timeoutMs)
      : this.attempt(sent, deadline).then((o) => {
          if ('reply' in o) return o.reply;
          throw unavailable();
        });
    return answered.then((answer) => {
      const reply = answer.response as Reply<T> | undefined;
      if (answer.err !== undefined || !reply || typeof reply !== 'object' || !('ok' in reply)) {
        throw new DomainError(ErrorCode.Internal, 'malformed reply');
      }
      if (!reply.ok) throw DomainError.from(reply.error);
      return reply.data;
    });
  }

  /** A create under its key: resolved when its reply is missing (see the class). */
  private async sendKeyed(sent: Sent, key: Keyed, deadline: number, timeoutMs: number): Promise<NestPacket> {
    const first = await this.attempt(sent, deadline);
    if ('reply' in first) return first.reply;
    // nobody subscribed: it reached no one, so nothing was stored
    if (first.missing === 'no_responders') throw unavailable();
    const window = Math.min(timeoutMs, RESOLVE_WINDOW_MS);
    let end = Date.now() + window;
    let committed = false;
    const resolving = { ...sent, key: { ...key, fresh: false, resolveUntil: deadline } };
    for (let pause = 50; ; pause = Math.min(pause * 2, 500)) {
      if (Date.now() >= end - 50) break;
      // one resolve at a time, until the window's end: a busy owner answers it late rather than never
      const o = await this.attempt(resolving, end);
      if ('reply' in o) {
        const r = o.reply.response as Reply<unknown> | undefined;
        if (isAbandonedReply(r)) throw unavailable();
        const code = r && !r.ok ? r.error.code : undefined;
        // the recorded reply (or a refusal of the key itself) is the answer; 409: committed, its reply
        // being recorded (stored: worth a little longer); 503: the owner could not look (its database away)
        if (code !== ErrorCode.Conflict && code !== ErrorCode.ServiceUnavailable) return o.reply;
        if (code === ErrorCode.Conflict && !committed) {
          committed = true;
          end += RESOLVE_COMMITTED_EXTRA_MS;
        }
      }
      await new Promise((r) => setTimeout(r, Math.max(0, Math.min(pause, end - Date.now()))));
    }
    this.log.warn(
      `command ${sent.subject}: no reply, and ${committed ? 'its reply was not recorded in time though it committed' : 'what became of it is unknown (no owner answered)'}`,
    );
    throw unavailable();
  }

  /** One publish of a command, until its deadline (and a grace): its reply, or why there is none. */
  private attempt(sent: Sent, deadline: number): Promise<Outcome> {
    const now = Date.now();
    const h = natsHeaders();
    if (sent.requestId) h.set(REQUEST_ID_HEADER, sent.requestId);
    h.set(DEADLINE_HEADER, String(deadline));
    const k = sent.key;
    if (k) {
      h.set(IDEMPOTENCY_KEY_HEADER, k.key);
      h.set(IDEMPOTENCY_HASH_HEADER, k.hash);
      if (k.fresh) h.set(IDEMPOTENCY_FRESH_HEADER, '1');
      if (k.resolveUntil !== undefined) h.set(IDEMPOTENCY_RESOLVE_HEADER, String(k.resolveUntil));
    }
    return new Promise<Outcome>((resolve, reject) => {
      let token: string;
      try {
        const inbox = this.ensureInbox();
        token = String(this.next++);
        // a reply committed just before the deadline is still on its way: wait a little longer for it
        const timer = setTimeout(
          () => {
            this.pending.delete(token);
            resolve(NO_REPLY);
          },
          deadline - now + replyGraceMs(deadline - now),
        );
        this.pending.set(token, { resolve, timer });
        this.nc.publish(
          sent.subject,
          this.codec.encode({ pattern: sent.subject, data: sent.payload, id: randomUUID() }),
          { reply: `${inbox}.${token}`, headers: h },
        );
      } catch (e) {
        const p = this.pending.get(token!);
        if (p) {
          clearTimeout(p.timer);
          this.pending.delete(token!);
        }
        reject(this.publishError(e));
      }
    });
  }

  /** One wildcard subscription for every reply of this client, made on first use. */
  private ensureInbox(): string {
    if (this.inbox) return this.inbox;
    const inbox = createInbox();
    const sub = this.nc.subscribe(`${inbox}.*`, { callback: (err, msg) => this.onReply(err, msg) });
    void sub.closed.then(() => {
      // the connection closed or drained: nothing more will answer what is still waiting
      if (this.inbox === inbox) this.inbox = undefined;
      for (const [token, p] of this.pending) {
        clearTimeout(p.timer);
        this.pending.delete(token);
        p.resolve(NO_REPLY);
      }
    });
    this.inbox = inbox;
    return inbox;
  }

  private onReply(err: NatsError | null, msg: Msg): void {
    if (err) return; // the subscription itself failed: `closed` ends the waiting requests
    const token = msg.subject.slice(msg.subject.lastIndexOf('.') + 1);
    const p = this.pending.get(token);
    if (!p) return; // answered after its timeout
    this.pending.delete(token);
    clearTimeout(p.timer);
    // the server's "no responders" status: an empty message with a 503 header
    if (msg.data.length === 0 && msg.headers?.code === 503) return p.resolve(NO_RESPONDERS);
    try {
      p.resolve({ reply: this.codec.decode(msg.data) });
    } catch {
      p.resolve({ reply: { id: '', err: 'malformed reply' } });
    }
  }

  private publishError(e: unknown): unknown {
    const code = (e as NatsError).code;
    if (code === NatsErrorCode.MaxPayloadExceeded) {
      // the request is larger than the broker carries: the client's mistake, not the server's
      return new DomainError(ErrorCode.PayloadTooLarge, 'the request is too large', {
        max_payload_bytes: this.nc.info?.max_payload,
      });
    }
    if (
      code === NatsErrorCode.ConnectionClosed ||
      code === NatsErrorCode.Disconnect ||
      code === NatsErrorCode.ConnectionDraining
    ) {
      return unavailable();
    }
    return e;
  }
}

/** How long a create whose reply went missing is resolved for, at most (the command's timeout if shorter). */
export const RESOLVE_WINDOW_MS = 4000;
/** How much longer a resolve goes on once the owner said the create committed (its reply being recorded). */
const RESOLVE_COMMITTED_EXTRA_MS = 1000;

/** A create's key as it travels: the client's or a fresh one, the request's hash, and whether a resolve. */
interface Keyed {
  key: string;
  hash: string;
  fresh: boolean;
  resolveUntil?: number;
}

interface Sent {
  subject: string;
  payload: object;
  requestId?: string;
  key?: Keyed;
}

/** How one publish ended: a reply, nobody subscribed, or no reply by its deadline (or connection closed). */
type Outcome = { reply: NestPacket } | { missing: 'no_responders' | 'no_reply' };
const NO_RESPONDERS: Outcome = { missing: 'no_responders' };
const NO_REPLY: Outcome = { missing: 'no_reply' };

interface Pending {
  resolve: (o: Outcome) => void;
  timer: NodeJS.Timeout;
}

const unavailable = () =>
  new DomainError(ErrorCode.ServiceUnavailable, 'the service did not answer in time; retry later', {
    retry_after_s: 1,
  });

/** Nest's NATS packets: a request `{pattern, data, id}`, a reply `{id, response | err, isDisposed}`. */
interface NestPacket {
  pattern?: string;
  data?: unknown;
  id: string;
  response?: unknown;
  err?: unknown;
  isDisposed?: boolean;
}
