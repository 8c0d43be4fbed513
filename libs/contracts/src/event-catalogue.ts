// The AsyncAPI document of the event stream, generated from the event registry (npm run asyncapi writes
// docs/asyncapi.json; a test keeps the committed file in step).
import consumers from './event-consumers.json';
import { DataSchema, Events, Producer } from './event-registry';
import type { EventType } from './events';

/** A durable consumer of a service, as its `@HandleEvent` methods declare it (event-consumers.json). */
export interface ConsumerEntry {
  service: string;
  /** Its name; `-<database name>` is added when `perDatabase`. */
  durable: string;
  perDatabase: boolean;
  /** The event types it handles, or `*`: every event. */
  events: string[] | '*';
}

/**
 * Who consumes what: generated from the services' `@HandleEvent` decorators by `npm run asyncapi`
 * (a test keeps it in step with them).
 */
export const EVENT_CONSUMERS = consumers.consumers as ConsumerEntry[];

export interface CatalogueEntry {
  summary: string;
  producer: Producer;
  version: number;
  data: DataSchema;
  /** The version before a breaking change, still published for one release. */
  previous?: { version: number; until: string; data: DataSchema };
}

/** The registry as documentation: each event type's meaning, producer, version and data schema. */
export const EVENT_CATALOGUE = Object.fromEntries(
  Object.values(Events).map((e) => [
    e.type,
    {
      summary: e.summary,
      producer: e.producer,
      version: e.version,
      data: e.data.schema,
      ...('previous' in e && e.previous
        ? {
            previous: {
              version: e.previous.version,
              until: e.previous.until,
              data: e.previous.data.schema,
            },
          }
        : {}),
    },
  ]),
) as Record<EventType, CatalogueEntry>;

const ENVELOPE_HEADERS = {
  type: 'object',
  properties: {
    'Nats-Msg-Id': { type: 'string', description: 'the event id; JetStream drops a re-published one' },
    'x-request-id': { type: 'string', description: 'the HTTP request that caused it' },
  },
};

/** The envelope of one version of an event: every event is this object with its own `data`. */
function envelopeSchema(type: string, version: number, data: DataSchema): Record<string, unknown> {
  return {
    type: 'object',
    required: ['id', 'type', 'version', 'tenantId', 'aggregateId', 'occurredAt', 'data'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      type: { type: 'string', const: type },
      version: { type: 'integer', const: version },
      tenantId: { type: 'string', description: 'the account (32 hex)' },
      aggregateId: { type: 'string' },
      occurredAt: { type: 'string', format: 'date-time' },
      requestId: { type: 'string' },
      traceparent: { type: 'string' },
      legacyOf: {
        type: 'string',
        description: "on a previous version's copy: the id of the current version's event",
      },
      data,
    },
  };
}

/** The key of an event version in the document: `message_created`, `message_created_v1` for an old one. */
const asyncApiKey = (type: string, version?: number): string =>
  type.replace(/\./g, '_') + (version === undefined ? '' : `_v${version}`);

/**
 * The AsyncAPI 3.0.0 document of the event stream, built from the registry: one channel per event type
 * (its address the NATS subject), one `send` operation per channel, one `receive` operation per durable
 * consumer reading it (its service in the channel's `x-consumers`), and one message per published
 * version under components (a previous version, still published for one release, is marked deprecated).
 */
export function asyncApiDocument(
  version: string,
  consumers: ConsumerEntry[] = EVENT_CONSUMERS,
): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const message = (type: string, summary: string, v: number, data: DataSchema, until?: string) => ({
    name: type,
    title: until ? `${type} v${v} (deprecated)` : `${type} v${v}`,
    summary: until ? `${summary} Version ${v}, published until release ${until}.` : summary,
    ...(until ? { deprecated: true } : {}),
    contentType: 'application/json',
    headers: ENVELOPE_HEADERS,
    payload: envelopeSchema(type, v, data),
  });
  for (const [type, entry] of Object.entries(EVENT_CATALOGUE) as [string, CatalogueEntry][]) {
    const key = asyncApiKey(type);
    const versions: [string, Record<string, unknown>][] = [
      [key, message(type, entry.summary, entry.version, entry.data)],
    ];
    if (entry.previous) {
      const p = entry.previous;
      versions.push([asyncApiKey(type, p.version), message(type, entry.summary, p.version, p.data, p.until)]);
    }
    for (const [k, m] of versions) messages[k] = m;
    channels[key] = {
      address: `voxmail.evt.{tenantId}.${type}`,
      title: type,
      summary: entry.summary,
      description: `Published by ${entry.producer} through its outbox onto the JetStream stream VOXMAIL_EVENTS.`,
      parameters: { tenantId: { $ref: '#/components/parameters/tenantId' } },
      messages: Object.fromEntries(versions.map(([k]) => [k, { $ref: `#/components/messages/${k}` }])),
      'x-producer': entry.producer,
    };
    operations[`send_${key}`] = {
      action: 'send',
      channel: { $ref: `#/channels/${key}` },
      summary: `${entry.producer} publishes ${type}.`,
      messages: versions.map(([k]) => ({ $ref: `#/channels/${key}/messages/${k}` })),
    };
    const readers = consumers.filter((c) => c.events === '*' || c.events.includes(type));
    (channels[key] as Record<string, unknown>)['x-consumers'] = [...new Set(readers.map((c) => c.service))];
    for (const c of readers) {
      const name = c.perDatabase ? `${c.durable}-<database>` : c.durable;
      operations[`receive_${key}_${c.durable.replace(/[^A-Za-z0-9_]/g, '_')}`] = {
        action: 'receive',
        channel: { $ref: `#/channels/${key}` },
        summary: `${c.service} consumes ${type} (durable consumer ${name}${c.events === '*' ? ', every event' : ''}).`,
        messages: [{ $ref: `#/channels/${key}/messages/${key}` }],
      };
    }
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Voxmail events',
      version,
      description:
        'Every change in Voxmail, as JetStream messages on the stream VOXMAIL_EVENTS (subjects voxmail.evt.>). ' +
        'Generated from libs/contracts/src/event-registry.ts by `npm run asyncapi`.',
    },
    defaultContentType: 'application/json',
    servers: {
      nats: { host: '127.0.0.1:4222', protocol: 'nats', description: 'NATS with JetStream' },
    },
    channels,
    operations,
    components: {
      parameters: {
        tenantId: { description: 'the account id (32 lowercase hex characters)' },
      },
      messages,
    },
  };
}
