// Issue 10.6: a message deposited without call details carries every field the Kazoo document lists,
// with a random hex call_id as Kazoo generates one.
import { createBox, KAZOO_MESSAGE_FIELDS, useMessagesStack } from './messages.helpers';
import { useTenant } from './fixture';

const stack = useMessagesStack();
const a = useTenant(stack);

describe('a message created without call_id', () => {
  it('gets a random hex call_id, and every list entry carries all documented fields', async () => {
    const box = await createBox(stack, a);
    const path = `/v2/accounts/${a.accountId}/vmboxes/${box}/messages`;
    const one = await stack.request('PUT', path, { token: a.token, body: { data: {} } });
    const two = await stack.request('PUT', path, { token: a.token, body: { data: { folder: 'saved' } } });
    expect(one.status).toBe(201);
    expect(two.status).toBe(201);
    expect(one.body.data.call_id).toMatch(/^[0-9a-f]{32}$/);
    expect(two.body.data.call_id).toMatch(/^[0-9a-f]{32}$/);
    expect(two.body.data.call_id).not.toBe(one.body.data.call_id);

    const list = await stack.request('GET', path, { token: a.token });
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(2);
    for (const m of list.body.data) expect(Object.keys(m).sort()).toEqual(KAZOO_MESSAGE_FIELDS);
    const got = await stack.request('GET', `${path}/${one.body.data.media_id}`, { token: a.token });
    expect(got.body.data.call_id).toBe(one.body.data.call_id);
  });

  it("keeps the client's own call details", async () => {
    const box = await createBox(stack, a);
    const r = await stack.request('PUT', `/v2/accounts/${a.accountId}/vmboxes/${box}/messages`, {
      token: a.token,
      body: { data: { call_id: 'abc-123', from: '1001@x', to: '1000@x', caller_id_name: 'B' } },
    });
    expect(r.status).toBe(201);
    expect(r.body.data).toEqual(
      expect.objectContaining({ call_id: 'abc-123', from: '1001@x', to: '1000@x', caller_id_name: 'B' }),
    );
  });
});
