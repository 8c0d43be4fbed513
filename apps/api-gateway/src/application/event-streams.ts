// The live event stream of an account (`GET /v2/accounts/{id}/events/stream`, Server-Sent Events): who may
// open one and what it shows, the per-account cap, resuming from `Last-Event-ID`, keep-alives, the
// token checked again while it is open, and the end of every stream at shutdown.
//
// Each event is `id: <stream sequence>`, `event: <type>`, `data: <envelope as published>`. A stream
// given a Last-Event-ID first subscribes to the live feed (holding what arrives), then replays the
// account's events after that sequence with a catch-up consumer until it reaches the end of the stream,
// then sends what it held; every event passes one check `seq > position`, so none is sent twice and
// they go out in sequence order. A client that reads too slowly (more than EVENT_STREAM_BUFFER_BYTES
// waiting) is cut, never waited for: it resumes with its Last-Event-ID.
import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { GatewayConfig } from '@voxmail/config';
import {
  Actor,
  Commands,
  DomainError,
  ErrorCode,
  EventEnvelope,
  ListQuery,
  MAX_PAGE_SIZE,
} from '@voxmail/contracts';
import { TokenVerifier } from '../auth/token-verifier';
import { CommandBus, GATEWAY_CONFIG } from '../common/command-bus';
import { EventFeed, FeedEvent } from './event-feed';

/** The reconnection delay a client is told to use (`retry:`), ms. */
export const EVENT_STREAM_RETRY_MS = 3000;
/** Live events held for a stream while it catches up; past it, they are read again from the stream. */
const HELD_WHILE_CATCHING_UP = 1000;
/** Events fetched at once by a catch-up consumer. */
const CATCH_UP_BATCH = 256;

/** Why the server ended a stream (the `end` event's `reason`). */
export type StreamEnd = 'token_invalid' | 'token_changed' | 'shutdown';

