// Issue 25 items 11 and 12, with message-service a real child process that is paused (SIGSTOP) and killed:
// a deposit answered 503 is never stored afterwards (the command's deadline travels with it), a retry
// with the same Idempotency-Key gets the first answer, the key with another body is 422, one call_id makes
// one message per box, and a multipart deposit to a paused or dead message-service is a 503 in seconds.
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { Stack, startStack, Tenant, wavFile } from '@voxmail/testing';
import { startGateway } from '../../apps/api-gateway/src/bootstrap';
import { startMailboxService } from '../../apps/mailbox-service/src/bootstrap';
import { startMediaService } from '../../apps/media-storage-service/src/bootstrap';
import { createBox, RawResponse } from './messages.helpers';
import * as http from 'node:http';

jest.setTimeout(120000);

let stack: Stack;
let db: Client;
let child: ChildProcess | undefined;
let mediaChild: ChildProcess | undefined;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** message-service as its own process (built by `npm test`'s tsc -b), so it can be paused and killed. */
async function startMessageChild(t: Tenant, boxId: string): Promise<void> {
  child = spawn(process.execPath, [join(__dirname, '../../dist/apps/message-service/src/main.js')], {
    env: { ...stack.env, HEALTH_PORT: '0' },
    stdio: 'ignore',
  });
  // it answers once it has migrated and subscribed (until then no responder: 503 at once)
  const end = Date.now() + 60000;
  for (;;) {
    const r = await deposit(t, boxId, { caller_id_number: 'warm-up' });
    if (r.status === 201) return;
    if (Date.now() > end) throw new Error(`message-service child never answered: ${r.status} ${r.text}`);
    await sleep(200);
  }
}

async function kill(c: ChildProcess | undefined): Promise<void> {
  if (!c) return;
  c.kill('SIGCONT');
  c.kill('SIGKILL');
  if (c.exitCode === null && c.signalCode === null) await new Promise((r) => c.once('exit', r));
}

async function stopChild(): Promise<void> {
  const c = child;
  child = undefined;
  await kill(c);
}

/** media-storage-service as its own process instead of the stack's, answering once it lists media. */
async function startMediaChild(t: Tenant): Promise<void> {
  await stack.stopApp('media');
  mediaChild = spawn(
    process.execPath,
    [join(__dirname, '../../dist/apps/media-storage-service/src/main.js')],
    {
      env: { ...stack.env, HEALTH_PORT: '0' },
      stdio: 'ignore',
    },
  );
  const end = Date.now() + 60000;
  for (;;) {
    const r = await stack.request('GET', `/v2/accounts/${t.accountId}/media`, { token: t.token });
    if (r.status === 200) return;
    if (Date.now() > end)
      throw new Error(`media-storage-service child never answered: ${r.status} ${r.text}`);
    await sleep(200);
  }
}

async function stopMediaChild(): Promise<void> {
  const c = mediaChild;
  mediaChild = undefined;
  await kill(c);
  if (c && !stack.running.has('media')) await stack.startApp('media');
}

beforeAll(async () => {
  stack = await startStack(
    { gateway: startGateway, mailbox: startMailboxService, media: startMediaService },
    ['mailbox', 'media', 'gateway'],
  );
  db = new Client({ connectionString: stack.env.DATABASE_URL });
  await db.connect();
});

afterAll(async () => {
  await stopChild();
  await stopMediaChild();
  await db?.end();
  await stack?.stop();
});

afterEach(async () => {
  await stopChild();
  await stopMediaChild();
});

function deposit(t: Tenant, boxId: string, data: Record<string, unknown>, key?: string) {
  return stack.request('PUT', `/v2/accounts/${t.accountId}/vmboxes/${boxId}/messages`, {
    token: t.token,
    body: { data },
    headers: key ? { 'Idempotency-Key': key } : {},
  });
}

async function storedCallerIds(t: Tenant, boxId: string): Promise<string[]> {
  const r = await db.query(
    `SELECT doc->>'caller_id_number' AS c FROM message.messages WHERE tenant_id = $1 AND vmbox_id = $2 ORDER BY c`,
    [t.accountId, boxId],
  );
  return r.rows.map((x) => x.c as string);
}

it('stores no deposit that was answered 503 while message-service was paused, even after it resumes', async () => {
  const t = await stack.createTenant();
  const boxId = await createBox(stack, t);
  await startMessageChild(t, boxId);

  child!.kill('SIGSTOP');
  const started = Date.now();
  const answers = await Promise.all(
    [1, 2, 3].map((i) => deposit(t, boxId, { caller_id_number: `paused-${i}` }, `paused-key-${i}`)),
  );
  const waited = Date.now() - started;
  expect(answers.map((a) => a.status)).toEqual([503, 503, 503]);
  // the command deadline (COMMAND_TIMEOUT_MS, 5 s) and a short grace, never MEDIA_COMMAND_TIMEOUT_MS
  expect(waited).toBeLessThan(15000);
  expect(answers[0].body.error).toBe('503');

  child!.kill('SIGCONT');
  // the resumed replica reads the three queued commands, finds their deadline passed and starts none
  await deposit(t, boxId, { caller_id_number: 'after-resume' }).then((r) => expect(r.status).toBe(201));
  await sleep(2000);
  expect(await storedCallerIds(t, boxId)).toEqual(['after-resume', 'warm-up']);

  // the client retries as the 503 told it: the key was never committed, so the retry creates
  const retry = await deposit(t, boxId, { caller_id_number: 'paused-1' }, 'paused-key-1');
  expect(retry.status).toBe(201);
  // and a retry of that gets the first answer, the same message, nothing more stored
  const again = await deposit(t, boxId, { caller_id_number: 'paused-1' }, 'paused-key-1');
  expect(again.status).toBe(201);
  expect(again.body.data).toEqual(retry.body.data);
  expect(again.body.revision).toBe(retry.body.revision);
  expect(await storedCallerIds(t, boxId)).toEqual(['after-resume', 'paused-1', 'warm-up']);
});

it('answers a retried Idempotency-Key with the first answer, and the key with another body with 422', async () => {
  const t = await stack.createTenant();
  const boxId = await createBox(stack, t);
  await startMessageChild(t, boxId);

  const first = await deposit(t, boxId, { caller_id_number: '100' }, 'key-a');
  expect(first.status).toBe(201);
  const retry = await deposit(t, boxId, { caller_id_number: '100' }, 'key-a');
  expect({ status: retry.status, data: retry.body.data }).toEqual({ status: 201, data: first.body.data });

  const other = await deposit(t, boxId, { caller_id_number: '200' }, 'key-a');
  expect(other.status).toBe(422);
  expect(other.body).toMatchObject({ error: '422', status: 'error' });
  expect(other.body.message).toMatch(/Idempotency-Key/);

  // keys are per account: another tenant's same key is its own
  const t2 = await stack.createTenant();
  const box2 = await createBox(stack, t2);
  expect((await deposit(t2, box2, { caller_id_number: '100' }, 'key-a')).status).toBe(201);

  // a key that is no key is refused in the face's shape
  const bad = await deposit(t, boxId, { caller_id_number: '300' }, 'x'.repeat(256));
  expect(bad.status).toBe(400);
  expect(bad.body.status).toBe('error');

  expect(await storedCallerIds(t, boxId)).toEqual(['100', 'warm-up']);
});

it('makes one message of deposits with the same call_id in one box, answering the retry with it', async () => {
  const t = await stack.createTenant();
  const boxId = await createBox(stack, t);
  const otherBox = await createBox(stack, t);
  await startMessageChild(t, boxId);

  const a = await deposit(t, boxId, { caller_id_number: 'pbx', call_id: 'call-1' });
  expect(a.status).toBe(201);
  const [b, c] = await Promise.all([
    deposit(t, boxId, { caller_id_number: 'pbx', call_id: 'call-1' }),
    deposit(t, boxId, { caller_id_number: 'pbx', call_id: 'call-1' }),
  ]);
  expect(b.body.data.media_id).toBe(a.body.data.media_id);
  expect(c.body.data.media_id).toBe(a.body.data.media_id);
  // another box may hold a message of the same call (a copy, or a group's boxes)
  expect((await deposit(t, otherBox, { caller_id_number: 'pbx', call_id: 'call-1' })).status).toBe(201);
  const rows = await db.query(
    `SELECT vmbox_id FROM message.messages WHERE tenant_id = $1 AND doc->>'call_id' = 'call-1'`,
    [t.accountId],
  );
  expect(rows.rows.map((r) => r.vmbox_id).sort()).toEqual([boxId, otherBox].sort());
});

/**
 * A multipart deposit whose audio part is held open until `release` resolves; answers when the gateway
 * does. Resolves `begun` once the gateway has taken the first audio bytes (the upload is reserved).
 */
function heldMultipart(t: Tenant, boxId: string, release: Promise<void>): Promise<RawResponse> {
  const boundary = 'held-boundary';
  const audio = wavFile(2);
  const head = Buffer.from(
    `--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify({ data: { caller_id_number: 'held' } })}\r\n` +
      `--${boundary}\r\nContent-Type: audio/wav\r\n\r\n`,
  );
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${stack.baseUrl}/v2/accounts/${t.accountId}/vmboxes/${boxId}/messages`,
      {
        method: 'PUT',
        headers: { 'Content-Type': `multipart/mixed; boundary=${boundary}`, 'X-Auth-Token': t.token },
      },
      (res) => {
        const body: Buffer[] = [];
        res.on('data', (c: Buffer) => body.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(body), sent: 0 }),
        );
      },
    );
    req.on('error', reject);
    req.write(Buffer.concat([head, audio.subarray(0, 4096)]));
    void release.then(() =>
      req.end(Buffer.concat([audio.subarray(4096), Buffer.from(`\r\n--${boundary}--\r\n`)])),
    );
  });
}

async function pendingUploads(t: Tenant): Promise<number> {
  const r = await db.query(
    `SELECT count(*)::int AS n FROM media.objects WHERE tenant_id = $1 AND status = 'pending'`,
    [t.accountId],
  );
  return r.rows[0].n;
}

/** Holds a multipart deposit mid-audio, signals `target`, then finishes it: a 503 in seconds, not 60 s. */
async function depositDuring(t: Tenant, boxId: string, target: () => ChildProcess, signal: NodeJS.Signals) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const before = await pendingUploads(t);
  const answer = heldMultipart(t, boxId, released);
  // the upload is reserved (message-service asked media-storage for a ticket) once audio flows
  const end = Date.now() + 30000;
  while ((await pendingUploads(t)) === before && Date.now() < end) await sleep(50);
  expect(await pendingUploads(t)).toBeGreaterThan(before);
  target().kill(signal);
  const started = Date.now();
  release();
  const r = await answer;
  // the create goes to a replica that cannot answer: a 503 within the command deadline, not 60 s
  expect(r.status).toBe(503);
  expect(Date.now() - started).toBeLessThan(15000);
}

async function heldMessages(t: Tenant): Promise<number> {
  const rows = await db.query(
    `SELECT count(*)::int AS n FROM message.messages WHERE tenant_id = $1 AND doc->>'caller_id_number' = 'held'`,
    [t.accountId],
  );
  return rows.rows[0].n;
}

it('answers a multipart deposit 503 within seconds when message-service is paused or killed mid-upload', async () => {
  const t = await stack.createTenant();
  const boxId = await createBox(stack, t);
  for (const signal of ['SIGSTOP', 'SIGKILL'] as const) {
    await startMessageChild(t, boxId);
    await depositDuring(t, boxId, () => child!, signal);
    await stopChild();
  }
  expect(await heldMessages(t)).toBe(0);
});

it('answers a multipart deposit 503 within seconds when media-storage-service is paused or killed mid-upload', async () => {
  const t = await stack.createTenant();
  const boxId = await createBox(stack, t);
  await startMessageChild(t, boxId);
  for (const signal of ['SIGSTOP', 'SIGKILL'] as const) {
    await startMediaChild(t);
    // message-service's commit to media-storage-service inherits the deposit's deadline
    await depositDuring(t, boxId, () => mediaChild!, signal);
    await stopMediaChild();
  }
  expect(await heldMessages(t)).toBe(0);
});

it('makes other creates idempotent too: a box created twice with one key is one box', async () => {
  const t = await stack.createTenant();
  const create = (mailbox: string) =>
    stack.request('PUT', `/v2/accounts/${t.accountId}/vmboxes`, {
      token: t.token,
      body: { data: { name: `box ${mailbox}`, mailbox } },
      headers: { 'Idempotency-Key': 'box-key' },
    });
  const first = await create('4711');
  expect(first.status).toBe(201);
  const retry = await create('4711');
  expect(retry.status).toBe(201);
  expect(retry.body.data.id).toBe(first.body.data.id);
  const other = await create('4712');
  expect(other.status).toBe(422);
  expect(other.body.status).toBe('error');
  const boxes = await stack.request('GET', `/v2/accounts/${t.accountId}/vmboxes`, { token: t.token });
  expect(boxes.body.data.map((b: { mailbox: string }) => b.mailbox)).toEqual(['4711']);
});
