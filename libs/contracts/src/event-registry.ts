// The event registry: each event type declared once with its version, what it means, who publishes it and
// the schema of its `data`, from which its TypeScript payload type is inferred, so the AsyncAPI document
// (npm run asyncapi), the producers and the consumers read one definition.
import { BROADCAST_STATES, CALL_STATES } from './broadcast-states';
import type { EventEnvelope } from './events';
import type { JsonObject } from './kazoo';

declare const FIELD: unique symbol;

export interface FieldSchema {
  type: string | string[];
  description?: string;
  enum?: readonly string[];
}

/** One property of an event's `data`: its JSON schema, and its TypeScript type at compile time. */
export interface Field<T> {
  readonly schema: FieldSchema;
  readonly [FIELD]?: T;
}

const field = <T>(type: string, description?: string): Field<T> => ({
  schema: { type, ...(description ? { description } : {}) },
});

export const f = {
  string: (description?: string) => field<string>('string', description),
  integer: (description?: string) => field<number>('integer', description),
  boolean: (description?: string) => field<boolean>('boolean', description),
  object: (description?: string) => field<JsonObject>('object', description),
  oneOf: <V extends string>(values: readonly V[], description?: string): Field<V> => ({
    schema: { type: 'string', enum: values, ...(description ? { description } : {}) },
  }),
  nullable: <T>(inner: Field<T>): Field<T | null> => ({
    schema: { ...inner.schema, type: [inner.schema.type as string, 'null'] },
  }),
};

type Fields = Record<string, Field<unknown>>;
type TypeOfField<F> = F extends Field<infer T> ? T : never;

export interface DataSchema {
  type: 'object';
  description?: string;
  properties: Record<string, FieldSchema>;
  required?: string[];
  additionalProperties: boolean;
}

declare const DATA: unique symbol;

/** The `data` of an event: its schema, and its TypeScript type at compile time. */
export interface Payload<T> {
  readonly schema: DataSchema;
  readonly [DATA]?: T;
}

type Open<Extra extends boolean> = Extra extends true ? JsonObject : unknown;

/** `data` with `required` and `optional` properties; `open` documents may carry any other keys. */
export function payload<
  R extends Fields,
  O extends Fields = Record<never, never>,
  X extends boolean = false,
>(o: {
  description?: string;
  required: R;
  optional?: O;
  open?: X;
}): Payload<{ [K in keyof R]: TypeOfField<R[K]> } & { [K in keyof O]?: TypeOfField<O[K]> } & Open<X>> {
  const properties: Record<string, FieldSchema> = {};
  for (const [k, v] of Object.entries({ ...o.required, ...o.optional })) properties[k] = v.schema;
  return {
    schema: {
      type: 'object',
      ...(o.description ? { description: o.description } : {}),
      properties,
      required: Object.keys(o.required),
      // a closed payload declares every key it may carry: an undeclared one fails the contract test
      additionalProperties: o.open === true,
    },
  };
}

/** A Kazoo-style document as an event's data: an id, the keys worth naming, and any custom keys. */
const doc = <O extends Fields>(description: string, optional: O) =>
  payload({ description, required: { id: f.string('32 hex characters') }, optional, open: true });

export type Producer =
  | 'mailbox-service'
  | 'message-service'
  | 'media-storage-service'
  | 'broadcast-dialer-service'
  | 'notification-service';

/**
 * The version an event had before a breaking change, kept for one release: producers publish it next to
 * the current one (the outbox writes both, see `withPreviousVersions`), so a consumer of the old version
 * keeps working; a consumer of the new version reads old events still in the stream through `upcast`.
 */
export interface PreviousVersion<D> {
  readonly version: number;
  readonly data: Payload<unknown>;
  /** The release after which the old version is no longer published. */
  readonly until: string;
  /** New data in the old shape (what the producer publishes for old consumers). */
  // method syntax: a definition of any payload type stays an EventDef<string, unknown>
  downcast(data: D): unknown;
  /** Old data in the new shape (for events published before the change). */
  upcast(old: Record<string, unknown>): D;
}

