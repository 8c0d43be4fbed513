// The event catalogue: what each event means and what its `data` holds. docs/asyncapi.yaml is generated
// from it (npm run asyncapi), and a test keeps both in step with EventTypes.
import { EventType, EventTypes } from './events';

interface DataSchema {
  type: 'object';
  description?: string;
  properties: Record<string, { type: string | string[]; description?: string }>;
  required?: string[];
  additionalProperties?: boolean;
}

export interface CatalogueEntry {
  summary: string;
  producer: 'mailbox-service' | 'message-service' | 'media-storage-service' | 'broadcast-dialer-service';
  data: DataSchema;
}

const doc = (
  description: string,
  properties: DataSchema['properties'] = {},
  required: string[] = ['id'],
): DataSchema => ({
  type: 'object',
  description,
  properties: { id: { type: 'string', description: '32 hex characters' }, ...properties },
  required,
  additionalProperties: true,
});

const account = doc('The account document as the Kazoo API shows it (custom keys included).', {
  name: { type: 'string' },
  realm: { type: 'string' },
  timezone: { type: 'string' },
});
const user = doc('The user document as the Kazoo API shows it, never the password.', {
  username: { type: 'string' },
  first_name: { type: 'string' },
  last_name: { type: 'string' },
  priv_level: { type: 'string', description: 'admin or user' },
});
const client = doc('The API client, never its secret.', {
  client_id: { type: 'string' },
  name: { type: 'string' },
  priv_level: { type: 'string' },
  owner_id: { type: 'string' },
});
const box = doc('The vmbox as the Kazoo API shows it, with pin_set and never the PIN.', {
  name: { type: 'string' },
  mailbox: { type: 'string' },
  owner_id: { type: 'string' },
  pin_set: { type: 'boolean' },
});
const pin = doc('A PIN attempt on a box.', {
  reason: { type: 'string', description: 'wrong_pin, no_pin or locked (pin_failed)' },
  failures: { type: 'integer', description: 'failures in a row' },
  locked_until: { type: ['string', 'null'], description: 'ISO time (locked)' },
});
const message = doc('The message as the Kazoo API shows it, plus its box and audio object.', {
  vmbox_id: { type: 'string' },
  media_id: { type: 'string', description: 'YYYYMM-<32 hex>, the message id' },
  folder: { type: 'string', description: 'new, saved or deleted' },
  media_object_id: { type: ['string', 'null'] },
  timestamp: { type: 'integer', description: 'Gregorian seconds' },
});
const media = doc('An audio object in the store.', {
  key: { type: 'string', description: '<tenantId>/<kind>/<objectId>' },
  kind: { type: 'string' },
  size: { type: 'integer' },
  sha256: { type: 'string' },
  content_type: { type: 'string' },
  duration_ms: { type: ['integer', 'null'] },
});

