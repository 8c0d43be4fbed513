// The event contract: real flows through the whole stack, then every event the stream holds is checked
// against its declaration in the registry (the AsyncAPI schema of its type and version). An event whose
// payload drifts from what libs/contracts declares fails here.
import { connect } from 'nats';
import { eventContractErrors, EventEnvelope, STREAM_NAME } from '@voxmail/contracts';
import { Tenant } from '@voxmail/testing';
import { createBox, depositMessage, wavFile } from './messages.helpers';
import { useWebhookReceiver } from './fixture';
import { useNotificationStack } from './notifications.helpers';

const stack = useNotificationStack({
  WEBHOOK_ALLOW_PRIVATE_TARGETS: 'loopback',
  WEBHOOK_POLL_MS: '50',
  WEBHOOK_DISABLE_AFTER_FAILURES: '1',
});
const receiver = useWebhookReceiver();

/** Every event in the stream, in stream order. */
/**
 * The events of one tenant on the stream (other suites of the same run also publish there, some of them
 * deliberately malformed poison messages that are not this test's business).
 */
async function streamEvents(tenantId: string): Promise<EventEnvelope[]> {
  const nc = await connect({ servers: stack.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  try {
    const js = nc.jetstream();
    const info = await (await nc.jetstreamManager()).streams.info(STREAM_NAME);
    const consumer = await js.consumers.get(STREAM_NAME);
    const out: EventEnvelope[] = [];
    let read = 0;
    while (read < info.state.messages) {
      const batch = await consumer.fetch({ max_messages: 500, expires: 2000 });
      let n = 0;
      for await (const m of batch) {
        const e = m.json<EventEnvelope | null>();
        if (e && typeof e === 'object' && e.tenantId === tenantId) out.push(e);
        n++;
        read++;
      }
      if (!n) break;
    }
    return out;
  } finally {
    await nc.close();
  }
}

async function flows(t: Tenant): Promise<void> {
  const acct = `/v2/accounts/${t.accountId}`;
  const ok = async (method: string, path: string, body?: unknown, token = t.token) => {
    const r = await stack.request(method, path, { token, body });
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
    return r.body.data;
  };
  await ok('PATCH', acct, { data: { timezone: 'Europe/Paris' } });
  const user = await ok('PUT', `${acct}/users`, {
    data: { first_name: 'U', last_name: 'V', email: 'u@example.com' },
  });
  await ok('PATCH', `${acct}/users/${user.id}`, { data: { first_name: 'W' } });
  const client = await ok('PUT', `${acct}/api_clients`, { data: { name: 'pbx', priv_level: 'admin' } });
  await ok('DELETE', `${acct}/api_clients/${client.id ?? client.client_id}`);
  const box = await createBox(stack, t, { pin: '1234', owner_id: user.id });
  const other = await createBox(stack, t);
  await ok('PATCH', `${acct}/vmboxes/${box}`, { data: { name: 'renamed' } });
  await stack.request('POST', `${acct}/vmboxes/${box}/pin/verify`, {
    token: t.token,
    body: { data: { pin: '1234' } },
  });
  await stack.request('POST', `${acct}/vmboxes/${box}/pin/verify`, {
    token: t.token,
    body: { data: { pin: '9999' } },
  });
  const messages = `${acct}/vmboxes/${box}/messages`;
  const json = await ok('PUT', messages, { data: { caller_id_number: '1' } });
  const r = await depositMessage(stack, t, box, { caller_id_number: '2' }, wavFile(1));
  if (r.status !== 201) throw new Error(`multipart deposit: ${r.status}`);
  const withAudio = JSON.parse(r.body.toString('utf8')).data.media_id;
  await ok('POST', `${messages}/${json.media_id}`, { data: { folder: 'saved' } });
  await ok('POST', `${messages}/${withAudio}`, { data: { source_id: [other] } });
  await ok('POST', `${messages}/${withAudio}`, { data: { source_id: other } });
  await ok('DELETE', `${messages}/${json.media_id}`);
  receiver.respond = () => 500;
  await ok('PUT', `${acct}/webhooks`, {
    data: { name: 'x', uri: receiver.url('/c'), hook: 'message.created', retries: 0 },
  });
  await ok('PUT', messages, { data: { caller_id_number: '3' } });
  await ok('DELETE', `${acct}/vmboxes/${other}`);
  await ok('DELETE', `${acct}/users/${user.id}`);
  await stack.request('PUT', `${acct}/api_key`, { token: t.token });
}

describe('the event contract', () => {
  it('every event a real flow published matches its declaration', async () => {
    const t = await stack.createTenant();
    await flows(t);
    // the disabled webhook's event is the last one the flows cause
    const end = Date.now() + 15000;
    let events: EventEnvelope[] = [];
    while (Date.now() < end) {
      events = await streamEvents(t.accountId);
      if (events.some((e) => e.type === 'webhook.disabled' && e.tenantId === t.accountId)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const op = await stack.operatorLogin();
    await stack.request('DELETE', `/v2/accounts/${t.accountId}`, { token: op.token });
    await new Promise((r) => setTimeout(r, 500));
    events = await streamEvents(t.accountId);

    const problems = events.flatMap((e) => eventContractErrors(e).map((p) => `${e.id}: ${p}`));
    expect(problems).toEqual([]);
    const seen = new Set(events.map((e) => e.type));
    for (const type of [
      'account.created',
      'account.updated',
      'account.deleted',
      'account.api_key_rotated',
      'auth.tokens_revoked',
      'user.created',
      'user.updated',
      'user.deleted',
      'api_client.created',
      'api_client.deleted',
      'mailbox.created',
      'mailbox.updated',
      'mailbox.deleted',
      'mailbox.pin_verified',
      'mailbox.pin_failed',
      'message.created',
      'message.updated',
      'message.moved',
      'message.copied',
      'message.deleted',
      'message.media_stored',
      'mwi.updated',
      'media.stored',
      'webhook.disabled',
    ])
      expect([type, seen.has(type)]).toEqual([type, true]);
  });

  it('fails an envelope that breaks its declaration', () => {
    const good = {
      id: '5b3f2c1e-0000-4000-8000-000000000000',
      type: 'mwi.updated',
      version: 1,
      tenantId: 'a'.repeat(32),
      aggregateId: 'b'.repeat(32),
      occurredAt: new Date().toISOString(),
      data: { vmbox_id: 'b'.repeat(32), new: 1, saved: 0 },
    };
    expect(eventContractErrors(good)).toEqual([]);
    expect(
      eventContractErrors({ ...good, data: { vmbox_id: 'b'.repeat(32), new: '1', saved: 0 } }),
    ).not.toEqual([]);
    expect(eventContractErrors({ ...good, data: { ...good.data, unread: 3 } })).not.toEqual([]);
    expect(eventContractErrors({ ...good, version: 7 })).not.toEqual([]);
    expect(eventContractErrors({ ...good, type: 'made.up' })).not.toEqual([]);
  });
});