export interface EventDef<T extends string = string, D = unknown> {
  readonly type: T;
  readonly version: number;
  readonly summary: string;
  readonly producer: Producer;
  readonly data: Payload<D>;
  readonly previous?: PreviousVersion<D>;
}

export type DataOf<E> = E extends EventDef<string, infer D> ? D : never;

export function defineEvent<T extends string, D>(
  type: T,
  o: {
    version?: number;
    summary: string;
    producer: Producer;
    data: Payload<D>;
    previous?: PreviousVersion<D>;
  },
): EventDef<T, D> {
  return {
    type,
    version: o.version ?? 1,
    summary: o.summary,
    producer: o.producer,
    data: o.data,
    ...(o.previous ? { previous: o.previous } : {}),
  };
}

const account = doc('The account document as the Kazoo API shows it (custom keys included).', {
  name: f.string(),
  realm: f.string(),
  timezone: f.string(),
});
const user = doc('The user document as the Kazoo API shows it, never the password.', {
  username: f.string(),
  first_name: f.string(),
  last_name: f.string(),
  priv_level: f.string('admin or user'),
});
const client = doc('The API client, never its secret.', {
  client_id: f.string(),
  name: f.string(),
  priv_level: f.string(),
  owner_id: f.string(),
  onbuka: f.boolean('true when the client also signs Onbuka requests'),
});
const box = doc('The vmbox as the Kazoo API shows it, with pin_set and never the PIN.', {
  name: f.string(),
  mailbox: f.string(),
  owner_id: f.string(),
  pin_set: f.boolean(),
});
const pin = payload({
  description: 'A PIN attempt on a box.',
  required: {
    id: f.string('32 hex characters'),
    mailbox: f.string('the box number'),
    failures: f.integer('failures in a row after this attempt'),
  },
  optional: {
    reason: f.oneOf(['wrong_pin', 'no_pin', 'locked'] as const, 'why a failed attempt failed (pin_failed)'),
    locked_until: f.string('ISO time (locked)'),
  },
});
const message = payload({
  description: 'The message as the Kazoo API shows it, plus its box and audio object.',
  required: {
    id: f.string('YYYYMM-<32 hex>, the message id'),
    vmbox_id: f.string(),
    media_object_id: f.nullable(f.string()),
  },
  optional: {
    media_id: f.string('YYYYMM-<32 hex>, the message id'),
    folder: f.string('new, saved or deleted'),
    timestamp: f.integer('Gregorian seconds'),
    purged: f.boolean('message.deleted: whether the message is gone for good'),
    reason: f.string('message.deleted with purged: retention or mailbox_deleted'),
    purge_at: f.string('message.deleted without purged: when retention purges it (ISO time)'),
    previous_folder: f.string('message.updated'),
    from_vmbox_id: f.string('message.moved'),
    source_message_id: f.string('message.copied'),
    source_vmbox_id: f.string('message.copied'),
    replaced_object_id: f.nullable(f.string('message.media_stored: the audio object it replaced')),
    media: f.object('message.media_stored: the stored audio (format, size, duration)'),
    transcribe: f.boolean(
      "message.media_stored: whether the box transcribes (the account's transcription.enabled, else the box's transcribe)",
    ),
    transcription: f.object('result, text, language, engine, confidence (message.transcribed)'),
  },
  open: true,
});
const media = payload({
  description: 'An audio object in the store.',
  required: {
    object_id: f.string('32 hex characters'),
    kind: f.string('message, greeting, prompt or broadcast'),
    key: f.string('<tenantId>/<kind>/<objectId>'),
    owner_id: f.nullable(f.string()),
    content_type: f.nullable(f.string()),
    format: f.nullable(f.string()),
    size: f.nullable(f.integer()),
    sha256: f.nullable(f.string()),
    duration_ms: f.nullable(f.integer()),
  },
  optional: {
    copy_of: f.string('media.stored of a copy: the object it copies'),
    reason: f.string('media.deleted: replaced, message_deleted, upload_abandoned, unclaimed, ...'),
  },
});
const greeting = payload({
  description: 'A greeting or prompt (a media document) and its audio.',
  required: {
    media_id: f.string('32 hex characters'),
    name: f.string(),
    kind: f.string('greeting or prompt'),
    vmbox_id: f.nullable(f.string('the box a file greeting belongs to')),
    object_id: f.nullable(f.string('the audio object')),
    content_type: f.nullable(f.string()),
    size: f.nullable(f.integer()),
    duration_ms: f.nullable(f.integer()),
  },
  optional: {
    replaced: f.boolean('greeting.uploaded: an earlier audio of the same document was overwritten'),
  },
});
const mwi = payload({
  required: { vmbox_id: f.string(), new: f.integer(), saved: f.integer() },
});

