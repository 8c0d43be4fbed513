// The AsyncAPI document of the event stream, generated from the event registry (npm run asyncapi writes
// docs/asyncapi.json; a test keeps the committed file in step).
import { DataSchema, Events, Producer } from './event-registry';
import type { EventType } from './events';

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

/** The AsyncAPI 2.6 document of the event stream, built from the catalogue. */
export function asyncApiDocument(version: string): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const message = (type: string, summary: string, v: number, data: DataSchema, until?: string) => ({
    name: type,
    title: until ? `${type} v${v} (deprecated)` : type,
    summary: until ? `${summary} Version ${v}, published until release ${until}.` : summary,
    ...(until ? { deprecated: true } : {}),
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
        version: { type: 'integer', const: v },
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
    },
  });
  for (const [type, entry] of Object.entries(EVENT_CATALOGUE) as [string, CatalogueEntry][]) {
    const name = type.replace('.', '_');
    messages[name] = message(type, entry.summary, entry.version, entry.data);
    const refs = [{ $ref: `#/components/messages/${name}` }];
    if (entry.previous) {
      const old = `${name}_v${entry.previous.version}`;
      messages[old] = message(
        type,
        entry.summary,
        entry.previous.version,
        entry.previous.data,
        entry.previous.until,
      );
      refs.push({ $ref: `#/components/messages/${old}` });
    }
    channels[`voxmail.evt.{tenantId}.${type}`] = {
      description: `${entry.summary} Published by ${entry.producer} through its outbox onto the JetStream stream VOXMAIL_EVENTS.`,
      parameters: { tenantId: { $ref: '#/components/parameters/tenantId' } },
      subscribe: { operationId: `on_${name}`, message: refs.length === 1 ? refs[0] : { oneOf: refs } },
    };
  }
  return {
    asyncapi: '2.6.0',
    info: {
      title: 'Voxmail events',
      version,
      description:
        'Every change in Voxmail, as JetStream messages on the stream VOXMAIL_EVENTS (subjects voxmail.evt.>). ' +
        'Generated from libs/contracts/src/event-registry.ts by `npm run asyncapi`.',
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
