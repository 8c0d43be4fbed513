// Webhooks over HTTP against the real stack: Kazoo-shaped CRUD, signed deliveries of the tenant's own
// events, retries with backoff, auto-disable with an event, private targets refused, redirects not
// followed, and a restart of notification-service mid-burst that loses and duplicates nothing.
import { createHmac, randomUUID } from 'node:crypto';
import { connect } from 'nats';
import { Client } from 'pg';
import { Tenant } from '@voxmail/testing';
import { WEBHOOK_FANOUT_DURABLE } from '../../apps/notification-service/src/bootstrap';
import { createBox } from './messages.helpers';
import { useEvents, useTenant, useWebhookReceiver } from './fixture';
import { useNotificationStack } from './notifications.helpers';

const stack = useNotificationStack({
  WEBHOOK_ALLOW_PRIVATE_TARGETS: 'loopback',
  WEBHOOK_RETRY_BASE_MS: '100',
  WEBHOOK_POLL_MS: '50',
  // short, so the lease of a delivery the stopped instance held (2 × timeout + 1 s) runs out within
  // the restart test, yet long enough for a loaded machine to answer a loopback POST
  WEBHOOK_TIMEOUT_MS: '3000',
  WEBHOOK_DISABLE_AFTER_FAILURES: '2',
});
const receiver = useWebhookReceiver();
const events = useEvents();
const a = useTenant(stack);
const b = useTenant(stack);

const hooks = (t: Tenant) => `/v2/accounts/${t.accountId}/webhooks`;
/** PUT of a webhook document of `t` (a by default), as its admin. */
const putHook = (data: Record<string, unknown>, t: Tenant = a) =>
  stack.request('PUT', hooks(t), { token: t.token, body: { data } });

async function createHook(t: Tenant, data: Record<string, unknown>) {
  const r = await putHook({ name: 'crm', http_verb: 'post', retries: 0, ...data }, t);
  expect(r.status).toBe(201);
  return r.body.data as { id: string; secret: string };
}

describe('webhook documents', () => {
  it('creates, reads, lists, patches, replaces and deletes; the secret is shown once', async () => {
    const created = await putHook({
      name: 'lamp',
      uri: receiver.url('/crud'),
      hook: 'mwi.updated',
      headers: { 'X-Api-Key': 'k1' },
    });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('success');
    const doc = created.body.data;
    expect(doc).toMatchObject({
      name: 'lamp',
      uri: receiver.url('/crud'),
      http_verb: 'post',
      hook: 'mwi.updated',
      retries: 3,
      enabled: true,
      headers: { 'X-Api-Key': 'k1' },
    });
    expect(doc.id).toMatch(/^[0-9a-f]{32}$/);
    expect(typeof doc.secret).toBe('string');
    expect(doc.secret.length).toBeGreaterThanOrEqual(32);

    const got = await stack.request('GET', `${hooks(a)}/${doc.id}`, { token: a.token });
    expect(got.status).toBe(200);
    expect(got.body.data.secret).toBeUndefined();
    expect(got.text).not.toContain(doc.secret);

    const list = await stack.request('GET', hooks(a), { token: a.token });
    expect(list.body.data).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: doc.id, name: 'lamp', enabled: true })]),
    );

    const patched = await stack.request('PATCH', `${hooks(a)}/${doc.id}`, {
      token: a.token,
      body: { data: { enabled: false, retries: 1 } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({ name: 'lamp', enabled: false, retries: 1 });

    const replaced = await stack.request('POST', `${hooks(a)}/${doc.id}`, {
      token: a.token,
      body: { data: { name: 'lamp2', uri: receiver.url('/crud2'), hook: 'all' } },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.data).toMatchObject({ name: 'lamp2', hook: 'all', retries: 3, enabled: true });
    expect(replaced.body.data.headers).toEqual({});

    const deleted = await stack.request('DELETE', `${hooks(a)}/${doc.id}`, { token: a.token });
    expect(deleted.status).toBe(200);
    expect((await stack.request('GET', `${hooks(a)}/${doc.id}`, { token: a.token })).status).toBe(404);
  });

  it('another tenant neither sees nor changes a webhook', async () => {
    const h = await createHook(a, { uri: receiver.url('/private'), hook: 'all' });
    for (const [method, path] of [
      ['GET', `${hooks(a)}/${h.id}`],
      ['GET', `${hooks(b)}/${h.id}`],
      ['PATCH', `${hooks(b)}/${h.id}`],
      ['DELETE', `${hooks(b)}/${h.id}`],
      ['GET', `${hooks(b)}/${h.id}/attempts`],
      ['GET', hooks(a)],
    ] as const) {
      const body = method === 'GET' ? undefined : { data: { enabled: false } };
      const r = await stack.request(method, path, { token: b.token, body });
      expect(r.status).toBe(404);
      expect(r.body.status).toBe('error');
    }
    const listB = await stack.request('GET', hooks(b), { token: b.token });
    expect(listB.body.data.map((x: { id: string }) => x.id)).not.toContain(h.id);
    await stack.request('DELETE', `${hooks(a)}/${h.id}`, { token: a.token });
  });

  it.each([
    [{ uri: 'ftp://example.com/x' }, 'uri'],
    [{ uri: 'not a url' }, 'uri'],
    [{ uri: 'http://user:pw@example.com/' }, 'uri'],
    [{ http_verb: 'get' }, 'http_verb'],
    [{ hook: 'no.such_event' }, 'hook'],
    [{ retries: 5 }, 'retries'],
    [{ retries: -1 }, 'retries'],
    [{ enabled: 'yes' }, 'enabled'],
    [{ headers: { 'X-Voxmail-Signature': 'forged' } }, 'headers'],
    [{ headers: { 'X-A': 'line\r\nInjected: 1' } }, 'headers'],
    [{ name: '' }, 'name'],
  ])('refuses %j with a Kazoo validation error on %s', async (data, field) => {
    const r = await putHook({ name: 'x', uri: 'https://example.com/hook', hook: 'all', ...data });
    expect(r.status).toBe(400);
    expect(r.body.status).toBe('error');
    expect(r.body.data[field]).toBeDefined();
  });

  it.each([
    'http://10.1.2.3/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://192.168.1.10/',
    'http://172.16.0.1/',
    'http://[fe80::1]/',
    'http://[::ffff:10.0.0.1]/',
    'http://0.0.0.0/',
  ])('refuses the private target %s', async (uri) => {
    const r = await putHook({ name: 'x', uri, hook: 'all' });
    expect(r.status).toBe(400);
    expect(r.body.data.uri.forbidden).toBeDefined();
  });
});

