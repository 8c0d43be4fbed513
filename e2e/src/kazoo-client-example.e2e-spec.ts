// The typed Kazoo client of the README (examples/kazoo-client.ts: openapi-fetch over the types
// openapi-typescript generates from docs/openapi/kazoo.json), run as its own process against the stack:
// it creates a box and deposits a message with its audio, which the API then serves. The committed types
// must be what the committed document gives (`npm run openapi` writes both).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { useMessagesStack, useTenant } from './messages.helpers';

const ROOT = join(__dirname, '../..');
const stack = useMessagesStack();
const a = useTenant(stack);

describe('the generated Kazoo client', () => {
  it('has the types the committed document gives (npm run openapi)', async () => {
    // in a process of its own: openapi-typescript loads ES modules, which Jest's module system does not
    const lib = join(ROOT, 'scripts/lib/kazoo-client-types.js');
    const doc = join(ROOT, 'docs/openapi/kazoo.json');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(lib)}).kazooClientTypes(require(${JSON.stringify(doc)})).then((t) => process.stdout.write(t))`,
      ],
      { maxBuffer: 64 * 1024 * 1024, timeout: 60000 },
    );
    expect(readFileSync(join(ROOT, 'examples/kazoo-client/schema.d.ts'), 'utf8')).toBe(stdout);
  }, 60000);

  it('creates a box and deposits a message with its audio (npm run example:kazoo-client)', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'scripts/run-example.js'), 'kazoo-client'],
      {
        env: { ...process.env, VOXMAIL_URL: stack.baseUrl, VOXMAIL_API_KEY: a.apiKey, MAILBOX: '4321' },
        timeout: 60000,
      },
    );
    const out = JSON.parse(stdout.trim().split('\n').pop()!) as {
      vmbox_id: string;
      media_id: string;
      messages: string[];
    };
    expect(out.messages).toEqual([out.media_id]);
    const acct = `/v2/accounts/${a.accountId}`;
    const box = await stack.request('GET', `${acct}/vmboxes/${out.vmbox_id}`, { token: a.token });
    expect(box.body.data).toMatchObject({ name: 'Support line', mailbox: '4321' });
    const msg = await stack.request('GET', `${acct}/vmboxes/${out.vmbox_id}/messages/${out.media_id}`, {
      token: a.token,
    });
    expect(msg.body.data).toMatchObject({
      caller_id_number: '+33123456789',
      caller_id_name: 'Example caller',
    });
    const raw = await fetch(`${stack.baseUrl}${acct}/vmboxes/${out.vmbox_id}/messages/${out.media_id}/raw`, {
      headers: { 'X-Auth-Token': a.token },
    });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toMatch(/^audio\//);
    expect((await raw.arrayBuffer()).byteLength).toBeGreaterThan(1000);
  }, 90000);
});
