import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { asyncApiDocument, EVENT_CATALOGUE, Events, EventTypes, isEvent, newEvent } from './index';

describe('the event registry and its catalogue', () => {
  it('describes every event type, and nothing else', () => {
    expect(Object.keys(EVENT_CATALOGUE).sort()).toEqual(Object.values(EventTypes).sort());
    expect(Object.values(Events).map((e) => e.type)).toEqual(Object.values(EventTypes));
  });

  it('requires only properties it describes', () => {
    for (const entry of Object.values(EVENT_CATALOGUE)) {
      expect(Object.keys(entry.data.properties)).toEqual(expect.arrayContaining(entry.data.required ?? []));
    }
  });

  it('builds events whose type and version come from the definition', () => {
    const e = newEvent(Events.MwiUpdated, {
      tenantId: 't',
      aggregateId: 'b',
      data: { vmbox_id: 'b', new: 1, saved: 0 },
    });
    expect(e).toEqual({
      type: 'mwi.updated',
      version: Events.MwiUpdated.version,
      tenantId: 't',
      aggregateId: 'b',
      data: { vmbox_id: 'b', new: 1, saved: 0 },
    });
    const envelope = { ...e, id: 'x', occurredAt: '', version: 1 };
    expect(isEvent(Events.MwiUpdated, envelope)).toBe(true);
    expect(isEvent(Events.MessageCreated, envelope)).toBe(false);
  });

  it('docs/asyncapi.json is the document generated from it (run npm run asyncapi after a change)', () => {
    const root = join(__dirname, '../../..');
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
    const committed = JSON.parse(readFileSync(join(root, 'docs/asyncapi.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(asyncApiDocument(version))));
    expect(committed.channels.mwi_updated.address).toBe('voxmail.evt.{tenantId}.mwi.updated');
    expect(committed.components.messages.media_stored.payload.properties.data.required).toContain(
      'object_id',
    );
  });
});

describe('the AsyncAPI document', () => {
  const doc = asyncApiDocument('1.2.3') as {
    asyncapi: string;
    channels: Record<string, { address: string; messages: Record<string, { $ref: string }> }>;
    operations: Record<string, { action: string; channel: { $ref: string }; messages: { $ref: string }[] }>;
    components: { messages: Record<string, { name: string; payload: { properties: Record<string, any> } }> };
  };

  it('is valid AsyncAPI 3.0.0 by the specification schema (@asyncapi/specs)', () => {
    const schema = JSON.parse(
      readFileSync(require.resolve('@asyncapi/specs/schemas/3.0.0-without-$id.json'), 'utf8'),
    );
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const ok = validate(JSON.parse(JSON.stringify(doc)));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    expect(doc.asyncapi).toBe('3.0.0');
    // the schema is not a rubber stamp: a 2.x-style channel (subscribe inside it) fails it
    const broken = JSON.parse(JSON.stringify(doc));
    broken.channels.mwi_updated.subscribe = { message: { $ref: '#/components/messages/mwi_updated' } };
    expect(validate(broken)).toBe(false);
  });

  it('has one channel per event type, addressed by its subject, with a send operation for each', () => {
    const resolve = (ref: string): unknown =>
      ref
        .replace(/^#\//, '')
        .split('/')
        .reduce<any>((o, k) => o?.[k], doc);
    for (const def of Object.values(Events)) {
      const key = def.type.replace(/\./g, '_');
      const channel = doc.channels[key];
      expect(channel.address).toBe(`voxmail.evt.{tenantId}.${def.type}`);
      const op = doc.operations[`send_${key}`];
      expect(op.action).toBe('send');
      expect(resolve(op.channel.$ref)).toBe(channel);
      // every version of the event: the current one, and the previous one while it is still published
      const versions = [def.version, ...('previous' in def && def.previous ? [def.previous.version] : [])];
      expect(op.messages).toHaveLength(versions.length);
      const published = op.messages.map((m) => {
        const channelMessage = resolve(m.$ref) as { $ref: string };
        const message = resolve(channelMessage.$ref) as {
          name: string;
          payload: { properties: { version: { const: number }; data: unknown } };
        };
        expect(message.name).toBe(def.type);
        return message.payload.properties.version.const;
      });
      expect(published.sort()).toEqual(versions.sort());
      expect(
        (resolve(Object.values(channel.messages)[0].$ref) as { payload: { properties: { data: unknown } } })
          .payload.properties.data,
      ).toEqual(def.data.schema);
    }
    expect(Object.keys(doc.channels)).toHaveLength(Object.values(Events).length);
  });
});