const broadcast = payload({
  description: 'A voice broadcast (campaign) and its counts.',
  required: {
    id: f.string('32 hex characters'),
    app_id: f.string(),
    state: f.oneOf(BROADCAST_STATES),
    total: f.integer('calls in the campaign'),
  },
  optional: { file_id: f.string('the prompt'), source: f.string('onbuka or native') },
});
const call = payload({
  description: 'One call of a broadcast after a change of state.',
  required: {
    id: f.string('the voiceId'),
    broadcast_id: f.string(),
    callee: f.string(),
    state: f.oneOf(CALL_STATES),
    attempt: f.integer('the attempt this state belongs to (0 before the first dial)'),
  },
  optional: { reason: f.string('why a call failed or was retried') },
});

const limitsDoc = payload({
  description:
    "An account's limits as the operator or a reseller above set them (`/v2/accounts/{id}/limits`); null: the deployment's default.",
  required: {
    max_concurrent_calls: f.nullable(f.integer('calls in progress at once, every app and replica')),
    calls_per_second: f.nullable(f.integer('call starts per second, every app and replica')),
    max_queued_calls: f.nullable(f.integer('queued calls; a batch over it is refused whole')),
    dialer_weight: f.integer("the account's share of dialer slots against others' (its plan), 1-100"),
  },
  optional: {
    max_storage_bytes: f.nullable(f.integer('bytes of audio stored (messages, greetings, prompts)')),
    max_vmboxes: f.nullable(f.integer('voicemail boxes')),
    max_users: f.nullable(f.integer('users')),
    max_webhooks: f.nullable(f.integer('webhooks')),
  },
});
const quota = payload({
  description: 'A request refused whole because it would take the account over a limit.',
  required: {
    quota: f.string('the limit, as named in /v2/accounts/{id}/limits (e.g. max_queued_calls)'),
    limit: f.integer(),
    used: f.integer('the usage counted when the request was refused'),
    requested: f.integer('what the refused request would have added'),
  },
});

const M = 'mailbox-service';
const DIALER = 'broadcast-dialer-service';
const MSG = 'message-service';
const MEDIA = 'media-storage-service';

