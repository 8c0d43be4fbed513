// Kazoo media documents (greetings and prompts) and box greetings against the whole stack: CRUD, raw
// audio with Range, `media.*` of a box naming only the account's own media, the temporary override, the
// 409 on deleting media in use, direct greeting uploads, tenancy and events.
import { createBox, executableFile, rawRequest, Tenant, useMessagesStack, wavFile } from './messages.helpers';
import { useEvents, useTenant } from './fixture';

jest.setTimeout(60000);

const stack = useMessagesStack();
const events = useEvents();
const a = useTenant(stack);
const b = useTenant(stack);

const media = (t: Tenant, rest = '') => `/v2/accounts/${t.accountId}/media${rest}`;

async function createMedia(t: Tenant, data: Record<string, unknown> = { name: 'welcome' }) {
  const r = await stack.request('PUT', media(t), { token: t.token, body: { data } });
  expect(r.status).toBe(201);
  return r.body.data;
}

async function uploadRaw(t: Tenant, id: string, audio: Buffer, type = 'audio/wav') {
  return stack.request('PUT', media(t, `/${id}/raw`), {
    token: t.token,
    headers: { 'Content-Type': type },
    raw: audio,
  });
}

describe('media documents', () => {
  it('creates, reads, lists and changes a prompt; media.created', async () => {
    const d = await createMedia(a, { name: 'campaign intro', description: 'spring', media_source: 'upload' });
    expect(d).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      name: 'campaign intro',
      description: 'spring',
      media_source: 'upload',
      kind: 'prompt',
    });
    expect(d).not.toHaveProperty('size');
    const got = await stack.request('GET', media(a, `/${d.id}`), { token: a.token });
    expect(got.status).toBe(200);
    expect(got.body.data).toEqual(d);
    const list = await stack.request('GET', media(a), { token: a.token });
    expect(list.body.data.map((x: any) => x.id)).toContain(d.id);
    const changed = await stack.request('POST', media(a, `/${d.id}`), {
      token: a.token,
      body: { data: { name: 'campaign intro v2' } },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.data).toMatchObject({ name: 'campaign intro v2', description: 'spring' });
    await events.waitFor((e) => e.type === 'media.created' && e.aggregateId === d.id);
    await events.waitFor((e) => e.type === 'media.updated' && e.aggregateId === d.id);
  });

  it('stores raw audio: content_type, size, duration_ms; downloads it with Range; events', async () => {
    const d = await createMedia(a);
    const audio = wavFile(2);
    const up = await uploadRaw(a, d.id, audio);
    expect(up.status).toBe(200);
    expect(up.body.data).toMatchObject({ content_type: 'audio/wav', size: audio.length, duration_ms: 2000 });
    const raw = await rawRequest(stack.baseUrl, 'GET', media(a, `/${d.id}/raw`), { 'X-Auth-Token': a.token });
    expect(raw.status).toBe(200);
    expect(raw.body.equals(audio)).toBe(true);
    const part = await rawRequest(stack.baseUrl, 'GET', media(a, `/${d.id}/raw`), {
      'X-Auth-Token': a.token,
      Range: 'bytes=10-19',
    });
    expect(part.status).toBe(206);
    expect(part.body.equals(audio.subarray(10, 20))).toBe(true);
    await events.waitFor((e) => e.type === 'greeting.uploaded' && e.aggregateId === d.id);
    await events.waitFor((e) => e.type === 'media.stored' && e.tenantId === a.accountId);
  });

  it('refuses bad input in the Kazoo envelope, never 5xx', async () => {
    const noName = await stack.request('PUT', media(a), { token: a.token, body: { data: {} } });
    expect(noName.status).toBe(400);
    expect(noName.body).toMatchObject({ status: 'error', data: { name: { required: expect.any(Object) } } });
    const tts = await stack.request('PUT', media(a), {
      token: a.token,
      body: { data: { name: 'x', media_source: 'tts' } },
    });
    expect(tts.status).toBe(400);
    const slash = await stack.request('PUT', media(a), { token: a.token, body: { data: { name: '../x' } } });
    expect(slash.status).toBe(400);
    const d = await createMedia(a);
    const notAudio = await uploadRaw(a, d.id, executableFile(), 'audio/wav');
    expect(notAudio.status).toBe(415);
    expect(notAudio.body.status).toBe('error');
    const missing = await stack.request('GET', media(a, `/${'0'.repeat(32)}`), { token: a.token });
    expect(missing.status).toBe(404);
    const noAudio = await stack.request('GET', media(a, `/${d.id}/raw`), { token: a.token });
    expect(noAudio.status).toBe(404);
  });

  it("another account's media is not found, for every verb", async () => {
    const d = await createMedia(a);
    await uploadRaw(a, d.id, wavFile(1));
    const missing = '0'.repeat(32);
    for (const [method, path] of [
      ['GET', `/${d.id}`],
      ['POST', `/${d.id}`],
      ['DELETE', `/${d.id}`],
      ['GET', `/${d.id}/raw`],
    ]) {
      const theirs = await stack.request(method, media(b, path), {
        token: b.token,
        ...(method === 'POST' ? { body: { data: { name: 'mine' } } } : {}),
      });
      const none = await stack.request(method, media(b, path.replace(d.id, missing)), {
        token: b.token,
        ...(method === 'POST' ? { body: { data: { name: 'mine' } } } : {}),
      });
      expect([method, path, theirs.status]).toEqual([method, path, 404]);
      expect(theirs.body.message).toBe(none.body.message);
    }
    // nor through A's URL with B's token
    expect((await stack.request('GET', media(a, `/${d.id}`), { token: b.token })).status).toBe(404);
    expect((await stack.request('GET', media(a, `/${d.id}`), { token: a.token })).body.data.name).toBe(
      'welcome',
    );
  });
});

