// Quotas and usage (issue 24): boxes and users are counted against the account's limits at write time,
// race-free (parallel creates never pass the limit) and deletes give room back; `GET .../usage` answers
// what the events say the account holds, to the account, a reseller above it and the operator only.
import { Tenant, wavFile } from '@voxmail/testing';
import { uploadPrompt, waitFor } from './broadcast.helpers';
import { useDb, useEvents, useOperator, useStack } from './fixture';

jest.setTimeout(120000);

const events = useEvents();
const stack = useStack(['mailbox', 'media', 'notification', 'gateway'], {
  env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'loopback' },
});
const op = useOperator(stack);
const db = useDb(stack);
let n = 0;
const mailbox = () => String(7000 + n++);

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
      30000,
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

describe('webhook quota (max_webhooks)', () => {
  it('parallel creates racing max_webhooks never pass it; a delete gives the room back', async () => {
    const t = await stack.createTenant();
    await limit(t, { max_webhooks: 2 });
    await waitFor(
      () =>
        db.query('SELECT max_webhooks FROM notification.account_limits WHERE tenant_id = $1', [t.accountId]),
      (q) => q.rows[0]?.max_webhooks === 2,
    );
    const create = (i: number) =>
      stack.request('PUT', `/v2/accounts/${t.accountId}/webhooks`, {
        token: t.token,
        body: { data: { name: `h${i}`, uri: 'http://127.0.0.1:9/hook', hook: 'all', http_verb: 'post' } },
      });
    const created = await Promise.all(Array.from({ length: 5 }, (_, i) => create(i)));
    const ok = created.filter((r) => r.status === 201);
    expect(ok).toHaveLength(2);
    const refused = created.filter((r) => r.status === 402);
    expect(refused).toHaveLength(3);
    expect(refused[0].body.data).toMatchObject({ quota: 'max_webhooks', limit: 2 });
    const del = await stack.request('DELETE', `/v2/accounts/${t.accountId}/webhooks/${ok[0].body.data.id}`, {
      token: t.token,
    });
    expect(del.status).toBe(200);
    expect((await create(9)).status).toBe(201);
  });
});

