// The README's subscriber (examples/subscriber.ts), run as its own process: a durable consumer on one
// tenant's `message.>` events receives each event once, in the order each box's events were published,
// and nothing of another tenant.
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { EventRecorder, Stack, Tenant } from '@voxmail/testing';
import { createBox, depositMessage, startMessagesStack, wavFile } from './messages.helpers';

let stack: Stack;
let recorder: EventRecorder;
let a: Tenant;
let b: Tenant;
let child: ChildProcess | undefined;
const lines: { id: string; type: string; vmbox_id?: string }[] = [];

beforeAll(async () => {
  stack = await startMessagesStack();
  recorder = await EventRecorder.start('voxmail.evt.>', stack.env.NATS_URL);
  a = await stack.createTenant();
  b = await stack.createTenant();
});

afterAll(async () => {
  child?.kill('SIGTERM');
  await recorder?.stop();
  await stack?.stop();
});

function startSubscriber(tenantId: string): Promise<void> {
  child = spawn(process.execPath, [join(__dirname, '../../scripts/run-example.js'), 'subscriber'], {
    env: { ...process.env, NATS_URL: stack.env.NATS_URL, TENANT_ID: tenantId, DURABLE: `readme-${tenantId}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buf = '';
  child.stdout!.on('data', (c: Buffer) => {
    buf += c.toString('utf8');
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
    }
  });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  return new Promise((resolve, reject) => {
    const started = Date.now();
    // ready once its durable exists on the stream
    const check = async () => {
      if (child!.exitCode !== null) return reject(new Error(`subscriber exited: ${err}`));
      const { connect } = await import('nats');
      const nc = await connect({ servers: stack.env.NATS_URL });
      try {
        await (await nc.jetstreamManager()).consumers.info('VOXMAIL_EVENTS', `readme-${tenantId}`);
        resolve();
      } catch {
        if (Date.now() - started > 15000) reject(new Error(`subscriber did not start: ${err}`));
        else setTimeout(() => void check(), 100);
      } finally {
        await nc.close();
      }
    };
    void check();
  });
}

describe('the README subscriber', () => {
  it('receives each message event once, in order per box, and only its tenant’s', async () => {
    await startSubscriber(a.accountId);
    const acct = `/v2/accounts/${a.accountId}`;
    const [b1, b2, b3] = [await createBox(stack, a), await createBox(stack, a), await createBox(stack, a)];
    const r = await depositMessage(stack, a, b1, { caller_id_number: '1' }, wavFile(1));
    expect(r.status).toBe(201);
    const m1 = JSON.parse(r.body.toString('utf8')).data.media_id;
    const put = (box: string) =>
      stack.request('PUT', `${acct}/vmboxes/${box}/messages`, {
        token: a.token,
        body: { data: { caller_id_number: '2' } },
      });
    const m2 = (await put(b2)).body.data.media_id;
    const post = (box: string, id: string, data: unknown) =>
      stack.request('POST', `${acct}/vmboxes/${box}/messages/${id}`, { token: a.token, body: { data } });
    expect((await post(b1, m1, { folder: 'saved' })).status).toBe(200);
    expect((await post(b1, m1, { source_id: [b3] })).status).toBe(200);
    expect((await post(b2, m2, { source_id: b1 })).status).toBe(200);
    expect(
      (await stack.request('DELETE', `${acct}/vmboxes/${b1}/messages/${m1}`, { token: a.token })).status,
    ).toBe(200);
    // another tenant's events never reach it
    const other = await createBox(stack, b);
    await stack.request('PUT', `/v2/accounts/${b.accountId}/vmboxes/${other}/messages`, {
      token: b.token,
      body: { data: {} },
    });

    const published = () =>
      recorder.events.filter((e) => e.subject.startsWith(`voxmail.evt.${a.accountId}.message.`));
    const end = Date.now() + 15000;
    while (Date.now() < end && lines.length < published().length)
      await new Promise((res) => setTimeout(res, 50));
    await new Promise((res) => setTimeout(res, 300));
    const expected = published();
    expect(new Set(expected.map((e) => e.type))).toEqual(
      new Set([
        'message.created',
        'message.media_stored',
        'message.updated',
        'message.copied',
        'message.moved',
        'message.deleted',
      ]),
    );
    // each event exactly once
    expect(lines.map((l) => l.id).sort()).toEqual(expected.map((e) => e.id).sort());
    expect(new Set(lines.map((l) => l.id)).size).toBe(lines.length);
    // in order per box
    for (const box of [b1, b2, b3]) {
      const want = expected
        .filter((e) => (e.data as { vmbox_id?: string }).vmbox_id === box)
        .map((e) => e.id);
      expect(lines.filter((l) => l.vmbox_id === box).map((l) => l.id)).toEqual(want);
    }
  });
});
