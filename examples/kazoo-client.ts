// A typed Kazoo client generated from the OpenAPI document (docs/openapi/kazoo.json): the types are
// examples/kazoo-client/schema.d.ts, written by `npm run openapi` (openapi-typescript), and the calls go
// through openapi-fetch, which checks paths, parameters and bodies against them at compile time.
// It logs in with an account's API key, creates a voicemail box and deposits a message (its document,
// then its audio), and prints one JSON line: {"vmbox_id", "media_id", "messages"}.
// Run: VOXMAIL_URL=http://127.0.0.1:8000 VOXMAIL_API_KEY=<the account's api_key> npm run example:kazoo-client
import createClient from 'openapi-fetch';
import type { paths } from './kazoo-client/schema';

/** One second of 8 kHz 16-bit mono silence as a WAV file (or the file named by AUDIO_FILE). */
function audio(): Uint8Array {
  const file = process.env.AUDIO_FILE;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- only when asked for
  if (file) return new Uint8Array((require('node:fs') as typeof import('node:fs')).readFileSync(file));
  const rate = 8000;
  const data = rate * 2;
  const wav = Buffer.alloc(44 + data);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(36 + data, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(data, 40);
  return new Uint8Array(wav);
}

/** The answer's data, or an error naming the call and the crossbar error. */
function ok<T>(what: string, r: { data?: T; error?: unknown; response: Response }): T {
  if (r.data === undefined) throw new Error(`${what}: ${r.response.status} ${JSON.stringify(r.error)}`);
  return r.data;
}

async function main(): Promise<void> {
  const baseUrl = process.env.VOXMAIL_URL ?? 'http://127.0.0.1:8000';
  const apiKey = process.env.VOXMAIL_API_KEY ?? '';
  if (!apiKey) throw new Error('set VOXMAIL_API_KEY to the account api_key (GET /v2/accounts/{id}/api_key)');
  const client = createClient<paths>({ baseUrl });

  const auth = ok('login', await client.PUT('/v2/api_auth', { body: { data: { api_key: apiKey } } }));
  const token = auth.auth_token ?? '';
  const accountId = auth.data.account_id;
  client.use({
    onRequest: ({ request }) => {
      request.headers.set('X-Auth-Token', token);
      return request;
    },
  });

  const box = ok(
    'create box',
    await client.PUT('/v2/accounts/{accountId}/vmboxes', {
      params: { path: { accountId } },
      body: {
        data: { name: 'Support line', mailbox: process.env.MAILBOX ?? '4200', timezone: 'Europe/Paris' },
      },
    }),
  ).data;

  const path = { accountId, vmboxId: box.id };
  const message = ok(
    'deposit message',
    await client.PUT('/v2/accounts/{accountId}/vmboxes/{vmboxId}/messages', {
      params: { path },
      body: { data: { caller_id_number: '+33123456789', caller_id_name: 'Example caller' } },
    }),
  ).data;
  ok(
    'message audio',
    await client.PUT('/v2/accounts/{accountId}/vmboxes/{vmboxId}/messages/{messageId}/raw', {
      params: { path: { ...path, messageId: message.media_id } },
      body: audio(),
      headers: { 'Content-Type': 'audio/wav' },
      bodySerializer: (b) => b,
    }),
  );

  const listed = ok(
    'list messages',
    await client.GET('/v2/accounts/{accountId}/vmboxes/{vmboxId}/messages', { params: { path } }),
  ).data;
  process.stdout.write(
    `${JSON.stringify({ vmbox_id: box.id, media_id: message.media_id, messages: listed.map((m) => m.media_id) })}\n`,
  );
}

main().catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
