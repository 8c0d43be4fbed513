// The Flexisip account manager face: voicemail slots over HTTP, as a SIP VoicemailServer uses them,
// against the whole stack (real PostgreSQL, NATS, S3).
import { formData, opusFile, pathOf } from './flexisip.helpers';
import {
  createBox,
  messagesIn,
  mp3File,
  rawRequest,
  RawResponse,
  streamingRequest,
  Tenant,
  useMessagesStack,
  wavFile,
} from './messages.helpers';
import { useDb, useEvents } from './fixture';

jest.setTimeout(60000);

const MAX_UPLOAD = 200000;

const stack = useMessagesStack({ env: { FLEXISIP_MAX_UPLOAD_SIZE: String(MAX_UPLOAD) } });
const events = useEvents();
const db = useDb(stack);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const SIP = 'sip:+33612345678@sip.example.org';

interface World {
  t: Tenant;
  user: string;
  other: string;
  boxLow: string;
  boxHigh: string;
  adminKey: string;
  userKey: string;
  otherKey: string;
}

interface JsonResponse {
  status: number;
  body: any;
  headers: Headers;
}

async function api(method: string, path: string, key?: string, body?: unknown): Promise<JsonResponse> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (key) headers['x-api-key'] = key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(stack.baseUrl + path, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

async function createUser(t: Tenant, first: string): Promise<string> {
  const r = await stack.request('PUT', `/v2/accounts/${t.accountId}/users`, {
    token: t.token,
    body: { data: { first_name: first, last_name: 'Test' } },
  });
  expect(r.status).toBe(201);
  return r.body.data.id;
}

async function apiClient(t: Tenant, privLevel: 'admin' | 'user', ownerId?: string): Promise<string> {
  const r = await stack.request('PUT', `/v2/accounts/${t.accountId}/api_clients`, {
    token: t.token,
    body: {
      data: {
        name: `flexisip ${privLevel}`,
        priv_level: privLevel,
        ...(ownerId ? { owner_id: ownerId } : {}),
      },
    },
  });
  expect(r.status).toBe(201);
  return r.body.data.client_secret;
}

async function world(): Promise<World> {
  const t = await stack.createTenant();
  const user = await createUser(t, 'Alice');
  const other = await createUser(t, 'Bob');
  // created in this order on purpose: the slot must pick the lowest mailbox number, not the first box
  const boxHigh = await createBox(stack, t, { owner_id: user, mailbox: '1000' });
  const boxLow = await createBox(stack, t, { owner_id: user, mailbox: '200' });
  await createBox(stack, t, { owner_id: other, mailbox: '300' });
  return {
    t,
    user,
    other,
    boxLow,
    boxHigh,
    adminKey: await apiClient(t, 'admin'),
    userKey: await apiClient(t, 'user', user),
    otherKey: await apiClient(t, 'user', other),
  };
}

async function createSlot(key: string, who = 'me', contentType = 'audio/wav', sipFrom = SIP): Promise<any> {
  const r = await api('POST', `/api/accounts/${who}/voicemails`, key, {
    sip_from: sipFrom,
    content_type: contentType,
  });
  expect(r.status).toBe(201);
  return r.body;
}

function uploadForm(uploadUrl: string, file: Buffer, type: string, name = 'file'): Promise<RawResponse> {
  const f = formData(file, type, name);
  return rawRequest(stack.baseUrl, 'POST', pathOf(uploadUrl), { 'Content-Type': f.contentType }, f.body);
}

function uploadRaw(uploadUrl: string, file: Buffer, type: string): Promise<RawResponse> {
  return rawRequest(stack.baseUrl, 'PUT', pathOf(uploadUrl), { 'Content-Type': type }, file);
}

const json = (r: RawResponse) => JSON.parse(r.body.toString('utf8'));

const messagesOf = (w: World, vmboxId: string) => messagesIn(stack, w.t, vmboxId);

describe('Flexisip voicemail slots', () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
  });

  it("creates a slot with the documented fields and the account manager's name and size, nulls before upload", async () => {
    const s = await createSlot(w.userKey);
    expect(Object.keys(s).sort()).toEqual(
      [
        'content_type',
        'created_at',
        'download_url',
        'id',
        'max_upload_size',
        'name',
        'sip_from',
        'size',
        'upload_url',
        'uploaded_at',
      ].sort(),
    );
    expect(s).toMatchObject({
      sip_from: SIP,
      download_url: null,
      max_upload_size: MAX_UPLOAD,
      content_type: 'audio/wav',
      uploaded_at: null,
    });
    expect(s.id).toMatch(UUID);
    expect(s.created_at).toMatch(TIME);
    expect(new URL(s.upload_url).protocol).toMatch(/^https?:$/);
    const other = await createSlot(w.userKey);
    expect(other.upload_url).not.toBe(s.upload_url);

    const got = await api('GET', `/api/accounts/me/voicemails/${s.id}`, w.userKey);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({
      id: s.id,
      sip_from: SIP,
      get_url: null,
      file_size: null,
      content_type: 'audio/wav',
      created_at: s.created_at,
      uploaded_at: null,
      name: null,
      size: null,
      download_url: null,
    });
    const list = await api('GET', '/api/accounts/me/voicemails', w.userKey);
    expect(list.status).toBe(200);
    expect(list.body).toEqual(expect.arrayContaining([got.body]));
  });

  it('takes the VoicemailServer multipart upload: a message in the lowest box, message.created once, downloadable', async () => {
    const s = await createSlot(w.userKey);
    const audio = wavFile(2);
    const up = await uploadForm(s.upload_url, audio, 'audio/wav');
    expect(up.status).toBe(200);

    const got = await api('GET', `/api/accounts/${w.user}/voicemails/${s.id}`, w.adminKey);
    expect(got.status).toBe(200);
    expect(Object.keys(got.body).sort()).toEqual(
      [
        'content_type',
        'created_at',
        'download_url',
        'file_size',
        'get_url',
        'id',
        'name',
        'sip_from',
        'size',
        'uploaded_at',
      ].sort(),
    );
    expect(got.body).toMatchObject({
      id: s.id,
      sip_from: SIP,
      file_size: audio.length,
      size: audio.length,
      name: 'voicemail',
      content_type: 'audio/wav',
    });
    expect(got.body.download_url).toBe(got.body.get_url);
    // the upload answered the stored voicemail, with its download_url
    expect(json(up)).toMatchObject({
      id: s.id,
      size: audio.length,
      download_url: expect.stringMatching(/^https?:/),
    });
    expect(got.body.uploaded_at).toMatch(TIME);
    expect(got.body.get_url).toMatch(/^https?:\/\//);

    // the Kazoo face sees the same message, in the box with the lowest mailbox number
    const msgs = await messagesOf(w, w.boxLow);
    const msg = msgs.find((m) => m.from === SIP);
    expect(msg).toMatchObject({ folder: 'new', from: SIP });
    expect(msg.length).toBeGreaterThanOrEqual(1900);
    expect(await messagesOf(w, w.boxHigh)).toEqual([]);
    await events.waitFor((e) => e.type === 'message.created' && e.aggregateId === msg.media_id);
    await new Promise((r) => setTimeout(r, 300));
    expect(
      events.events.filter((e) => e.type === 'message.created' && e.aggregateId === msg.media_id),
    ).toHaveLength(1);

    // get_url downloads the audio, with Range and HEAD
    const dl = await rawRequest(stack.baseUrl, 'GET', pathOf(got.body.get_url), {});
    expect(dl.status).toBe(200);
    expect(dl.body.equals(audio)).toBe(true);
    const part = await rawRequest(stack.baseUrl, 'GET', pathOf(got.body.get_url), { Range: 'bytes=0-43' });
    expect(part.status).toBe(206);
    expect(part.body.equals(audio.subarray(0, 44))).toBe(true);
    const head = await fetch(stack.baseUrl + pathOf(got.body.get_url), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(audio.length));

    // the upload URL was used once; a second upload is refused (404, as the account manager) and nothing
    // changes
    const again = await uploadForm(s.upload_url, wavFile(1), 'audio/wav');
    expect(again.status).toBe(404);
    expect(json(again)).toEqual({ message: expect.any(String) });
    expect((await messagesOf(w, w.boxLow)).filter((m) => m.from === SIP)).toHaveLength(1);

    // a tampered link is refused like Laravel's signed routes
    const tampered = await rawRequest(
      stack.baseUrl,
      'GET',
      pathOf(got.body.get_url).replace(/signature=./, 'signature=x'),
      {},
    );
    expect(tampered.status).toBe(403);
    expect(json(tampered)).toEqual({ message: 'Invalid signature.' });
  });

  it('takes a raw PUT of Ogg Opus with the declared Content-Type', async () => {
    const s = await createSlot(w.userKey, 'me', 'audio/opus', 'sips:carol@example.com;transport=tls');
    expect(s.content_type).toBe('audio/opus');
    const audio = opusFile(2);
    const up = await uploadRaw(s.upload_url, audio, 'audio/opus');
    expect(up.status).toBe(200);
    const got = await api('GET', `/api/accounts/me/voicemails/${s.id}`, w.userKey);
    expect(got.body).toMatchObject({ file_size: audio.length, content_type: 'audio/opus' });
    const dl = await rawRequest(stack.baseUrl, 'GET', pathOf(got.body.get_url), {});
    expect(dl.body.equals(audio)).toBe(true);
  });

  it('refuses audio of another type than declared, and oversize audio; the slot stays empty and usable', async () => {
    const s = await createSlot(w.userKey);
    const mp3 = await uploadForm(s.upload_url, mp3File(1), 'audio/wav');
    expect(mp3.status).toBe(422);
    expect(json(mp3)).toEqual({ message: expect.any(String), errors: { file: [expect.any(String)] } });
    const opus = await uploadRaw(s.upload_url, opusFile(1), 'audio/wav');
    expect(opus.status).toBe(422);
    const declaredOther = await uploadRaw(s.upload_url, wavFile(1), 'audio/opus');
    expect(declaredOther.status).toBe(422);

    const big = wavFile(20); // 320 KB > max_upload_size
    const chunks = Array.from({ length: Math.ceil(big.length / 16384) }, (_, i) =>
      big.subarray(i * 16384, (i + 1) * 16384),
    );
    const f = formData(Buffer.alloc(0), 'audio/wav');
    const head = f.body.subarray(
      0,
      f.body.length - Buffer.from(`\r\n--${f.contentType.split('boundary=')[1]}--\r\n`).length,
    );
    const tail = f.body.subarray(head.length);
    const tooBig = await streamingRequest(
      stack.baseUrl,
      'POST',
      pathOf(s.upload_url),
      { 'Content-Type': f.contentType },
      [head, ...chunks, tail],
    );
    expect(tooBig.status).toBe(413);
    expect(json(tooBig)).toEqual({ message: expect.any(String) });
    const tooBigRaw = await uploadRaw(s.upload_url, big, 'audio/wav');
    expect(tooBigRaw.status).toBe(413);

    const still = await api('GET', `/api/accounts/me/voicemails/${s.id}`, w.userKey);
    expect(still.body).toMatchObject({ uploaded_at: null, file_size: null, get_url: null });
    const noFile = await uploadForm(s.upload_url, wavFile(1), 'audio/wav', 'other');
    expect(noFile.status).toBe(422);
    expect(json(noFile).errors).toEqual({ file: [expect.any(String)] });
    expect((await uploadForm(s.upload_url, wavFile(1), 'audio/wav')).status).toBe(200);
  });

  it('validates sip_from and content_type with 422 in Laravel shape; accepts wav aliases as audio/wav', async () => {
    for (const sipFrom of ['bob', 'http://x', `sip:${'a'.repeat(2048)}@example.org`, 42]) {
      const r = await api('POST', '/api/accounts/me/voicemails', w.userKey, {
        sip_from: sipFrom,
        content_type: 'audio/wav',
      });
      expect(r.status).toBe(422);
      expect(r.body).toEqual({ message: expect.any(String), errors: { sip_from: [expect.any(String)] } });
    }
    const missing = await api('POST', '/api/accounts/me/voicemails', w.userKey, {});
    expect(missing.status).toBe(422);
    // sip_from is optional (the account manager's code; its document says mandatory)
    expect(missing.body).toEqual({
      message: 'The content type field is required.',
      errors: { content_type: ['The content type field is required.'] },
    });
    for (const sipFrom of [undefined, null, '']) {
      const r = await api('POST', '/api/accounts/me/voicemails', w.userKey, {
        sip_from: sipFrom,
        content_type: 'audio/wav',
      });
      expect(r.status).toBe(201);
      expect(r.body.sip_from).toBeNull();
    }
    const mpeg = await api('POST', '/api/accounts/me/voicemails', w.userKey, {
      sip_from: SIP,
      content_type: 'audio/mpeg',
    });
    expect(mpeg.status).toBe(422);
    expect(mpeg.body.errors).toEqual({ content_type: ['The selected content type is invalid.'] });
    for (const alias of ['audio/wave', 'audio/x-wav', 'audio/vnd.wave']) {
      const s = await createSlot(w.userKey, 'me', alias);
      expect(s.content_type).toBe('audio/wav');
    }
    const notJson = await api('POST', '/api/accounts/me/voicemails', w.userKey, '{"sip_from":');
    // malformed JSON fails in Fastify before any route, so the global (Kazoo) filter answers it until the
    // gateway picks the error shape by URL prefix; the status and a `message` are right already
    expect(notJson.status).toBe(400);
    expect(typeof notJson.body.message).toBe('string');
  });

  it('authenticates by x-api-key and limits a user client to itself', async () => {
    expect(await api('GET', '/api/accounts/me/voicemails')).toEqual(
      expect.objectContaining({ status: 401, body: { message: 'Unauthenticated.' } }),
    );
    expect((await api('GET', '/api/accounts/me/voicemails', 'not-a-client-secret')).status).toBe(401);
    // a Kazoo token is not an API key of this face
    expect((await api('GET', '/api/accounts/me/voicemails', w.t.token)).status).toBe(401);

    expect((await api('GET', `/api/accounts/${w.user}/voicemails`, w.userKey)).status).toBe(200);
    const forbidden = await api('GET', `/api/accounts/${w.other}/voicemails`, w.userKey);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toEqual({ message: expect.any(String) });
    expect(
      (
        await api('POST', `/api/accounts/${w.other}/voicemails`, w.userKey, {
          sip_from: SIP,
          content_type: 'audio/wav',
        })
      ).status,
    ).toBe(403);

    // an admin client acts on any user of its account; Bob's slot is not Alice's
    const bobs = await createSlot(w.adminKey, w.other);
    expect((await api('GET', `/api/accounts/me/voicemails/${bobs.id}`, w.userKey)).status).toBe(404);
    expect((await api('GET', `/api/accounts/me/voicemails/${bobs.id}`, w.otherKey)).status).toBe(200);
    const aliceList = await api('GET', '/api/accounts/me/voicemails', w.userKey);
    expect(aliceList.body.map((v: { id: string }) => v.id)).not.toContain(bobs.id);
    // an admin client bound to nobody has no `me`
    expect((await api('GET', '/api/accounts/me/voicemails', w.adminKey)).status).toBe(404);

    // another tenant's user, or its voicemail, does not exist for this account
    const b = await world();
    const theirs = await createSlot(b.userKey);
    expect((await api('GET', `/api/accounts/${b.user}/voicemails`, w.adminKey)).status).toBe(404);
    expect(
      (
        await api('POST', `/api/accounts/${b.user}/voicemails`, w.adminKey, {
          sip_from: SIP,
          content_type: 'audio/wav',
        })
      ).status,
    ).toBe(404);
    expect((await api('GET', `/api/accounts/${w.user}/voicemails/${theirs.id}`, w.adminKey)).status).toBe(
      404,
    );
    expect((await api('DELETE', `/api/accounts/${b.user}/voicemails/${theirs.id}`, w.adminKey)).status).toBe(
      404,
    );
    expect((await api('GET', `/api/accounts/me/voicemails/${theirs.id}`, b.userKey)).status).toBe(200);
  });

  it('answers 422 when the user owns no box', async () => {
    const lonely = await createUser(w.t, 'Nobox');
    const r = await api('POST', `/api/accounts/${lonely}/voicemails`, w.adminKey, {
      sip_from: SIP,
      content_type: 'audio/wav',
    });
    expect(r.status).toBe(422);
    expect(r.body).toEqual({ message: expect.any(String), errors: expect.any(Object) });
  });

  it('deletes a voicemail with its audio and its Kazoo message', async () => {
    const s = await createSlot(w.userKey, 'me', 'audio/wav', 'sip:delete-me@example.org');
    expect((await uploadForm(s.upload_url, wavFile(1), 'audio/wav')).status).toBe(200);
    const got = await api('GET', `/api/accounts/me/voicemails/${s.id}`, w.userKey);
    const msg = (await messagesOf(w, w.boxLow)).find((m) => m.from === 'sip:delete-me@example.org');
    expect(msg).toBeDefined();

    const del = await api('DELETE', `/api/accounts/me/voicemails/${s.id}`, w.userKey);
    expect(del.status).toBe(200);
    const gone = await api('GET', `/api/accounts/me/voicemails/${s.id}`, w.userKey);
    expect(gone).toEqual(expect.objectContaining({ status: 404, body: { message: expect.any(String) } }));
    expect((await api('DELETE', `/api/accounts/me/voicemails/${s.id}`, w.userKey)).status).toBe(404);
    expect((await messagesOf(w, w.boxLow)).find((m) => m.media_id === msg.media_id)).toBeUndefined();
    const kazoo = await stack.request(
      'GET',
      `/v2/accounts/${w.t.accountId}/vmboxes/${w.boxLow}/messages/${msg.media_id}`,
      { token: w.t.token },
    );
    expect(kazoo.status).toBe(404);
    expect((await rawRequest(stack.baseUrl, 'GET', pathOf(got.body.get_url), {})).status).toBe(404);
    // the stored object is deleted through the purge event
    await events.waitFor((e) => e.type === 'message.deleted' && e.aggregateId === msg.media_id);
    expect((await api('GET', '/api/voicemail_files/x/y/download')).status).toBe(403);
    expect((await api('GET', `/api/accounts/me/voicemails/not-a-uuid`, w.userKey)).status).toBe(404);
  });

  it('fills a slot once when two uploads race; one message, the other refused', async () => {
    const s = await createSlot(w.userKey, 'me', 'audio/wav', 'sip:race@example.org');
    const [a, b] = await Promise.all([
      uploadForm(s.upload_url, wavFile(1), 'audio/wav'),
      uploadRaw(s.upload_url, wavFile(1), 'audio/wav'),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 404]);
    expect((await messagesOf(w, w.boxLow)).filter((m) => m.from === 'sip:race@example.org')).toHaveLength(1);
  });

  it('forgets a voicemail whose message was deleted through the Kazoo face', async () => {
    const s = await createSlot(w.userKey, 'me', 'audio/wav', 'sip:kazoo-delete@example.org');
    expect((await uploadForm(s.upload_url, wavFile(1), 'audio/wav')).status).toBe(200);
    const msg = (await messagesOf(w, w.boxLow)).find((m) => m.from === 'sip:kazoo-delete@example.org');
    const del = await stack.request(
      'DELETE',
      `/v2/accounts/${w.t.accountId}/vmboxes/${w.boxLow}/messages/${msg.media_id}`,
      { token: w.t.token },
    );
    expect(del.status).toBe(200);
    expect((await api('GET', `/api/accounts/me/voicemails/${s.id}`, w.userKey)).status).toBe(404);
    const list = await api('GET', '/api/accounts/me/voicemails', w.userKey);
    expect(list.body.map((v: { id: string }) => v.id)).not.toContain(s.id);
  });

  it('refuses an expired upload URL and sweeps the slot that was never filled', async () => {
    process.env.FLEXISIP_UPLOAD_URL_TTL_S = '1';
    try {
      await stack.stopApp('gateway');
      await stack.startApp('gateway');
      const s = await createSlot(w.userKey);
      await new Promise((r) => setTimeout(r, 1500));
      const late = await uploadForm(s.upload_url, wavFile(1), 'audio/wav');
      expect(late.status).toBe(403);
      expect(json(late)).toEqual({ message: 'Invalid signature.' });
      expect((await api('GET', `/api/accounts/me/voicemails/${s.id}`, w.userKey)).status).toBe(404);
      const end = Date.now() + 5000;
      let left = 1;
      while (left && Date.now() < end) {
        ({ rowCount: left } = (await db.query('SELECT 1 FROM message.voicemail_slots WHERE id = $1', [
          s.id,
        ])) as { rowCount: number });
        if (left) await new Promise((r) => setTimeout(r, 100));
      }
      expect(left).toBe(0);
    } finally {
      delete process.env.FLEXISIP_UPLOAD_URL_TTL_S;
      await stack.stopApp('gateway');
      await stack.startApp('gateway');
    }
  });
});
