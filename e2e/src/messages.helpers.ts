// Shared by the messages e2e suites: the stack with message and media services, boxes, uploads, S3 peeks.
import * as http from 'node:http';
import { Client } from 'minio';
import { KazooResponse, Stack, Tenant } from '@voxmail/testing';
import { startApps, StackOptions, useStack } from './fixture';
import { checkRawAnswer } from './openapi.setup';

export { executableFile, gsmFile, mp3File, wavFile } from '@voxmail/testing';

/** Limits small enough to test quickly; read by the services from the environment at start. */
export const TEST_MAX_MESSAGE_BYTES = 2 * 1024 * 1024;

/** The apps of the messages suites, in start order. */
/** The fields of a message in a Kazoo listing (the document's list entry), sorted. */
export const KAZOO_MESSAGE_FIELDS = [
  'call_id',
  'caller_id_name',
  'caller_id_number',
  'folder',
  'from',
  'length',
  'media_id',
  'timestamp',
  'to',
];

export const MESSAGES_APPS = ['mailbox', 'message', 'media', 'gateway'];

/** Small limits and quick sweeps, read by the services from the environment at start. */
function messagesEnv(): void {
  process.env.MEDIA_MAX_MESSAGE_BYTES = String(TEST_MAX_MESSAGE_BYTES);
  process.env.MESSAGE_SWEEP_INTERVAL_MS = '200';
  process.env.MEDIA_SWEEP_INTERVAL_MS = '200';
}

export async function startMessagesStack(): Promise<Stack> {
  return startApps(MESSAGES_APPS, { prepare: messagesEnv });
}

/** The suite's messages stack (e2e/src/fixture.ts's useStack). */
export function useMessagesStack(o: StackOptions = {}): Stack {
  return useStack(MESSAGES_APPS, { ...o, prepare: messagesEnv });
}

export function s3(stack: Stack): { client: Client; bucket: string } {
  const u = new URL(stack.env.S3_ENDPOINT!);
  return {
    client: new Client({
      endPoint: u.hostname,
      port: Number(u.port || 80),
      useSSL: u.protocol === 'https:',
      accessKey: stack.env.S3_ACCESS_KEY!,
      secretKey: stack.env.S3_SECRET_KEY!,
      region: stack.env.S3_REGION ?? 'us-east-1',
      pathStyle: true,
    }),
    bucket: stack.env.S3_BUCKET ?? 'voxmail-test',
  };
}

/** Object keys under a prefix, as an operator looking into the bucket would see them. */
export async function objectKeys(stack: Stack, prefix: string): Promise<string[]> {
  const { client, bucket } = s3(stack);
  const keys: string[] = [];
  for await (const o of client.listObjectsV2(bucket, prefix, true)) if (o.name) keys.push(o.name);
  return keys;
}

export async function createBox(
  stack: Stack,
  t: Tenant,
  data: Record<string, unknown> = {},
  token = t.token,
): Promise<string> {
  const r = await stack.request('PUT', `/v2/accounts/${t.accountId}/vmboxes`, {
    token,
    body: {
      data: {
        name: `box ${Math.random()}`,
        mailbox: String(1000 + Math.floor(Math.random() * 8_000_000)),
        ...data,
      },
    },
  });
  if (r.status !== 201) throw new Error(`box creation failed: ${r.status} ${r.text}`);
  return r.body.data.id;
}

/** The box's messages as its tenant lists them (Kazoo's GET .../vmboxes/{id}/messages). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kazoo documents, as the suites read them
export async function messagesIn(stack: Stack, t: Tenant, vmboxId: string): Promise<any[]> {
  const r = await stack.request('GET', `/v2/accounts/${t.accountId}/vmboxes/${vmboxId}/messages`, {
    token: t.token,
  });
  expect(r.status).toBe(200);
  return r.body.data;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Bytes of the request body the client had sent when the answer came. */
  sent: number;
}

/**
 * An HTTP request whose body is produced chunk by chunk, stopping as soon as the server answers: shows
 * whether the server refused an upload early, without ever holding the whole body.
 */
export function streamingRequest(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  chunks: Iterable<Buffer>,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = http.request(baseUrl + path, { method, headers }, (res) => {
      answered = true;
      const body: Buffer[] = [];
      res.on('data', (c: Buffer) => body.push(c));
      res.on('end', () => {
        const bytes = Buffer.concat(body);
        checkRawAnswer(method, baseUrl + path, res.statusCode ?? 0, res.headers, bytes);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes, sent });
      });
      res.on('error', reject);
    });
    req.on('error', (e) => {
      if (!answered) reject(e);
    });
    const it = chunks[Symbol.iterator]();
    const pump = () => {
      while (!answered) {
        const n = it.next();
        if (n.done) return void req.end();
        sent += n.value.length;
        if (!req.write(n.value)) return void req.once('drain', pump);
      }
    };
    pump();
  });
}

/** A raw request with a Buffer body, answering the raw bytes (for audio and ZIP answers). */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<RawResponse> {
  return streamingRequest(baseUrl, method, path, headers, body ? [body] : []);
}

/** A `multipart/mixed` body as curl's `-F ... -H "Content-Type: multipart/mixed"` sends it. */
export function multipartMixed(parts: { contentType: string; filename: string; body: Buffer }[]): {
  contentType: string;
  body: Buffer;
} {
  const boundary = `------------------------${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="${p.filename}"\r\nContent-Type: ${p.contentType}\r\n\r\n`,
      ),
      p.body,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { contentType: `multipart/mixed; boundary=${boundary}`, body: Buffer.concat(chunks) };
}

/**
 * A message deposited in `box` as Kazoo's curl example sends one: multipart/mixed, the JSON document
 * `{ data }` (message.json), then the audio (voice.wav); the raw answer.
 */
export function depositMessage(
  stack: Stack,
  t: Tenant,
  box: string,
  data: Record<string, unknown>,
  audio: Buffer,
): Promise<RawResponse> {
  const mp = multipartMixed([
    {
      contentType: 'application/json',
      filename: 'message.json',
      body: Buffer.from(JSON.stringify({ data })),
    },
    { contentType: 'audio/wav', filename: 'voice.wav', body: audio },
  ]);
  return rawRequest(
    stack.baseUrl,
    'PUT',
    `/v2/accounts/${t.accountId}/vmboxes/${box}/messages`,
    { 'X-Auth-Token': t.token, 'Content-Type': mp.contentType },
    mp.body,
  );
}

export type { KazooResponse, Stack, Tenant };
export { useEvents, useOperator, useTenant } from './fixture';
