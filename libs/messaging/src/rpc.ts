// Command request/reply over Nest's NATS transport: the service-side reply mapping and the gateway's client.
import {
  CallHandler,
  ExecutionContext,
  Inject,
  Injectable,
  Logger,
  NestInterceptor,
  Optional,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { NatsContext, NatsOptions, ServerNats } from '@nestjs/microservices';
import {
  createInbox,
  ErrorCode as NatsErrorCode,
  headers as natsHeaders,
  JSONCodec,
  Msg,
  NatsConnection,
  NatsError,
  Subscription,
} from 'nats';
import { Observable, catchError, defer, finalize, from, map, mergeMap, of } from 'rxjs';
import { CommandDef, DomainError, ErrorCode, Reply, ReplyOf, RequestOf } from '@voxmail/contracts';
import {
  DEADLINE_HEADER,
  deadlinePassed,
  IDEMPOTENCY_HASH_HEADER,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_SUBJECTS,
  IdempotencyStore,
  isIdempotencyKey,
  keyReused,
  inProgress,
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

/**
 * Nest's NATS server, stopping the way a replica must leave a queue group: it drains its subscriptions
 * (messages the server already routed to it are still handled, where Nest's own graceful mode
 * unsubscribes and drops them), waits for in-flight commands to reply, then closes its connection.
 */
export class DrainingNatsServer extends ServerNats {
  constructor(
    options: NatsOptions['options'],
    private readonly drainTimeoutMs: number,
  ) {
    super({ ...options, gracefulShutdown: false });
  }

  override async close(): Promise<void> {
    const subs = (this as unknown as { subscriptions: Subscription[] }).subscriptions;
    await Promise.race([
      Promise.all(subs.map((s) => s.drain().catch(() => undefined))),
      new Promise((r) => setTimeout(r, this.drainTimeoutMs)),
    ]);
    subs.length = 0;
    await commandsSettled(this.drainTimeoutMs);
    await super.close();
  }
}

export const IDEMPOTENCY_STORE = Symbol('IDEMPOTENCY_STORE');

/**
 * Wraps every command handler of a service: runs it inside the request's context (id and deadline from
 * NATS headers), answers `{ok: true, data}` or `{ok: false, error}` and never leaks an internal error's
 * text. A command whose deadline has passed is not started (nobody waits for it). A create sent with an
 * idempotency key (`idempotency.ts`) answers a recorded reply when the key was seen, else runs with a claim
 * its transaction commits with, and records its reply.
 */
@Injectable()
export class ReplyInterceptor implements NestInterceptor {
  private readonly log = new Logger('Commands');

  constructor(@Optional() @Inject(IDEMPOTENCY_STORE) private readonly keys?: IdempotencyStore) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const ctx = context.switchToRpc().getContext<NatsContext>();
    const subject = ctx.getSubject();
    const h = ctx.getHeaders();
    const requestId = sanitizeRequestId(h?.get(REQUEST_ID_HEADER));
    const deadline = parseDeadline(h?.get(DEADLINE_HEADER));
    const end = Metrics.commandSeconds.startTimer({ subject });
    const run: RequestContext = { requestId, deadline, idempotency: undefined, idempotencyKey: undefined };
    const key = h?.get(IDEMPOTENCY_KEY_HEADER);
    const hash = h?.get(IDEMPOTENCY_HASH_HEADER);
    const keyed = !!this.keys && IDEMPOTENT_SUBJECTS.has(subject) && isIdempotencyKey(key) && !!hash;
    if (keyed) {
      const scope = scopeOf(context.switchToRpc().getData());
      run.idempotency = { scope, key: key as string, hash: hash as string, subject, recorded: false };
    }
    inFlight++;
    let counted = true;
    const done = () => {
      if (counted) inFlight--;
      counted = false;
    };
    const handle = (): Observable<Reply<unknown>> => {
      if (deadline !== undefined && Date.now() >= deadline) throw deadlinePassed();
      const claim = run.idempotency;
      if (!claim)
        return next.handle().pipe(map((data): Reply<unknown> => ({ ok: true, data: data ?? null })));
      this.keys!.sweep();
      return from(this.keys!.find(claim.scope, claim.key)).pipe(
        mergeMap((seen) => {
          if (seen && seen.hash !== claim.hash) throw keyReused();
          if (seen && !seen.reply) throw inProgress();
          if (seen) return of(seen.reply!);
          return next.handle().pipe(map((data): Reply<unknown> => ({ ok: true, data: data ?? null })));
        }),
      );
    };
    return new Observable<Reply<unknown>>((subscriber) =>
      runWithRequestContext(run, () => {
        const store = currentRequestContext()!;
        // work the handler left running (a timer it set) is no longer this command's: no deadline, no key
        const close = () => {
          store.deadline = undefined;
          store.idempotency = undefined;
          done();
        };
        return defer(handle)
          .pipe(
            catchError((e: unknown) => of(this.toErrorReply(subject, e))),
            mergeMap((r) => from(this.recordReply(run, r))),
            finalize(close),
          )
          .subscribe({
            next: (r) => {
              end();
              Metrics.commands.inc({ subject, outcome: r.ok ? 'ok' : r.error.code });
              subscriber.next(r);
            },
            error: (e) => subscriber.error(e),
            complete: () => subscriber.complete(),
          });
      }),
    );
  }

  /** Puts the reply beside a key its create committed (a reply lost here leaves the key answering 409). */
  private async recordReply(run: RequestContext, r: Reply<unknown>): Promise<Reply<unknown>> {
    const claim = run.idempotency;
    if (!claim?.recorded) return r;
    await this.keys!.recordReply(claim.scope, claim.key, r).catch((e: unknown) =>
      this.log.error({ err: e }, 'recording the reply of an idempotency key failed'),
    );
    return r;
  }

  private toErrorReply(subject: string, e: unknown): Reply<never> {
    if (e instanceof DomainError) return { ok: false, error: e.toBody() };
    this.log.error({ err: e, subject }, `command ${subject} failed`);
    return { ok: false, error: { code: ErrorCode.Internal, message: 'internal error' } };
  }
}

/**
 * How the gateway and services run a command: one NATS publish whose reply comes back on this client's
 * own inbox subscription (`<inbox>.<n>`), in Nest's packet format so Nest's NATS transport serves it;
 * bounded time, coded errors, request id and deadline in the headers (and the idempotency key on a
 * create). No responder is 503 at once, no answer by the deadline 503 with a retry hint. Not `nc.request()`: nats.js builds two NatsError objects (stack traces) for every request,
 * 4% of the gateway's CPU under load (bench/PROFILE.md); here an error object exists only on failure.
 */
export class CommandClient {
  private readonly codec = JSONCodec<NestPacket>();
  private readonly pending = new Map<string, Pending>();
  private inbox?: string;
  private next = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
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
    const h = natsHeaders();
    const ctx = currentRequestContext();
    if (ctx?.requestId) h.set(REQUEST_ID_HEADER, ctx.requestId);
    // the command's deadline: this client's timeout, never later than the command being handled
    const now = Date.now();
    const deadline = Math.min(now + timeoutMs, ctx?.deadline ?? Infinity);
    if (deadline <= now) return Promise.reject(unavailable());
    h.set(DEADLINE_HEADER, String(deadline));
    if (ctx?.idempotencyKey && IDEMPOTENT_SUBJECTS.has(subject)) {
      h.set(IDEMPOTENCY_KEY_HEADER, ctx.idempotencyKey);
      h.set(IDEMPOTENCY_HASH_HEADER, requestHash(subject, payload));
    }
    return new Promise<NestPacket>((resolve, reject) => {
      let token: string;
      try {
        const inbox = this.ensureInbox();
        token = String(this.next++);
        // a reply committed just before the deadline is still on its way: wait a little longer for it
        const timer = setTimeout(
          () => {
            this.pending.delete(token);
            reject(unavailable());
          },
          deadline - now + replyGraceMs(deadline - now),
        );
        this.pending.set(token, { resolve, reject, timer });
        this.nc.publish(subject, this.codec.encode({ pattern: subject, data: payload, id: randomUUID() }), {
          reply: `${inbox}.${token}`,
          headers: h,
        });
      } catch (e) {
        const p = this.pending.get(token!);
        if (p) {
          clearTimeout(p.timer);
          this.pending.delete(token!);
        }
        reject(this.publishError(e));
      }
    }).then((answer) => {
      const reply = answer.response as Reply<T> | undefined;
      if (answer.err !== undefined || !reply || typeof reply !== 'object' || !('ok' in reply)) {
        throw new DomainError(ErrorCode.Internal, 'malformed reply');
      }
      if (!reply.ok) throw DomainError.from(reply.error);
      return reply.data;
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
        p.reject(unavailable());
      }
    });
    this.inbox = inbox;
    return inbox;
  }

  private onReply(err: NatsError | null, msg: Msg): void {
    if (err) return; // the subscription itself failed: `closed` rejects the waiting requests
    const token = msg.subject.slice(msg.subject.lastIndexOf('.') + 1);
    const p = this.pending.get(token);
    if (!p) return; // answered after its timeout
    this.pending.delete(token);
    clearTimeout(p.timer);
    // the server's "no responders" status: an empty message with a 503 header
    if (msg.data.length === 0 && msg.headers?.code === 503) return p.reject(unavailable());
    try {
      p.resolve(this.codec.decode(msg.data));
    } catch {
      p.reject(new DomainError(ErrorCode.Internal, 'malformed reply'));
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

interface Pending {
  resolve: (p: NestPacket) => void;
  reject: (e: unknown) => void;
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