describe('box greetings', () => {
  it("media.unavailable names the account's own media; another account's id is refused like a missing one", async () => {
    const mine = await createMedia(b, { name: 'b greeting', kind: 'greeting' });
    const foreign = await createMedia(a, { name: 'a greeting', kind: 'greeting' });
    const put = (id: string) =>
      stack.request('PUT', `/v2/accounts/${b.accountId}/vmboxes`, {
        token: b.token,
        body: {
          data: {
            name: 'x',
            mailbox: String(5000 + Math.floor(Math.random() * 1e6)),
            media: { unavailable: id },
          },
        },
      });
    const theirs = await put(foreign.id);
    const none = await put('f'.repeat(32));
    expect(theirs.status).toBe(400);
    expect(none.status).toBe(400);
    expect(theirs.body.data['media.unavailable'].not_found.message).toBe(
      none.body.data['media.unavailable'].not_found.message,
    );
    const ok = await put(mine.id);
    expect(ok.status).toBe(201);
    expect(ok.body.data.media).toEqual({ unavailable: mine.id });
  });

  it('lists greetings with file, type, format, size, duration, upload time; temporary overrides while set', async () => {
    const unavailable = await createMedia(a, { name: 'away.wav', kind: 'greeting' });
    const temporary = await createMedia(a, { name: 'holiday.wav', kind: 'greeting' });
    await uploadRaw(a, unavailable.id, wavFile(1));
    await uploadRaw(a, temporary.id, wavFile(2));
    const box = await createBox(stack, a, { media: { unavailable: unavailable.id } });
    const greetings = (id: string) =>
      stack.request('GET', `/v2/accounts/${a.accountId}/vmboxes/${id}/greetings`, { token: a.token });
    const one = await greetings(box);
    expect(one.status).toBe(200);
    expect(one.body.data).toEqual([
      {
        type: 'unavailable',
        media_id: unavailable.id,
        file: 'away.wav',
        active: true,
        format: 'wav',
        content_type: 'audio/wav',
        size: wavFile(1).length,
        duration_ms: 1000,
        uploaded_at: expect.stringMatching(/^\d{4}-/),
      },
    ]);
    const set = await stack.request('PATCH', `/v2/accounts/${a.accountId}/vmboxes/${box}`, {
      token: a.token,
      body: { data: { media: { temporary: temporary.id } } },
    });
    expect(set.status).toBe(200);
    const two = (await greetings(box)).body.data;
    expect(two.map((g: any) => [g.type, g.active])).toEqual([
      ['unavailable', false],
      ['temporary', true],
    ]);
    await stack.request('PATCH', `/v2/accounts/${a.accountId}/vmboxes/${box}`, {
      token: a.token,
      body: { data: { media: { temporary: null } } },
    });
    expect((await greetings(box)).body.data.map((g: any) => [g.type, g.active])).toEqual([
      ['unavailable', true],
    ]);
    // another account cannot read this box's greetings
    expect(
      (await stack.request('GET', `/v2/accounts/${a.accountId}/vmboxes/${box}/greetings`, { token: b.token }))
        .status,
    ).toBe(404);
  });

  it('deleting media a box plays is 409 naming the box; once unset, it is deleted (greeting.deleted)', async () => {
    const d = await createMedia(a, { name: 'in use', kind: 'greeting' });
    await uploadRaw(a, d.id, wavFile(1));
    const box = await createBox(stack, a, { name: 'Sales line', mailbox: '7711', media: { busy: d.id } });
    const refused = await stack.request('DELETE', media(a, `/${d.id}`), { token: a.token });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('Sales line (7711)');
    expect(JSON.stringify(refused.body.data)).toContain(box);
    await stack.request('PATCH', `/v2/accounts/${a.accountId}/vmboxes/${box}`, {
      token: a.token,
      body: { data: { media: { busy: null } } },
    });
    const deleted = await stack.request('DELETE', media(a, `/${d.id}`), { token: a.token });
    expect(deleted.status).toBe(200);
    expect(deleted.body.data).toMatchObject({ id: d.id, _read_only: { deleted: true } });
    await events.waitFor((e) => e.type === 'greeting.deleted' && e.aggregateId === d.id);
    expect((await stack.request('GET', media(a, `/${d.id}`), { token: a.token })).status).toBe(404);
  });

  it('PUT .../greetings/{type} uploads directly: the box then names it; again overwrites the same media', async () => {
    const box = await createBox(stack, a, { name: 'Front desk' });
    const url = `/v2/accounts/${a.accountId}/vmboxes/${box}/greetings/busy`;
    const first = await stack.request('PUT', url, {
      token: a.token,
      headers: { 'Content-Type': 'audio/wav' },
      raw: wavFile(1),
    });
    expect(first.status).toBe(201);
    expect(first.body.data).toMatchObject({ type: 'busy', size: wavFile(1).length, active: true });
    const doc = await stack.request('GET', `/v2/accounts/${a.accountId}/vmboxes/${box}`, { token: a.token });
    expect(doc.body.data.media.busy).toBe(first.body.data.media_id);
    const again = await stack.request('PUT', url, {
      token: a.token,
      headers: { 'Content-Type': 'audio/wav' },
      raw: wavFile(3),
    });
    expect(again.status).toBe(200);
    expect(again.body.data).toMatchObject({ media_id: first.body.data.media_id, duration_ms: 3000 });
    const bad = await stack.request('PUT', `/v2/accounts/${a.accountId}/vmboxes/${box}/greetings/lunch`, {
      token: a.token,
      headers: { 'Content-Type': 'audio/wav' },
      raw: wavFile(1),
    });
    expect(bad.status).toBe(404);
    const foreign = await stack.request('PUT', url, {
      token: b.token,
      headers: { 'Content-Type': 'audio/wav' },
      raw: wavFile(1),
    });
    expect(foreign.status).toBe(404);
  });
});