describe('delivery', () => {
  it('posts the event envelope, signed, with a delivery id and the custom headers, for its tenant only', async () => {
    const h = await createHook(a, {
      uri: receiver.url('/signed'),
      hook: 'mailbox.created',
      headers: { Authorization: 'Bearer crm-token' },
    });
    const boxA = await createBox(stack, a);
    await createBox(stack, b); // b's event never reaches a's webhook
    await receiver.waitUntil(() => receiver.on('/signed').length >= 1);
    await new Promise((r) => setTimeout(r, 300));
    const got = receiver.on('/signed');
    expect(got).toHaveLength(1);
    const [req] = got;
    const envelope = JSON.parse(req.body.toString('utf8'));
    expect(envelope).toMatchObject({ type: 'mailbox.created', tenantId: a.accountId, aggregateId: boxA });
    expect(envelope.data.id).toBe(boxA);
    const expected = 'sha256=' + createHmac('sha256', h.secret).update(req.body).digest('hex');
    expect(req.headers['x-voxmail-signature']).toBe(expected);
    expect(req.headers['x-voxmail-delivery']).toMatch(/^[0-9a-f-]{36}$/);
    expect(req.headers['x-voxmail-event']).toBe('mailbox.created');
    expect(req.headers.authorization).toBe('Bearer crm-token');
    expect(req.headers['content-type']).toBe('application/json');
  });

  it('retries with backoff after two failures, records every attempt, and stops after the success', async () => {
    receiver.respond = (path, nth) => (path === '/flaky' && nth <= 2 ? 500 : 200);
    const h = await createHook(a, { uri: receiver.url('/flaky'), hook: 'mailbox.created', retries: 3 });
    await createBox(stack, a);
    await receiver.waitUntil(() => receiver.on('/flaky').some((r) => r.status === 200));
    // longer than a lease (2 × timeout + 1 s): a delivery sent again after its success would show by now
    await new Promise((r) => setTimeout(r, 8000));
    const got = receiver.on('/flaky');
    // exactly these: nothing after the receiver accepted it (the answer decides the attempt, even when the
    // attempt's timer fired in the same turn of a busy event loop)
    expect(got.map((r) => r.status)).toEqual([500, 500, 200]);
    // one delivery: the same id on every attempt; the second wait is about twice the first
    expect(new Set(got.map((r) => r.headers['x-voxmail-delivery'])).size).toBe(1);
    expect(got[2].at - got[1].at).toBeGreaterThanOrEqual(150);
    const attempts = await stack.request('GET', `${hooks(a)}/${h.id}/attempts`, { token: a.token });
    expect(attempts.status).toBe(200);
    expect(
      attempts.body.data.map((x: { attempt: number; result: string; status_code: number }) => [
        x.attempt,
        x.result,
        x.status_code,
      ]),
    ).toEqual([
      [3, 'success', 200],
      [2, 'failure', 500],
      [1, 'failure', 500],
    ]);
  }, 30000);

  it('never delivers an event from before the webhook was created (earlier, replayed or late)', async () => {
    receiver.respond = () => 200;
    const t = await stack.createTenant();
    const before = [await createBox(stack, t), await createBox(stack, t)];
    await createHook(t, { uri: receiver.url('/fresh'), hook: 'all' });
    // an event that occurred an hour ago reaching the stream only now (an outbox that was behind, a
    // replay): new to the inbox, and older than the webhook
    const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
    try {
      const stale = {
        id: randomUUID(),
        type: 'mailbox.created',
        version: 1,
        tenantId: t.accountId,
        aggregateId: 'f'.repeat(32),
        occurredAt: new Date(Date.now() - 3600_000).toISOString(),
        data: { id: 'f'.repeat(32), name: 'stale' },
      };
      await nc
        .jetstream()
        .publish(`voxmail.evt.${t.accountId}.mailbox.created`, JSON.stringify(stale), { msgID: stale.id });
    } finally {
      await nc.close();
    }
    const after = await createBox(stack, t);
    await receiver.waitUntil(() =>
      receiver.on('/fresh').some((r) => JSON.parse(r.body.toString('utf8')).aggregateId === after),
    );
    await stack.waitForConsumersCaughtUp([WEBHOOK_FANOUT_DURABLE], 60000);
    await new Promise((r) => setTimeout(r, 500));
    const seen = receiver.on('/fresh').map((r) => JSON.parse(r.body.toString('utf8')));
    const boxes = new Set(seen.map((e) => e.aggregateId));
    expect(boxes.has(after)).toBe(true);
    for (const old of [...before, 'f'.repeat(32)]) expect(boxes.has(old)).toBe(false);
    const since = Date.parse(seen[0].occurredAt);
    for (const e of seen) expect(Date.parse(e.occurredAt)).toBeGreaterThanOrEqual(since);
  });

  it('does not follow a redirect: a 3xx is a failed attempt', async () => {
    receiver.respond = (path) => (path === '/moved' ? 302 : 200);
    const h = await createHook(a, { uri: receiver.url('/moved'), hook: 'mailbox.created' });
    await createBox(stack, a);
    await receiver.waitUntil(() => receiver.on('/moved').length >= 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.on('/moved/redirected')).toHaveLength(0);
    const attempts = await stack.request('GET', `${hooks(a)}/${h.id}/attempts`, { token: a.token });
    expect(attempts.body.data[0]).toMatchObject({ result: 'failure', status_code: 302 });
  });

  it('disables a webhook after a run of failures, with a webhook.disabled event', async () => {
    receiver.respond = (path) => (path === '/down' ? 503 : 200);
    const h = await createHook(a, { uri: receiver.url('/down'), hook: 'mailbox.created', retries: 0 });
    await createBox(stack, a);
    await createBox(stack, a);
    const disabled = await events.waitFor(
      (e) => e.type === 'webhook.disabled' && e.aggregateId === h.id,
      10000,
    );
    expect(disabled.tenantId).toBe(a.accountId);
    expect(disabled.data).toMatchObject({ id: h.id, failures: 2, last_error: 'HTTP 503' });
    expect(JSON.stringify(disabled)).not.toContain(h.secret);
    const got = await stack.request('GET', `${hooks(a)}/${h.id}`, { token: a.token });
    expect(got.body.data).toMatchObject({ enabled: false, disabled_reason: 'too_many_failures' });
    // disabled: a further event is not delivered
    const before = receiver.on('/down').length;
    await createBox(stack, a);
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.on('/down')).toHaveLength(before);
  });

  it('refuses a header value HTTP cannot carry (400 naming it); an old such row fails its deliveries and is disabled', async () => {
    const refused = await putHook({
      name: 'bad',
      uri: receiver.url('/bad-header'),
      hook: 'mailbox.created',
      headers: { 'X-Bad': 'café\u0001' },
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body.data)).toContain('X-Bad');
    // a row stored before the check, as an old bad row would be: written directly in the database
    const h = await createHook(a, { uri: receiver.url('/bad-header'), hook: 'mailbox.created', retries: 0 });
    const db = new Client({ connectionString: stack.env.DATABASE_URL });
    await db.connect();
    try {
      const updated = await db.query(
        `UPDATE notification.webhooks SET doc = jsonb_set(doc, '{headers}', $1::jsonb) WHERE id = $2`,
        [JSON.stringify({ 'X-Bad': 'café\u0001' }), h.id],
      );
      expect(updated.rowCount).toBe(1);
    } finally {
      await db.end();
    }
    await createBox(stack, a);
    await createBox(stack, a);
    // each delivery that could not be sent is a failed attempt: recorded, counted, and the hook disabled
    const disabled = await events.waitFor(
      (e) => e.type === 'webhook.disabled' && e.aggregateId === h.id,
      20000,
    );
    expect(disabled.data).toMatchObject({ id: h.id, failures: 2 });
    expect(String((disabled.data as { last_error?: string }).last_error)).toContain('X-Bad');
    const attempts = await stack.request('GET', `${hooks(a)}/${h.id}/attempts`, { token: a.token });
    expect(attempts.body.data).toHaveLength(2);
    for (const at of attempts.body.data) expect(at).toMatchObject({ result: 'failure' });
    const got = await stack.request('GET', `${hooks(a)}/${h.id}`, { token: a.token });
    expect(got.body.data).toMatchObject({ enabled: false, disabled_reason: 'too_many_failures' });
    expect(receiver.on('/bad-header')).toHaveLength(0);
  });

  it('a restart of notification-service mid-burst loses and duplicates nothing (by delivery id)', async () => {
    receiver.respond = () => 200;
    const t = await stack.createTenant();
    await createHook(t, { uri: receiver.url('/burst'), hook: 'mailbox.created', retries: 4 });
    const boxes: string[] = [];
    for (let i = 0; i < 30; i++) {
      boxes.push(await createBox(stack, t));
      if (i === 10) await stack.stopApp('notification');
    }
    await stack.startApp('notification');
    // events the stopped instance had pulled but not handled are released at stop (redelivered after
    // 1 s); one in flight to it as it unsubscribed still comes back only after the ack wait (30 s)
    await receiver.waitUntil(
      (r) =>
        new Set(r.filter((x) => x.path === '/burst').map((x) => x.headers['x-voxmail-delivery'])).size >= 30,
      50000,
    );
    await new Promise((r) => setTimeout(r, 500));
    const got = receiver.on('/burst');
    const byDelivery = new Map<string, string>();
    for (const r of got) {
      const e = JSON.parse(r.body.toString('utf8'));
      const id = String(r.headers['x-voxmail-delivery']);
      // a delivery id always carries the same event
      expect(byDelivery.get(id) ?? e.id).toBe(e.id);
      byDelivery.set(id, e.id);
    }
    expect(byDelivery.size).toBe(30);
    const boxesSeen = got.map((r) => JSON.parse(r.body.toString('utf8')).aggregateId);
    expect(new Set(boxesSeen)).toEqual(new Set(boxes));
  }, 80000);
});

