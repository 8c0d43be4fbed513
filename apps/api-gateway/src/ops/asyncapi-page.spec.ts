import { asyncApiDocument, Events } from '@voxmail/contracts';
import { renderAsyncApiPage } from './asyncapi.controller';

describe('the /asyncapi page', () => {
  const doc = asyncApiDocument('9.9.9');
  const html = renderAsyncApiPage(doc);

  it('renders the AsyncAPI 3 document: every channel address, producer, operation and data field', () => {
    expect(html).toContain('AsyncAPI 3.0.0');
    for (const def of Object.values(Events)) {
      const key = def.type.replace(/\./g, '_');
      expect(html).toContain(`<section id="${key}">`);
      expect(html).toContain(`<code>voxmail.evt.{tenantId}.${def.type}</code>`);
      expect(html).toContain(`send_${key} (send)`);
      for (const field of Object.keys(def.data.schema.properties))
        expect(html).toContain(`<code>${field}</code>`);
    }
    expect(html).toContain('<code>occurredAt</code>');
    expect(html).toContain('nats://127.0.0.1:4222');
  });

  it('is self-contained and escapes what it shows', () => {
    expect(html).not.toMatch(/<script|https?:\/\/cdn|<link /i);
    const tampered = JSON.parse(JSON.stringify(doc));
    tampered.channels.mwi_updated.summary = '<img src=x onerror=alert(1)>';
    expect(renderAsyncApiPage(tampered)).not.toContain('<img src=x');
  });
});
