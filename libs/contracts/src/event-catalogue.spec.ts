import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
    expect(Object.keys(committed.channels)).toContain('voxmail.evt.{tenantId}.mwi.updated');
    expect(committed.components.messages.media_stored.payload.properties.data.required).toContain(
      'object_id',
    );
  });
});
