import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { asyncApiDocument, EVENT_CATALOGUE, EventTypes } from './index';

describe('the event catalogue', () => {
  it('describes every event type, and nothing else', () => {
    expect(Object.keys(EVENT_CATALOGUE).sort()).toEqual(Object.values(EventTypes).sort());
  });

  it('docs/asyncapi.json is the document generated from it (run npm run asyncapi after a change)', () => {
    const root = join(__dirname, '../../..');
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
    const committed = JSON.parse(readFileSync(join(root, 'docs/asyncapi.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(asyncApiDocument(version))));
    expect(Object.keys(committed.channels)).toContain('voxmail.evt.{tenantId}.mwi.updated');
  });
});