describe('reseller access (the one tenancy rule, canReach, applied to media)', () => {
  const unique = (p: string) => `${p}-${Math.random().toString(16).slice(2, 10)}`;

  /** An account created by `token` under `parentId`, with its own admin token. */
  const childOf = (parentId: string, token: string, data: Record<string, unknown> = {}) =>
    stack.createAccount(parentId, token, data, unique('media-child'));

  let reseller: Tenant;
  let child: Tenant;
  let sibling: Tenant;

  beforeAll(async () => {
    const op = await stack.operatorLogin();
    reseller = await childOf(op.accountId, op.token, { is_reseller: true });
    child = await childOf(reseller.accountId, reseller.token);
    sibling = await childOf(reseller.accountId, reseller.token);
  });

  it("a user records its own box's greetings, never another user's box's nor any other media", async () => {
    const owner = await stack.createUser(a);
    const other = await stack.createUser(a);
    const mine = await createBox(stack, a, { name: 'Mine', owner_id: owner.id });
    const theirs = await createBox(stack, a, { name: 'Theirs', owner_id: other.id });
    const locked = await createBox(stack, a, { name: 'Locked', owner_id: owner.id, not_configurable: true });
    const put = (token: string, box: string, type: string, seconds = 1) =>
      stack.request('PUT', `/v2/accounts/${a.accountId}/vmboxes/${box}/greetings/${type}`, {
        token,
        headers: { 'Content-Type': 'audio/wav' },
        raw: wavFile(seconds),
      });
    // its own box: created, then replaced in place; it hears it back
    const first = await put(owner.token, mine, 'unavailable');
    expect(first.status).toBe(201);
    const again = await put(owner.token, mine, 'unavailable', 2);
    expect(again.status).toBe(200);
    expect(again.body.data).toMatchObject({ media_id: first.body.data.media_id, duration_ms: 2000 });
    const heard = await rawRequest(stack.baseUrl, 'GET', media(a, `/${first.body.data.media_id}/raw`), {
      'X-Auth-Token': owner.token,
    });
    expect(heard.status).toBe(200);
    // the same document replaced through the media API: it is the greeting of a box it owns
    expect((await uploadRaw({ ...a, token: owner.token }, first.body.data.media_id, wavFile(1))).status).toBe(
      200,
    );
    // another user's box: not even seen
    expect((await put(owner.token, theirs, 'unavailable')).status).toBe(404);
    const theirGreeting = await put(other.token, theirs, 'busy');
    expect(theirGreeting.status).toBe(201);
    const theirMedia = theirGreeting.body.data.media_id;
    expect((await uploadRaw({ ...a, token: owner.token }, theirMedia, wavFile(1))).status).toBe(403);
    // deleting: another's greeting is 403; its own, still played by its box, is 409 like an admin's
    const del = (id: string) => stack.request('DELETE', media(a, `/${id}`), { token: owner.token });
    expect((await del(theirMedia)).status).toBe(403);
    expect((await del(first.body.data.media_id)).status).toBe(409);
    // a box its admin made not configurable
    expect((await put(owner.token, locked, 'unavailable')).status).toBe(403);
    // no other media: a prompt, or a greeting made for no box of its own
    const prompt = await createMedia(a, { name: 'user-proof prompt' });
    expect((await uploadRaw({ ...a, token: owner.token }, prompt.id, wavFile(1))).status).toBe(403);
    for (const data of [{ name: 'mine now' }, { name: 'greeting', kind: 'greeting' }]) {
      const made = await stack.request('PUT', media(a), { token: owner.token, body: { data } });
      expect(made.status).toBe(403);
    }
    // the other user's greeting and the prompt are as they were
    const box = await stack.request('GET', `/v2/accounts/${a.accountId}/vmboxes/${theirs}`, {
      token: a.token,
    });
    expect(box.body.data.media.busy).toBe(theirMedia);
    expect(
      (await stack.request('GET', media(a, `/${prompt.id}`), { token: a.token })).body.data,
    ).not.toHaveProperty('size');
  });

  it("a reseller creates, uploads, reads, lists and deletes a child account's media and box greetings", async () => {
    const d = await createMedia(child, { name: 'from above' });
    const got = await stack.request('GET', media(child, `/${d.id}`), { token: reseller.token });
    expect(got.status).toBe(200);
    expect(got.body.data.name).toBe('from above');
    const mine = await createMedia(child, { name: 'made by the reseller' });
    const put = await stack.request('PUT', media(child, `/${mine.id}/raw`), {
      token: reseller.token,
      headers: { 'Content-Type': 'audio/wav' },
      raw: wavFile(1),
    });
    expect(put.status).toBe(200);
    const raw = await rawRequest(stack.baseUrl, 'GET', media(child, `/${mine.id}/raw`), {
      'X-Auth-Token': reseller.token,
    });
    expect(raw.status).toBe(200);
    expect(raw.body.equals(wavFile(1))).toBe(true);
    const list = await stack.request('GET', media(child), { token: reseller.token });
    expect(list.body.data.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining([d.id, mine.id]));
    const box = await createBox(stack, child, { name: 'Child desk' });
    const greeting = await stack.request(
      'PUT',
      `/v2/accounts/${child.accountId}/vmboxes/${box}/greetings/unavailable`,
      { token: reseller.token, headers: { 'Content-Type': 'audio/wav' }, raw: wavFile(1) },
    );
    expect(greeting.status).toBe(201);
    const del = await stack.request('DELETE', media(child, `/${d.id}`), { token: reseller.token });
    expect(del.status).toBe(200);
    // the child's events, whoever acted: media.removed (not tested elsewhere) for the deleted document
    const removed = await events.waitFor((e) => e.type === 'media.removed' && e.aggregateId === d.id);
    expect(removed.tenantId).toBe(child.accountId);
    expect(removed.data).toMatchObject({ media_id: d.id, name: 'from above' });
    const uploaded = await events.waitFor(
      (e) => e.type === 'greeting.uploaded' && e.aggregateId === greeting.body.data.media_id,
    );
    expect(uploaded.tenantId).toBe(child.accountId);
  });

  it("a child reaches neither its parent's nor its sibling's media; an unrelated tenant gets the missing id's 404", async () => {
    const parents = await createMedia(reseller, { name: 'parent prompt' });
    const siblings = await createMedia(sibling, { name: 'sibling prompt' });
    const childs = await createMedia(child, { name: 'child prompt' });
    const missing = '0'.repeat(32);
    for (const [owner, id, who] of [
      [reseller, parents.id, child],
      [sibling, siblings.id, child],
      [child, childs.id, a],
      [child, childs.id, sibling],
    ] as const) {
      for (const path of [`/${id}`, `/${id}/raw`]) {
        const theirs = await stack.request('GET', media(owner, path), { token: who.token });
        const none = await stack.request('GET', media(owner, path.replace(id, missing)), {
          token: who.token,
        });
        expect(theirs.status).toBe(404);
        expect(none.status).toBe(404);
        expect({ ...theirs.body, request_id: 'x' }).toEqual({ ...none.body, request_id: 'x' });
      }
      const post = await stack.request('POST', media(owner, `/${id}`), {
        token: who.token,
        body: { data: { name: 'taken' } },
      });
      expect(post.status).toBe(404);
      const del = await stack.request('DELETE', media(owner, `/${id}`), { token: who.token });
      expect(del.status).toBe(404);
    }
    // what was refused is unchanged
    const still = await stack.request('GET', media(reseller, `/${parents.id}`), { token: reseller.token });
    expect(still.body.data.name).toBe('parent prompt');
  });
});
