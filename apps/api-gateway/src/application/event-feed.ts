// The events of every account, read once per gateway replica and handed to the account's open event
// streams. Event subjects carry the account (`voxmail.evt.<tenantId>.<type>`), so the fan-out is a map
// lookup on the subject; the envelope is parsed only for an account with a stream open here.
//
// Live: one JetStream ordered consumer (ephemeral, in memory, no acks) per replica, on `voxmail.evt.>`
// from "now", created when the first stream opens and deleted when the last one closes. A thousand
// browsers cost the server one consumer, not a thousand. Catch-up (`Last-Event-ID`): an ordered consumer
// of its own filtered on the account's subjects (the server skips other accounts' events), read with
// back-pressure and deleted as soon as it reaches the end of the stream (see EventStreams).
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  Consumer,
  ConsumerMessages,
  DeliverPolicy,
  JetStreamManager,
  JsMsg,
  NatsConnection,
  StreamInfo,
} from 'nats';
import { EVENT_SUBJECT_PREFIX, EventEnvelope, eventSubject, STREAM_NAME } from '@voxmail/contracts';
import { NATS_CONNECTION } from '@voxmail/messaging';

/** Names of the gateway's consumers on VOXMAIL_EVENTS start with these (an operator can tell them). */
export const LIVE_CONSUMER_PREFIX = 'gateway_events_live_';
export const CATCH_UP_CONSUMER_PREFIX = 'gateway_events_catchup_';

const PREFIX_TOKENS = EVENT_SUBJECT_PREFIX.split('.').length;

/** One event of the stream as a stream client gets it: its sequence, type and envelope text as published. */
export class FeedEvent {
  private parsed?: EventEnvelope | null;
  constructor(
    readonly seq: number,
    readonly tenantId: string,
    readonly type: string,
    readonly json: string,
  ) {}

  static of(m: JsMsg): FeedEvent | undefined {
    const tokens = m.subject.split('.');
    if (tokens.length < PREFIX_TOKENS + 2) return undefined;
    return new FeedEvent(
      m.info.streamSequence,
      tokens[PREFIX_TOKENS],
      tokens.slice(PREFIX_TOKENS + 1).join('.'),
      m.string(),
    );
  }

  /** The envelope (parsed once, shared by every stream of the account); null when it is not JSON. */
  get envelope(): EventEnvelope | null {
    if (this.parsed === undefined) {
      try {
        this.parsed = JSON.parse(this.json) as EventEnvelope;
      } catch {
        this.parsed = null;
      }
    }
    return this.parsed;
  }
}

export type FeedListener = (e: FeedEvent) => void;

@Injectable()
export class EventFeed {
  private readonly log = new Logger(EventFeed.name);
  private readonly listeners = new Map<string, Set<FeedListener>>();
  private count = 0;
  private live?: { ready: Promise<ConsumerMessages>; consumer: Consumer };
  private jsmOnce?: Promise<JetStreamManager>;
  private stopping: Promise<void> = Promise.resolve();

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  /**
   * Hands `listener` every event of `tenantId` delivered from now on; resolves once the live consumer
   * exists (every event stored after that reaches the listener). The function returned unsubscribes.
   */
  async subscribe(tenantId: string, listener: FeedListener): Promise<() => void> {
    let set = this.listeners.get(tenantId);
    if (!set) this.listeners.set(tenantId, (set = new Set()));
    set.add(listener);
    this.count++;
    let done = false;
    const unsubscribe = () => {
      if (done) return;
      done = true;
      set.delete(listener);
      if (!set.size && this.listeners.get(tenantId) === set) this.listeners.delete(tenantId);
      if (--this.count === 0) this.stopping = this.stopLive();
    };
    try {
      await this.startLive();
    } catch (e) {
      unsubscribe();
      throw e;
    }
    return unsubscribe;
  }

  /** Resolves once the live consumer, if it was being deleted, is gone (at shutdown, before NATS closes). */
  stopped(): Promise<void> {
    return this.stopping;
  }

  /** The stream's first and last sequences now. */
  async streamState(): Promise<StreamInfo['state']> {
    return (await (this.jsmOnce ??= this.nc.jetstreamManager())).streams
      .info(STREAM_NAME)
      .then((i) => i.state);
  }

  /** An ordered consumer of `tenantId`'s events from sequence `from` (the caller deletes it). */
  catchUpConsumer(tenantId: string, from: number): Promise<Consumer> {
    return this.nc.jetstream().consumers.get(STREAM_NAME, {
      name_prefix: CATCH_UP_CONSUMER_PREFIX,
      filterSubjects: eventSubject(tenantId, '>'),
      opt_start_seq: from,
      deliver_policy: DeliverPolicy.StartSequence,
    });
  }

  private startLive(): Promise<ConsumerMessages> {
    if (this.live) return this.live.ready;
    // in memory, no acks; recreated by the client from its last sequence after a reconnection
    const consumer = this.nc.jetstream().consumers.get(STREAM_NAME, {
      name_prefix: LIVE_CONSUMER_PREFIX,
      filterSubjects: `${EVENT_SUBJECT_PREFIX}.>`,
      deliver_policy: DeliverPolicy.New,
      inactive_threshold: 30_000,
    });
    const live = {
      consumer: undefined as unknown as Consumer,
      ready: undefined as unknown as Promise<ConsumerMessages>,
    };
    live.ready = consumer.then(async (c) => {
      live.consumer = c;
      return c.consume({ max_messages: 512, callback: (m) => this.dispatch(m) });
    });
    this.live = live;
    live.ready.catch((e: Error) => {
      this.log.warn(`event feed not started: ${e.message}`);
      if (this.live === live) this.live = undefined;
    });
    return live.ready;
  }

  private dispatch(m: JsMsg): void {
    const tenantId = m.subject.split('.', PREFIX_TOKENS + 1)[PREFIX_TOKENS];
    const set = tenantId ? this.listeners.get(tenantId) : undefined;
    if (!set) return;
    const e = FeedEvent.of(m);
    if (!e) return;
    for (const listener of [...set]) listener(e);
  }

  /** Stops and deletes the live consumer (no stream is open any more, or the gateway is stopping). */
  private async stopLive(): Promise<void> {
    const live = this.live;
    this.live = undefined;
    if (!live) return;
    try {
      const messages = await live.ready;
      messages.stop();
      await live.consumer.delete();
    } catch (e) {
      // the server removes it after its inactivity threshold anyway
      this.log.debug(`live consumer not deleted: ${(e as Error).message}`);
    }
  }
}