export const Events = {
  AccountCreated: defineEvent('account.created', {
    summary: 'A tenant account was created.',
    producer: M,
    data: account,
  }),
  AccountUpdated: defineEvent('account.updated', {
    summary: 'An account was changed.',
    producer: M,
    data: account,
  }),
  AccountDeleted: defineEvent('account.deleted', {
    summary: 'An account was deleted; its tokens stopped working.',
    producer: M,
    data: account,
  }),
  ApiKeyRotated: defineEvent('account.api_key_rotated', {
    summary: "An account's API key was rotated; the old key and its tokens stopped working.",
    producer: M,
    data: doc('The account id only; never the key.', {}),
  }),
  TokensRevoked: defineEvent('auth.tokens_revoked', {
    summary:
      'Tokens were revoked for good: every token of the subject issued at or before revoked_before is void, even if the account or user is enabled again.',
    producer: M,
    data: payload({
      description: 'The revocation; never a token.',
      required: {
        id: f.string(
          'the subject: an account, user or API client id (32 hex characters), or a token id (its jti, 16 hex characters)',
        ),
        scope: f.string(
          'account (all its tokens), api_key (tokens its API key issued), user, api_client or token (that one token)',
        ),
        account_id: f.string('the account the subject belongs to'),
        revoked_before: f.string('ISO time; tokens issued up to it are void'),
      },
      optional: {
        reason: f.string(
          'account_disabled, account_deleted, api_key_rotated, user_disabled, user_deleted, api_client_deleted, api_client_logout or token_logout',
        ),
      },
    }),
  }),
  AccountLimitsUpdated: defineEvent('account.limits_updated', {
    summary: "An account's limits were set by the operator or a reseller above it.",
    producer: M,
    data: limitsDoc,
  }),
  QuotaExceeded: defineEvent('quota.exceeded', {
    summary:
      'A request was refused whole: it would have taken the account over one of its limits (published by the service enforcing it: the dialer for calls, mailbox-service for boxes and users).',
    producer: DIALER,
    data: quota,
  }),
  UserCreated: defineEvent('user.created', { summary: 'A user was created.', producer: M, data: user }),
  UserUpdated: defineEvent('user.updated', { summary: 'A user was changed.', producer: M, data: user }),
  UserDeleted: defineEvent('user.deleted', { summary: 'A user was deleted.', producer: M, data: user }),
  ApiClientCreated: defineEvent('api_client.created', {
    summary: 'An API client was created.',
    producer: M,
    data: client,
  }),
  ApiClientDeleted: defineEvent('api_client.deleted', {
    summary: 'An API client was revoked.',
    producer: M,
    data: client,
  }),
  MailboxCreated: defineEvent('mailbox.created', {
    summary: 'A voicemail box was created.',
    producer: M,
    data: box,
  }),
  MailboxUpdated: defineEvent('mailbox.updated', {
    summary: 'A voicemail box was changed.',
    producer: M,
    data: box,
  }),
  MailboxDeleted: defineEvent('mailbox.deleted', {
    summary: 'A voicemail box was deleted; message-service purges its messages, media-storage their audio.',
    producer: M,
    data: box,
  }),
  MailboxPinVerified: defineEvent('mailbox.pin_verified', {
    summary: 'A right PIN was given for a box.',
    producer: M,
    data: pin,
  }),
  MailboxPinFailed: defineEvent('mailbox.pin_failed', {
    summary: 'A PIN attempt on a box failed.',
    producer: M,
    data: pin,
  }),
  MailboxLocked: defineEvent('mailbox.locked', {
    summary: 'A box was locked after repeated wrong PINs.',
    producer: M,
    data: pin,
  }),
  MessageCreated: defineEvent('message.created', {
    summary: 'A voicemail message was deposited.',
    producer: MSG,
    data: message,
  }),
  MessageUpdated: defineEvent('message.updated', {
    summary: "A message's folder or fields changed.",
    producer: MSG,
    data: message,
  }),
  MessageMoved: defineEvent('message.moved', {
    summary: 'A message moved to another box of the account.',
    producer: MSG,
    data: message,
  }),
  MessageCopied: defineEvent('message.copied', {
    summary: 'A message was copied to another box (new id, its own audio).',
    producer: MSG,
    data: message,
  }),
  MessageDeleted: defineEvent('message.deleted', {
    summary: 'A message went to the deleted folder, or was purged (data.purged).',
    producer: MSG,
    data: message,
  }),
  MessageMediaStored: defineEvent('message.media_stored', {
    summary: "A message's audio was stored.",
    producer: MSG,
    data: message,
  }),
  MessageTranscribed: defineEvent('message.transcribed', {
    summary:
      "A message's audio was transcribed (transcription-service); data.transcription is the result (success, failed or no_speech).",
    producer: MSG,
    data: message,
  }),
  MwiUpdated: defineEvent('mwi.updated', {
    summary: "A box's message-waiting counts after a change (the PBX's MWI lamp).",
    producer: MSG,
    data: mwi,
  }),
  MediaStored: defineEvent('media.stored', {
    summary: 'An audio object was stored and verified.',
    producer: MEDIA,
    data: media,
  }),
  MediaDeleted: defineEvent('media.deleted', {
    summary: 'An audio object was removed from the store.',
    producer: MEDIA,
    data: media,
  }),
  MediaCreated: defineEvent('media.created', {
    summary: 'A media document (greeting or prompt) was created.',
    producer: MEDIA,
    data: greeting,
  }),
  MediaUpdated: defineEvent('media.updated', {
    summary: "A media document's settings changed.",
    producer: MEDIA,
    data: greeting,
  }),
  MediaRemoved: defineEvent('media.removed', {
    summary: 'A media document was deleted (its audio goes with media.deleted).',
    producer: MEDIA,
    data: greeting,
  }),
  GreetingUploaded: defineEvent('greeting.uploaded', {
    summary: 'Audio was uploaded to a greeting or prompt (new, or overwriting the same document).',
    producer: MEDIA,
    data: greeting,
  }),
  GreetingDeleted: defineEvent('greeting.deleted', {
    summary: 'A greeting or prompt with audio was deleted.',
    producer: MEDIA,
    data: greeting,
  }),
  WebhookDisabled: defineEvent('webhook.disabled', {
    summary: 'A webhook was disabled automatically after a run of failed deliveries.',
    producer: 'notification-service',
    data: payload({
      description: 'The webhook (never its secret) and why it stopped.',
      required: {
        id: f.string('the webhook id (32 hex characters)'),
        name: f.string(),
        uri: f.string(),
        failures: f.integer('deliveries in a row that failed every attempt'),
      },
      optional: { last_error: f.string('the last attempt error') },
    }),
  }),
  BroadcastCreated: defineEvent('broadcast.created', {
    summary: 'A broadcast was accepted; its calls are queued.',
    producer: DIALER,
    data: broadcast,
  }),
  BroadcastStarted: defineEvent('broadcast.started', {
    summary: 'The first call of a broadcast was dialed.',
    producer: DIALER,
    data: broadcast,
  }),
  BroadcastCompleted: defineEvent('broadcast.completed', {
    summary: 'Every call of a broadcast reached a final state.',
    producer: DIALER,
    data: broadcast,
  }),
  BroadcastCancelled: defineEvent('broadcast.cancelled', {
    summary: 'A broadcast was cancelled: its queued calls were cancelled, calls in progress finish.',
    producer: DIALER,
    data: broadcast,
  }),
  BroadcastCallUpdated: defineEvent('broadcast.call.updated', {
    summary: 'A call of a broadcast changed state.',
    producer: DIALER,
    data: call,
  }),
} as const;

