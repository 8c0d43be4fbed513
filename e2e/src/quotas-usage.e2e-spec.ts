// Quotas and usage (issue 24): boxes and users are counted against the account's limits at write time,
// race-free (parallel creates never pass the limit) and deletes give room back; `GET .../usage` answers
// what the events say the account holds, to the account, a reseller above it and the operator only.
import { EventRecorder, Stack, startStack, Tenant } from '@voxmail/testing';
import { startGateway } from '../../apps/api-gateway/src/bootstrap';
import { startMailboxService } from '../../apps/mailbox-service/src/bootstrap';
import { startMediaService } from '../../apps/media-storage-service/src/bootstrap';
import { uploadPrompt, waitFor } from './broadcast.helpers';

jest.setTimeout(120000);

let stack: Stack;
let events: EventRecorder;
let op: { token: string; accountId: string };
let n = 0;
const mailbox = () => String(7000 + n++);

beforeAll(async () => {
  events = await EventRecorder.start();
  stack = await startStack(
    { gateway: startGateway, mailbox: startMailboxService, media: startMediaService },
    ['mailbox', 'media', 'gateway'],
  );
  op = await stack.operatorLogin();
});

afterAll(async () => {
  await stack?.stop();
  await events?.stop();
});

const usage = (t: Tenant, token = t.token) =>
  stack.request('GET', `/v2/accounts/${t.accountId}/usage`, { token });

const limit = async (t: Tenant, data: Record<string, unknown>) => {
  const r = await stack.request('POST', `/v2/accounts/${t.accountId}/limits`, {
    token: op.token,
    body: { data },
  });
  expect(r.status).toBe(200);
};

describe('quotas', () => {
  it('parallel box creates racing max_vmboxes never pass it; a delete gives the room back', async () => {
    const t = await stack.createTenant();
    await limit(t, { max_vmboxes: 3 });
    const created = await Promise.all(
      Array.from({ length: 8 }, () =>
        stack.request('PUT', `/v2/accounts/${t.accountId}/vmboxes`, {
          token: t.token,
          body: { data: { name: 'Box', mailbox: mailbox() } },
        }),
      ),
    );
    const ok = created.filter((r) => r.status === 201);
    const refused = created.filter((r) => r.status === 402);
    expect(ok).toHaveLength(3);
    expect(refused).toHaveLength(5);
    expect(refused[0].body).toMatchObject({
      error: '402',
      status: 'error',
      data: { quota: 'max_vmboxes', limit: 3 },
    });
    expect(refused[0].body.message).toMatch(/max_vmboxes/);
    const list = await stack.request('GET', `/v2/accounts/${t.accountId}/vmboxes`, { token: t.token });
    expect(list.body.data).toHaveLength(3);
    await events.waitFor(
      (e) => e.type === 'quota.exceeded' && e.tenantId === t.accountId && e.data.quota === 'max_vmboxes',
    );

    const del = await stack.request('DELETE', `/v2/accounts/${t.accountId}/vmboxes/${ok[0].body.data.id}`, {
      token: t.token,
    });
    expect(del.status).toBe(200);
    const again = await stack.request('PUT', `/v2/accounts/${t.accountId}/vmboxes`, {
      token: t.token,
      body: { data: { name: 'Box', mailbox: mailbox() } },
    });
    expect(again.status).toBe(201);
    // the usage projection counts the same boxes
    const u = await waitFor(
      () => usage(t),
      (r) => r.body.data?.vmboxes === 3,
    );
    expect(u.body.data.vmboxes).toBe(3);
  });

  it('parallel user creates racing max_users never pass it; another account is not limited by it', async () => {
    const t = await stack.createTenant();
    const other = await stack.createTenant();
    await limit(t, { max_users: 2 });
    const created = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        stack.request('PUT', `/v2/accounts/${t.accountId}/users`, {
          token: t.token,
          body: { data: { first_name: 'U', last_name: String(i) } },
        }),
      ),
    );
    expect(created.filter((r) => r.status === 201)).toHaveLength(2);
    expect(created.filter((r) => r.status === 402)).toHaveLength(4);
    for (let i = 0; i < 3; i++)
      expect(
        (
          await stack.request('PUT', `/v2/accounts/${other.accountId}/users`, {
            token: other.token,
            body: { data: { first_name: 'O', last_name: String(i) } },
          })
        ).status,
      ).toBe(201);
  });
});

describe('usage (/v2/accounts/{id}/usage)', () => {
  it('answers bytes stored, boxes and users from the events; a reseller sees its child, nobody else does', async () => {
    const reseller = await stack.createTenant();
    await stack.request('POST', `/v2/accounts/${reseller.accountId}`, {
      token: op.token,
      body: { data: { name: reseller.name, is_reseller: true } },
    });
    const c = await stack.request('PUT', `/v2/accounts/${reseller.accountId}`, {
      token: reseller.token,
      body: { data: { name: `usage-child-${Date.now()}` } },
    });
    expect(c.status).toBe(201);
    const key = await stack.request('GET', `/v2/accounts/${c.body.data.id}/api_key`, {
      token: reseller.token,
    });
    const auth = await stack.request('PUT', '/v2/api_auth', {
      body: { data: { api_key: key.body.data.api_key } },
    });
    const child: Tenant = {
      accountId: c.body.data.id,
      name: 'child',
      apiKey: key.body.data.api_key,
      token: auth.body.auth_token,
    };
    const fresh = await usage(child);
    expect(fresh.status).toBe(200);
    expect(fresh.body.data).toMatchObject({
      account_id: child.accountId,
      bytes_stored: 0,
      messages: 0,
      vmboxes: 0,
      calls_placed: 0,
      month: new Date().toISOString().slice(0, 7),
    });

    const promptId = await uploadPrompt(stack, child, 'usage.wav', 1);
    await stack.request('PUT', `/v2/accounts/${child.accountId}/vmboxes`, {
      token: child.token,
      body: { data: { name: 'Box', mailbox: mailbox() } },
    });
    const stored = await waitFor(
      () => usage(child, reseller.token),
      (r) => r.body.data?.bytes_stored > 0 && r.body.data?.vmboxes === 1,
    );
    expect(stored.status).toBe(200);
    // a 1-second 8 kHz 16-bit WAV and its header
    expect(stored.body.data.bytes_stored).toBeGreaterThanOrEqual(16000);
    expect(stored.body.data.objects).toBe(1);
    expect(stored.body.data.vmboxes).toBe(1);

    // deleting the prompt gives its bytes back
    const del = await stack.request('DELETE', `/v2/accounts/${child.accountId}/media/${promptId}`, {
      token: child.token,
    });
    expect(del.status).toBe(200);
    const freed = await waitFor(
      () => usage(child, op.token),
      (r) => r.body.data?.bytes_stored === 0,
    );
    expect(freed.body.data).toMatchObject({ bytes_stored: 0, objects: 0 });

    // another tenant, and the child looking up at its reseller, see nothing
    const other = await stack.createTenant();
    expect((await usage(child, other.token)).status).toBe(404);
    expect((await usage(reseller, child.token)).status).toBe(404);
  });
});