describe('storage quota (max_storage_bytes)', () => {
  /** A prompt document and its audio: the audio upload's status. */
  async function prompt(t: Tenant, name: string): Promise<{ id: string; status: number; body: any }> {
    const doc = await stack.request('PUT', `/v2/accounts/${t.accountId}/media`, {
      token: t.token,
      body: { data: { name, kind: 'prompt' } },
    });
    expect(doc.status).toBe(201);
    const raw = await stack.request('PUT', `/v2/accounts/${t.accountId}/media/${doc.body.data.id}/raw`, {
      token: t.token,
      headers: { 'Content-Type': 'audio/wav' },
      raw: wavFile(1),
    });
    return { id: doc.body.data.id, status: raw.status, body: raw.body };
  }

  it('parallel uploads racing the quota never pass it; a refused upload keeps nothing; a delete gives room back', async () => {
    const t = await stack.createTenant();
    const size = wavFile(1).length;
    await limit(t, { max_storage_bytes: size * 2 + 100 });
    await waitFor(
      () =>
        db.query('SELECT max_storage_bytes FROM media.account_limits WHERE tenant_id = $1', [t.accountId]),
      (q) => q.rows.length === 1,
    );
    const ups = await Promise.all(Array.from({ length: 5 }, (_, i) => prompt(t, `p${i}.wav`)));
    const ok = ups.filter((u) => u.status === 200 || u.status === 201);
    const refused = ups.filter((u) => u.status === 402);
    expect(ok).toHaveLength(2);
    expect(refused).toHaveLength(3);
    expect(refused[0].body.data).toMatchObject({ quota: 'max_storage_bytes', limit: size * 2 + 100 });
    const stored = await db.query(
      `SELECT count(*)::int AS n, coalesce(sum(size), 0)::int AS bytes FROM media.objects
        WHERE tenant_id = $1 AND derived_from IS NULL`,
      [t.accountId],
    );
    // nothing of a refused upload is left: no row (and its object was removed with it)
    expect(stored.rows[0]).toEqual({ n: 2, bytes: size * 2 });
    await events.waitFor(
      (e) =>
        e.type === 'quota.exceeded' && e.tenantId === t.accountId && e.data.quota === 'max_storage_bytes',
    );
    const del = await stack.request('DELETE', `/v2/accounts/${t.accountId}/media/${ok[0].id}`, {
      token: t.token,
    });
    expect(del.status).toBe(200);
    const again = await waitFor(
      () => prompt(t, `again-${Date.now()}.wav`),
      (u) => u.status === 200 || u.status === 201,
      15000,
      500,
    );
    expect([200, 201]).toContain(again.status);
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
      30000,
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
      30000,
    );
    expect(freed.body.data).toMatchObject({ bytes_stored: 0, objects: 0 });

    // another tenant, and the child looking up at its reseller, see nothing
    const other = await stack.createTenant();
    expect((await usage(child, other.token)).status).toBe(404);
    expect((await usage(reseller, child.token)).status).toBe(404);
  });

  it('counts stay right under concurrent writes and after concurrent deletes', async () => {
    const t = await stack.createTenant();
    // 8 boxes, 4 users and 6 prompts of 1 s, all written at once
    const [boxes, users, prompts] = await Promise.all([
      Promise.all(
        Array.from({ length: 8 }, () =>
          stack.request('PUT', `/v2/accounts/${t.accountId}/vmboxes`, {
            token: t.token,
            body: { data: { name: 'Box', mailbox: mailbox() } },
          }),
        ),
      ),
      Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          stack.request('PUT', `/v2/accounts/${t.accountId}/users`, {
            token: t.token,
            body: { data: { first_name: 'U', last_name: String(i) } },
          }),
        ),
      ),
      Promise.all(Array.from({ length: 6 }, (_, i) => uploadPrompt(stack, t, `p${i}.wav`, 1))),
    ]);
    expect(boxes.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(users.map((r) => r.status)).toEqual(Array(4).fill(201));
    const full = await waitFor(
      () => usage(t),
      (r) => r.body.data?.vmboxes === 8 && r.body.data?.users === 4 && r.body.data?.objects === 6,
      60000,
    );
    const perPrompt = full.body.data.bytes_stored / 6;
    expect(Number.isInteger(perPrompt)).toBe(true);
    expect(perPrompt).toBeGreaterThanOrEqual(16000);

    // half of each deleted at once: the counts come down by exactly what went
    const deleted = await Promise.all([
      ...boxes.slice(0, 4).map((r) =>
        stack.request('DELETE', `/v2/accounts/${t.accountId}/vmboxes/${r.body.data.id}`, {
          token: t.token,
        }),
      ),
      ...users
        .slice(0, 2)
        .map((r) =>
          stack.request('DELETE', `/v2/accounts/${t.accountId}/users/${r.body.data.id}`, { token: t.token }),
        ),
      ...prompts
        .slice(0, 3)
        .map((id) => stack.request('DELETE', `/v2/accounts/${t.accountId}/media/${id}`, { token: t.token })),
    ]);
    expect(deleted.map((r) => r.status)).toEqual(Array(9).fill(200));
    const half = await waitFor(
      () => usage(t),
      (r) => r.body.data?.vmboxes === 4 && r.body.data?.users === 2 && r.body.data?.objects === 3,
      60000,
    );
    expect(half.body.data.bytes_stored).toBe(perPrompt * 3);
    // and they stay there (no event applied twice)
    await new Promise((r) => setTimeout(r, 1500));
    expect((await usage(t)).body.data).toMatchObject({
      vmboxes: 4,
      users: 2,
      objects: 3,
      bytes_stored: perPrompt * 3,
    });
  });
});