export type EventName = keyof typeof Events;
export type AnyEventDef = (typeof Events)[EventName];

/** data of `mwi.updated`: the box's counts after a change; the MWI lamp and list counts. */
export type MwiUpdatedData = DataOf<typeof Events.MwiUpdated>;
/** data of `mailbox.pin_verified`, `mailbox.pin_failed`, `mailbox.locked`. */
export type PinOutcomeData = DataOf<typeof Events.MailboxPinVerified>;
/** data of every `message.*` event. */
export type MessageEventData = DataOf<typeof Events.MessageCreated>;
/** data of `greeting.*` and the media document events. */
export type GreetingEventData = DataOf<typeof Events.GreetingUploaded>;
/** data of `media.stored` and `media.deleted`. */
export type MediaEventData = DataOf<typeof Events.MediaStored>;

declare const BUILT_BY_REGISTRY: unique symbol;

/**
 * What a service hands the outbox: the envelope minus what the outbox fills in. Only `newEvent` makes
 * one (the brand is compile-time only), so an event's type, version and data always come from the registry.
 */
export interface NewEvent<T = unknown> {
  readonly type: string;
  readonly tenantId: string;
  readonly aggregateId: string;
  readonly data: T;
  readonly version: number;
  readonly [BUILT_BY_REGISTRY]: true;
}

/** Builds an event of the registry: its type and version come from the definition, its data is typed by it. */
export function newEvent<E extends EventDef>(
  def: E,
  e: { tenantId: string; aggregateId: string; data: DataOf<E> },
): NewEvent<DataOf<E>> {
  return {
    type: def.type,
    version: def.version,
    tenantId: e.tenantId,
    aggregateId: e.aggregateId,
    data: e.data,
  } as NewEvent<DataOf<E>>;
}

/**
 * Narrows a received envelope to one event of the registry. The type says what the producer promised;
 * a consumer still checks the fields it relies on (an old or foreign producer may break the promise).
 */
export function isEvent<E extends EventDef>(
  def: E,
  e: EventEnvelope,
): e is EventEnvelope & { data: DataOf<E> } {
  return e.type === def.type;
}