describe('MWI for a PBX that polls', () => {
  it('GET .../vmboxes/{id}/mwi answers the counts mwi.updated carries', async () => {
    const box = await createBox(stack, a);
    const mwi = () =>
      stack.request('GET', `/v2/accounts/${a.accountId}/vmboxes/${box}/mwi`, { token: a.token });
    expect((await mwi()).body.data).toEqual({ vmbox_id: box, new: 0, saved: 0 });
    const m = await stack.request('PUT', `/v2/accounts/${a.accountId}/vmboxes/${box}/messages`, {
      token: a.token,
      body: { data: { caller_id_number: '+15551234567' } },
    });
    expect(m.status).toBe(201);
    const ev = await events.waitFor((e) => e.type === 'mwi.updated' && e.aggregateId === box);
    const r = await mwi();
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ vmbox_id: box, new: 1, saved: 0 });
    expect({ new: ev.data.new, saved: ev.data.saved }).toEqual({ new: 1, saved: 0 });
    const other = await stack.request('GET', `/v2/accounts/${a.accountId}/vmboxes/${box}/mwi`, {
      token: b.token,
    });
    expect(other.status).toBe(404);
  });
});

describe('event catalogue', () => {
  it('is served as AsyncAPI at /asyncapi.json and as a readable page at /asyncapi, without a login', async () => {
    const json = await fetch(`${stack.baseUrl}/asyncapi.json`);
    expect(json.status).toBe(200);
    const doc = (await json.json()) as {
      asyncapi: string;
      channels: Record<string, { address: string }>;
      operations: Record<string, { action: string }>;
    };
    expect(doc.asyncapi).toBe('3.0.0');
    expect(Object.values(doc.channels).map((c: any) => c.address)).toEqual(
      expect.arrayContaining([
        'voxmail.evt.{tenantId}.message.created',
        'voxmail.evt.{tenantId}.webhook.disabled',
      ]),
    );
    expect(doc.operations.send_message_created.action).toBe('send');
    const page = await fetch(`${stack.baseUrl}/asyncapi`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('<code>voxmail.evt.{tenantId}.message.created</code>');
    expect(html).not.toMatch(/<script|https?:\/\/cdn/i);
  });
});