export const EVENT_CATALOGUE: Record<EventType, CatalogueEntry> = {
  [EventTypes.AccountCreated]: {
    summary: 'A tenant account was created.',
    producer: 'mailbox-service',
    data: account,
  },
  [EventTypes.AccountUpdated]: {
    summary: 'An account was changed.',
    producer: 'mailbox-service',
    data: account,
  },
  [EventTypes.AccountDeleted]: {
    summary: 'An account was deleted; its tokens stopped working.',
    producer: 'mailbox-service',
    data: account,
  },
  [EventTypes.ApiKeyRotated]: {
    summary: "An account's API key was rotated; the old key and its tokens stopped working.",
    producer: 'mailbox-service',
    data: doc('The account id only; never the key.'),
  },
  [EventTypes.TokensRevoked]: {
    summary:
      'Tokens were revoked for good: every token of the subject issued at or before revoked_before is void, even if the account or user is enabled again.',
    producer: 'mailbox-service',
    data: doc(
      'The revocation; never a token.',
      {
        scope: {
          type: 'string',
          description: 'account (all its tokens), api_key (tokens its API key issued), user or api_client',
        },
        account_id: { type: 'string', description: 'the account the subject belongs to' },
        revoked_before: { type: 'string', description: 'ISO time; tokens issued up to it are void' },
        reason: {
          type: 'string',
          description:
            'account_disabled, account_deleted, api_key_rotated, user_disabled, user_deleted or api_client_deleted',
        },
      },
      ['id', 'scope', 'account_id', 'revoked_before'],
    ),
  },
  [EventTypes.UserCreated]: { summary: 'A user was created.', producer: 'mailbox-service', data: user },
  [EventTypes.UserUpdated]: { summary: 'A user was changed.', producer: 'mailbox-service', data: user },
  [EventTypes.UserDeleted]: { summary: 'A user was deleted.', producer: 'mailbox-service', data: user },
  [EventTypes.ApiClientCreated]: {
    summary: 'An API client was created.',
    producer: 'mailbox-service',
    data: client,
  },
  [EventTypes.ApiClientDeleted]: {
    summary: 'An API client was revoked.',
    producer: 'mailbox-service',
    data: client,
  },
  [EventTypes.MailboxCreated]: {
    summary: 'A voicemail box was created.',
    producer: 'mailbox-service',
    data: box,
  },
  [EventTypes.MailboxUpdated]: {
    summary: 'A voicemail box was changed.',
    producer: 'mailbox-service',
    data: box,
  },
  [EventTypes.MailboxDeleted]: {
    summary: 'A voicemail box was deleted; message-service purges its messages, media-storage their audio.',
    producer: 'mailbox-service',
    data: box,
  },
  [EventTypes.MailboxPinVerified]: {
    summary: 'A right PIN was given for a box.',
    producer: 'mailbox-service',
    data: pin,
  },
  [EventTypes.MailboxPinFailed]: {
    summary: 'A PIN attempt on a box failed.',
    producer: 'mailbox-service',
    data: pin,
  },
  [EventTypes.MailboxLocked]: {
    summary: 'A box was locked after repeated wrong PINs.',
    producer: 'mailbox-service',
    data: pin,
  },
  [EventTypes.MessageCreated]: {
    summary: 'A voicemail message was deposited.',
    producer: 'message-service',
    data: message,
  },
  [EventTypes.MessageUpdated]: {
    summary: "A message's folder or fields changed.",
    producer: 'message-service',
    data: message,
  },
  [EventTypes.MessageMoved]: {
    summary: 'A message moved to another box of the account.',
    producer: 'message-service',
    data: message,
  },
  [EventTypes.MessageCopied]: {
    summary: 'A message was copied to another box (new id, its own audio).',
    producer: 'message-service',
    data: message,
  },
  [EventTypes.MessageDeleted]: {
    summary: 'A message went to the deleted folder, or was purged (data.purged).',
    producer: 'message-service',
    data: message,
  },
  [EventTypes.MessageMediaStored]: {
    summary: "A message's audio was stored.",
    producer: 'message-service',
    data: message,
  },
  [EventTypes.MwiUpdated]: {
    summary: "A box's message-waiting counts after a change (the PBX's MWI lamp).",
    producer: 'message-service',
    data: {
      type: 'object',
      properties: { vmbox_id: { type: 'string' }, new: { type: 'integer' }, saved: { type: 'integer' } },
      required: ['vmbox_id', 'new', 'saved'],
    },
  },
  [EventTypes.MediaStored]: {
    summary: 'An audio object was stored and verified.',
    producer: 'media-storage-service',
    data: media,
  },
  [EventTypes.MediaDeleted]: {
    summary: 'An audio object was removed from the store.',
    producer: 'media-storage-service',
    data: media,
  },
};

/** The AsyncAPI 2.6 document of the event stream, built from the catalogue. */
export function asyncApiDocument(version: string): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  for (const [type, entry] of Object.entries(EVENT_CATALOGUE)) {
    const name = type.replace('.', '_');
    messages[name] = {
      name: type,
      title: type,
      summary: entry.summary,
      contentType: 'application/json',
      headers: {
        type: 'object',
        properties: {
          'Nats-Msg-Id': { type: 'string', description: 'the event id; JetStream drops a re-published one' },
          'x-request-id': { type: 'string', description: 'the HTTP request that caused it' },
        },
      },
      payload: {
        type: 'object',
        required: ['id', 'type', 'version', 'tenantId', 'aggregateId', 'occurredAt', 'data'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          type: { type: 'string', const: type },
          version: { type: 'integer', const: 1 },
          tenantId: { type: 'string', description: 'the account (32 hex)' },
          aggregateId: { type: 'string' },
          occurredAt: { type: 'string', format: 'date-time' },
          requestId: { type: 'string' },
          traceparent: { type: 'string' },
          data: entry.data,
        },
      },
    };
    channels[`voxmail.evt.{tenantId}.${type}`] = {
      description: `${entry.summary} Published by ${entry.producer} through its outbox onto the JetStream stream VOXMAIL_EVENTS.`,
      parameters: { tenantId: { $ref: '#/components/parameters/tenantId' } },
      subscribe: { operationId: `on_${name}`, message: { $ref: `#/components/messages/${name}` } },
    };
  }
  return {
    asyncapi: '2.6.0',
    info: {
      title: 'Voxmail events',
      version,
      description:
        'Every change in Voxmail, as JetStream messages on the stream VOXMAIL_EVENTS (subjects voxmail.evt.>). ' +
        'Generated from libs/contracts/src/event-catalogue.ts by `npm run asyncapi`.',
    },
    defaultContentType: 'application/json',
    servers: { nats: { url: 'nats://127.0.0.1:4222', protocol: 'nats', description: 'NATS with JetStream' } },
    channels,
    components: {
      parameters: {
        tenantId: {
          description: 'the account id (32 hex)',
          schema: { type: 'string', pattern: '^[0-9a-f]{32}$' },
        },
      },
      messages,
    },
  };
}