type Data = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Which of an account's events the holder of a stream sees. An admin (and the operator, a reseller
 * above) sees them all. A user sees the events of the boxes it owns or is a member of (`mailbox.*`,
 * `message.*`, `mwi.updated`, `greeting.*` and `media.*` documents of the box), the `updated` and
 * `deleted` events of its own user document, and nothing else of the account. A box given to the user
 * while the stream is open is followed from its `mailbox.updated`/`mailbox.created` on; a box taken away
 * is not followed any more (its update is not shown: it is no longer the user's).
 */
export class EventAudience {
  private constructor(
    private readonly userId: string | undefined,
    private readonly boxes: Set<string>,
  ) {}

  static everything(): EventAudience {
    return new EventAudience(undefined, new Set());
  }

  static user(userId: string, boxes: Iterable<string>): EventAudience {
    return new EventAudience(userId, new Set(boxes));
  }

  sees(e: EventEnvelope): boolean {
    if (this.userId === undefined) return true;
    const data = (e.data ?? {}) as Data;
    const [aggregate] = e.type.split('.', 1);
    switch (aggregate) {
      case 'mailbox':
        return this.mailboxEvent(e, data);
      case 'message':
        return this.ownsBox(data.vmbox_id) || this.ownsBox(data.from_vmbox_id);
      case 'mwi':
      case 'greeting':
        return this.ownsBox(data.vmbox_id);
      case 'media':
        // media documents of a box (greetings); stored objects carry no box and stay the admin's
        return e.type.startsWith('media.') && !/^media\.(stored|deleted)$/.test(e.type)
          ? this.ownsBox(data.vmbox_id)
          : false;
      case 'user':
        return (e.type === 'user.updated' || e.type === 'user.deleted') && e.aggregateId === this.userId;
      default:
        return false;
    }
  }

  private ownsBox(id: unknown): boolean {
    return typeof id === 'string' && this.boxes.has(id);
  }

  private mailboxEvent(e: EventEnvelope, data: Data): boolean {
    const box = str(data.id) ?? e.aggregateId;
    if (e.type === 'mailbox.created' || e.type === 'mailbox.updated') {
      const members = Array.isArray(data.members) ? data.members : [];
      if (data.owner_id === this.userId || members.includes(this.userId)) {
        this.boxes.add(box);
        return true;
      }
      this.boxes.delete(box);
      return false;
    }
    const owned = this.boxes.has(box);
    if (e.type === 'mailbox.deleted') this.boxes.delete(box);
    return owned;
  }
}

type Response = ServerResponse | Http2ServerResponse;

/** One open stream: what it has sent, what it holds while catching up, its socket. */
class EventStreamSession {
  /** The last stream sequence handled (sent, or not for this holder). */
  position = 0;
  closed = false;
  private held: FeedEvent[] | null = null;
  private heldOverflowed = false;
  private readonly closeWaiters: (() => void)[] = [];

  constructor(
    readonly tenantId: string,
    private readonly res: Response,
    private readonly audience: EventAudience,
    private readonly bufferBytes: number,
  ) {
    res.once('close', () => this.markClosed());
  }

  /** From the live feed: sent now, or held while the stream catches up. */
  live(e: FeedEvent): void {
    if (this.closed) return;
    if (!this.held) return this.send(e);
    if (this.held.length < HELD_WHILE_CATCHING_UP) this.held.push(e);
    else {
      // too many to hold: dropped, and read again from the stream by another catch-up round
      this.held = [];
      this.heldOverflowed = true;
    }
  }

  holdLive(): void {
    this.held ??= [];
  }

  /** True when held events were dropped since the last call (another catch-up round is needed). */
  takeOverflow(): boolean {
    const o = this.heldOverflowed;
    this.heldOverflowed = false;
    return o;
  }

  /** Ends the catch-up: what was held goes out (those already replayed are skipped by sequence). */
  goLive(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const e of held) this.send(e);
  }

  send(e: FeedEvent): void {
    if (this.closed || e.seq <= this.position) return;
    this.position = e.seq;
    const envelope = e.envelope;
    // the previous-version copy of an event (its deprecation release) is for old durable consumers only
    if (!envelope || envelope.legacyOf || !this.audience.sees(envelope)) return;
    const data = e.json.includes('\n') ? JSON.stringify(envelope) : e.json;
    this.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${data}\n\n`);
  }

  /** `event: reset`: the events after `lastEventId` are no longer all kept; the client reloads its state. */
  reset(lastEventId: number, firstSeq: number, lastSeq: number): void {
    this.position = lastSeq;
    const data = { reason: 'events_expired', last_event_id: lastEventId, first_seq: firstSeq };
    this.write(`id: ${lastSeq}\nevent: reset\ndata: ${JSON.stringify(data)}\n\n`);
  }

  write(text: string): void {
    if (this.closed) return;
    // the buffer of one connection is bounded: a client that does not read is cut, nobody waits for it
    if (this.res.writableLength > this.bufferBytes) return this.destroy();
    (this.res as ServerResponse).write(text);
  }

  /** Waits while more than half the buffer is unsent (a catch-up goes at the client's pace). */
  async drained(): Promise<void> {
    const res = this.res as ServerResponse;
    while (!this.closed && res.writableLength > this.bufferBytes / 2) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.once('drain', done);
        res.once('close', done);
      });
    }
  }

  end(reason: StreamEnd): void {
    if (this.closed) return;
    this.write(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
    this.res.end();
    this.markClosed();
  }

  destroy(): void {
    this.markClosed();
    (this.res as ServerResponse).destroy();
  }

  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.closeWaiters.push(fn);
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.closeWaiters.splice(0)) fn();
  }
}

export interface StreamOpening {
  actor: Actor;
  token: string;
  tenantId: string;
  /** The sequence of the last event the client received (Last-Event-ID), if any. */
  lastEventId?: number;
}

@Injectable()
export class EventStreams implements BeforeApplicationShutdown {
  private readonly open = new Map<string, Set<EventStreamSession>>();
  private readonly settings: GatewayConfig['eventStream'];

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly feed: EventFeed,
    private readonly bus: CommandBus,
    private readonly tokens: TokenVerifier,
  ) {
    this.settings = config.eventStream;
  }

  /** Streams open at this replica for `tenantId`. */
  openCount(tenantId: string): number {
    return this.open.get(tenantId)?.size ?? 0;
  }

  /**
   * Checks who may open the stream (404/403 as the REST routes answer) and the account's cap (429),
   * then, once `start` has written the response head, streams until the client goes or the server ends.
   */
  async serve(o: StreamOpening, res: Response, start: () => void): Promise<void> {
    const audience = await this.audienceOf(o.actor, o.tenantId);
    const mine = this.open.get(o.tenantId) ?? new Set<EventStreamSession>();
    if (mine.size >= this.settings.perAccount) {
      throw new DomainError(
        ErrorCode.RateLimited,
        `this account already has ${this.settings.perAccount} event streams open; close one or retry later`,
        { retry_after_s: 5 },
      );
    }
    const session = new EventStreamSession(o.tenantId, res, audience, this.settings.bufferBytes);
    this.open.set(o.tenantId, mine.add(session));
    session.onClose(() => {
      mine.delete(session);
      if (!mine.size && this.open.get(o.tenantId) === mine) this.open.delete(o.tenantId);
    });
    start();
    session.write(`retry: ${EVENT_STREAM_RETRY_MS}\n: stream of account ${o.tenantId}\n\n`);
    const timer = setInterval(() => void this.keepAlive(session, o), this.settings.keepAliveMs);
    session.onClose(() => clearInterval(timer));
    try {
      if (o.lastEventId !== undefined) session.holdLive();
      const unsubscribe = await this.feed.subscribe(o.tenantId, (e) => {
        session.live(e);
        // a revocation in the account: the tokens of its streams are checked at once, and again once the
        // revocation view has surely caught up with it
        if (e.type === 'auth.tokens_revoked') {
          void this.keepAlive(session, o, false);
          setTimeout(() => void this.keepAlive(session, o, false), 1000).unref();
        }
      });
      session.onClose(unsubscribe);
      if (o.lastEventId !== undefined) await this.catchUp(session, o.lastEventId);
      session.goLive();
    } catch {
      // NATS unreachable: the client reconnects (after `retry`) and resumes from its last id
      session.destroy();
    }
  }

  /** Ends every stream (`event: end`, reason `shutdown`: the client reconnects to another replica). */
  async beforeApplicationShutdown(): Promise<void> {
    for (const set of [...this.open.values()]) for (const s of [...set]) s.end('shutdown');
    await this.feed.stopped();
  }

  /** Replays the account's events after `lastEventId`, or says `reset` when they are no longer all kept. */
  private async catchUp(session: EventStreamSession, lastEventId: number): Promise<void> {
    let from = lastEventId + 1;
    for (;;) {
      const state = await this.feed.streamState();
      if (from < state.first_seq || from > state.last_seq + 1) {
        session.reset(lastEventId, state.first_seq, state.last_seq);
        return;
      }
      if (from > state.last_seq) return;
      const consumer = await this.feed.catchUpConsumer(session.tenantId, from);
      try {
        const info = await consumer.info();
        for (let pending = info.num_pending; pending > 0 && !session.closed;) {
          const batch = await consumer.fetch({ max_messages: CATCH_UP_BATCH, expires: 5000 });
          let got = 0;
          for await (const m of batch) {
            got++;
            const e = FeedEvent.of(m);
            if (e) session.send(e);
            pending = m.info.pending;
            if (pending === 0 || session.closed) break;
            await session.drained();
          }
          if (!got) break;
        }
      } finally {
        // never left behind: deleted once caught up, or when the client went meanwhile
        await consumer.delete().catch(() => undefined);
      }
      if (session.closed || !session.takeOverflow()) return;
      from = session.position + 1;
    }
  }

  /** A keep-alive comment, and the token checked again: revoked, expired or changed ends the stream. */
  private async keepAlive(session: EventStreamSession, o: StreamOpening, comment = true): Promise<void> {
    if (session.closed) return;
    if (comment) session.write(': keep-alive\n\n');
    try {
      const actor = await this.tokens.verify(o.token);
      if (actor.role !== o.actor.role || actor.accountId !== o.actor.accountId) session.end('token_changed');
    } catch (e) {
      if (e instanceof DomainError && e.code === ErrorCode.Unauthenticated) session.end('token_invalid');
      // authentication unavailable for now: checked again at the next keep-alive
    }
  }

  /**
   * What the actor may see of the account's events, asked as the REST API asks: the account's boxes as
   * `GET /v2/accounts/{id}/vmboxes` lists them for this actor (404 for an account it does not reach).
   */
  private async audienceOf(actor: Actor, tenantId: string): Promise<EventAudience> {
    if (actor.role !== 'user') {
      // the account's own admin needs no round trip; anyone else is checked by the same command
      if (actor.accountId !== tenantId) await this.listBoxes(actor, tenantId, 1);
      return EventAudience.everything();
    }
    if (!actor.userId) throw DomainError.notFound();
    const boxes: string[] = [];
    let startKey: string | undefined;
    do {
      const page = await this.listBoxes(actor, tenantId, MAX_PAGE_SIZE, startKey);
      for (const b of page.items) if (typeof b.id === 'string') boxes.push(b.id);
      startKey = page.nextStartKey;
    } while (startKey);
    return EventAudience.user(actor.userId, boxes);
  }

  private listBoxes(actor: Actor, tenantId: string, pageSize: number, startKey?: string) {
    const query = Object.assign(new ListQuery(), { pageSize, startKey });
    return this.bus.send(Commands.VmboxList, { tenantId, actor, query });
  }
}
