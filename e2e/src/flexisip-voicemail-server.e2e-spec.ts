// Flexisip's VoicemailServer against Voxmail, request for request as Flexisip sends them (flexisip
// src/voicemail/call-handler.cc, src/flexiapi/flexiapi.cc, src/utils/transport/http/rest-client.cc): over
// HTTP/2 with TLS (ALPN h2, as its nghttp2 client) and over cleartext HTTP/2, against the whole stack.
import { rmSync } from 'node:fs';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { randomBytes } from 'node:crypto';
import { RunningApp } from '@voxmail/testing';
import { startGateway } from '../../apps/api-gateway/src/bootstrap';
import { flexisipForm, h2Request, H2Response, selfSignedCert } from './flexisip.helpers';
import { createBox, messagesIn, Tenant, useMessagesStack, wavFile } from './messages.helpers';
import { afterSuite, useEvents } from './fixture';

jest.setTimeout(90000);

const SLOT_MAX = 200000;

const stack = useMessagesStack();
const events = useEvents();
let tls: ReturnType<typeof selfSignedCert>;
let h2s: RunningApp; // HTTPS: h2 by ALPN, HTTP/1.1 beside it
let h2c: RunningApp; // cleartext HTTP/2 with prior knowledge

interface World {
  t: Tenant;
  realm: string;
  alice: string;
  aliceBox: string;
  bob: string;
  adminKey: string;
  aliceKey: string;
}

const json = (r: H2Response) => JSON.parse(r.body.toString('utf8'));

async function createUser(t: Tenant, username: string): Promise<string> {
  const r = await stack.request('PUT', `/v2/accounts/${t.accountId}/users`, {
    token: t.token,
    body: { data: { first_name: username, last_name: 'Test', username, email: `${username}@example.org` } },
  });
  expect(r.status).toBe(201);
  return r.body.data.id;
}

async function apiClient(t: Tenant, privLevel: 'admin' | 'user', ownerId?: string): Promise<string> {
  const r = await stack.request('PUT', `/v2/accounts/${t.accountId}/api_clients`, {
    token: t.token,
    body: { data: { name: `flexisip ${privLevel}`, priv_level: privLevel, owner_id: ownerId } },
  });
  expect(r.status).toBe(201);
  return r.body.data.client_secret;
}

async function world(): Promise<World> {
  const t = await stack.createTenant();
  const realm = `sip-${randomBytes(4).toString('hex')}.example.org`;
  const op = await stack.operatorLogin();
  const set = await stack.request('PATCH', `/v2/accounts/${t.accountId}`, {
    token: op.token,
    body: { data: { realm } },
  });
  expect(set.status).toBe(200);
  const alice = await createUser(t, 'alice');
  const bob = await createUser(t, 'bob');
  const aliceBox = await createBox(stack, t, { owner_id: alice, mailbox: '200' });
  await createBox(stack, t, { owner_id: bob, mailbox: '300' });
  return {
    t,
    realm,
    alice,
    aliceBox,
    bob,
    adminKey: await apiClient(t, 'admin'),
    aliceKey: await apiClient(t, 'user', alice),
  };
}

function connect(app: RunningApp): http2.ClientHttp2Session {
  const session = app.url.startsWith('https:')
    ? http2.connect(app.url, { ca: tls.cert })
    : http2.connect(app.url);
  session.on('error', () => undefined);
  return session;
}

/** The headers Flexisip's RestClient puts on every request (flexiapi config.cc, rest-client.cc). */
function flexisipHeaders(app: RunningApp, key: string, contentType: string): Record<string, string> {
  return {
    ':scheme': 'https',
    ':authority': new URL(app.url).host,
    accept: 'application/json',
    'x-api-key': key,
    'content-type': contentType,
  };
}

/** A recording's path as the VoicemailServer names it: its storage directory, a sha256, `.wav`. */
const recordPath = () =>
  `/var/opt/belledonne-communications/flexisip/voicemails/${randomBytes(32).toString('hex')}.wav`;

/**
 * Flexisip's sequence for one call to `target` (call-handler.cc reserveSlot → sendSlotRequest →
 * uploadVoicemail): search the account, reserve a slot for its integer `id`, post the recording to the
 * path of `upload_url`.
 */
async function voicemailServer(
  session: http2.ClientHttp2Session,
  app: RunningApp,
  key: string,
  target: string,
  caller: string,
  audio: Buffer,
) {
  const search = await h2Request(
    session,
    'GET',
    `/api/accounts/${target}/search`,
    flexisipHeaders(app, key, 'application/json'),
  );
  // nlohmann's serialisation: keys in alphabetical order
  const slotBody = Buffer.from(JSON.stringify({ content_type: 'audio/wav', sip_from: caller }));
  const account = search.status === 200 ? json(search) : undefined;
  const slot =
    account &&
    (await h2Request(
      session,
      'POST',
      `/api/accounts/${account.id}/voicemails`,
      flexisipHeaders(app, key, 'application/json'),
      slotBody,
    ));
  const form = flexisipForm(recordPath(), audio);
  const upload =
    slot &&
    slot.status === 201 &&
    (await h2Request(
      session,
      'POST',
      new URL(json(slot).upload_url).pathname,
      flexisipHeaders(app, key, form.contentType),
      form.body,
    ));
  return { search, account, slot, upload: upload || undefined };
}

const messagesOf = (w: World, vmboxId: string) => messagesIn(stack, w.t, vmboxId);

beforeAll(async () => {
  tls = selfSignedCert();
  const { loadGatewayConfig } = await import('@voxmail/config');
  const env = { ...stack.env, FLEXISIP_MAX_UPLOAD_SIZE: String(SLOT_MAX) };
  h2s = await startGateway(
    loadGatewayConfig({ ...env, TLS_CERT_FILE: tls.certFile, TLS_KEY_FILE: tls.keyFile }),
    { handleSignals: false },
  );
  h2c = await startGateway(loadGatewayConfig({ ...env, HTTP2_CLEARTEXT: 'true' }), { handleSignals: false });
});

afterSuite(async () => {
  await h2s?.close();
  await h2c?.close();
  if (tls) rmSync(tls.dir, { recursive: true, force: true });
});

describe.each([
  ['HTTP/2 over TLS (ALPN h2)', () => h2s],
  ['cleartext HTTP/2 (prior knowledge)', () => h2c],
])("Flexisip's VoicemailServer over %s", (_name, app) => {
  let w: World;
  let session: http2.ClientHttp2Session;
  beforeAll(async () => {
    w = await world();
    session = connect(app());
  });
  afterAll(() => session?.close());

  /** A second one-second recording posted to the upload URL of `slot` (the answer that created it). */
  const uploadAgain = (slot: H2Response) => {
    const form = flexisipForm(recordPath(), wavFile(1));
    return h2Request(
      session,
      'POST',
      new URL(json(slot).upload_url).pathname,
      flexisipHeaders(app(), w.adminKey, form.contentType),
      form.body,
    );
  };

  it('records a voicemail: search, slot, multipart upload; the message is in the box, announced once', async () => {
    const audio = wavFile(2);
    const caller = 'sip:+33612345678@caller.example.net';
    const r = await voicemailServer(session, app(), w.adminKey, `alice@${w.realm}`, caller, audio);

    expect(r.search.status).toBe(200);
    expect(r.search.headers['content-type']).toMatch(/^application\/json/);
    // what Flexisip's from_json(Account) reads: an integer id, call_forwardings, a SIP URI
    expect(Number.isInteger(r.account.id)).toBe(true);
    expect(r.account.id).toBeGreaterThan(0);
    expect(r.account).toMatchObject({
      sip_uri: `sip:alice@${w.realm}`,
      call_forwardings: [],
      username: 'alice',
      domain: w.realm,
      activated: true,
    });

    expect(r.slot!.status).toBe(201);
    const slot = json(r.slot!);
    // what Flexisip's Slot reads: id, sip_from, upload_url, max_upload_size, content_type
    expect(slot).toMatchObject({ sip_from: caller, max_upload_size: SLOT_MAX, content_type: 'audio/wav' });
    expect(new URL(slot.upload_url).pathname).toBe(`/api/files/${slot.id}`);

    expect(r.upload?.status).toBe(200);
    const stored = json(r.upload!);
    // the account manager answers the stored file: its name (without directories), size, download_url
    expect(stored).toMatchObject({ id: slot.id, sip_from: caller, content_type: 'audio/wav' });
    expect(stored.name).toMatch(/^[0-9a-f]{64}\.wav$/);
    // Flexisip's extra CRLF before the closing delimiter belongs to the part, as for Laravel
    expect(stored.size).toBe(audio.length + 2);
    expect(stored.uploaded_at).toMatch(/Z$/);
    expect(stored.download_url).toMatch(/^https?:\/\//);

    const msgs = (await messagesOf(w, w.aliceBox)).filter((m) => m.from === caller);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject({ folder: 'new' });
    const mediaId = msgs[0].media_id;
    await events.waitFor((e) => e.type === 'message.created' && e.aggregateId === mediaId);
    await new Promise((res) => setTimeout(res, 500));
    expect(
      events.events.filter((e) => e.type === 'message.created' && e.aggregateId === mediaId),
    ).toHaveLength(1);

    // the download link streams the audio over HTTP/2, with Range
    const dl = new URL(stored.download_url);
    const whole = await h2Request(session, 'GET', dl.pathname + dl.search, {});
    expect(whole.status).toBe(200);
    expect(whole.body.subarray(0, audio.length).equals(audio)).toBe(true);
    const part = await h2Request(session, 'GET', dl.pathname + dl.search, { range: 'bytes=0-43' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 0-43/${audio.length + 2}`);
    expect(part.body.equals(audio.subarray(0, 44))).toBe(true);

    // the voicemail as the account manager's GET shows it, by the integer id too
    const got = await h2Request(session, 'GET', `/api/accounts/${r.account.id}/voicemails/${slot.id}`, {
      'x-api-key': w.adminKey,
    });
    expect(got.status).toBe(200);
    expect(json(got)).toMatchObject({
      name: stored.name,
      size: audio.length + 2,
      file_size: audio.length + 2,
    });
  });

  it('refuses a used upload URL with 404 (the account manager), and nothing changes', async () => {
    const caller = `sip:reuse-${randomBytes(3).toString('hex')}@caller.example.net`;
    const r = await voicemailServer(session, app(), w.adminKey, `alice@${w.realm}`, caller, wavFile(1));
    expect(r.upload?.status).toBe(200);
    const again = await uploadAgain(r.slot!);
    expect(again.status).toBe(404);
    expect(json(again)).toEqual({ message: expect.any(String) });
    expect((await messagesOf(w, w.aliceBox)).filter((m) => m.from === caller)).toHaveLength(1);
  });

  it('lets only an admin key search and upload (403 for a user key, 401 without a key)', async () => {
    const userSearch = await h2Request(
      session,
      'GET',
      `/api/accounts/alice@${w.realm}/search`,
      flexisipHeaders(app(), w.aliceKey, 'application/json'),
    );
    expect(userSearch.status).toBe(403);
    expect(json(userSearch)).toEqual({ message: expect.any(String) });

    const slot = await h2Request(
      session,
      'POST',
      '/api/accounts/me/voicemails',
      flexisipHeaders(app(), w.aliceKey, 'application/json'),
      Buffer.from(JSON.stringify({ content_type: 'audio/wav', sip_from: 'sip:x@y.example' })),
    );
    expect(slot.status).toBe(201);
    const path = new URL(json(slot).upload_url).pathname;
    const form = flexisipForm(recordPath(), wavFile(1));
    const uploadAs = (key: string) =>
      h2Request(session, 'POST', path, flexisipHeaders(app(), key, form.contentType), form.body);
    const byUser = await uploadAs(w.aliceKey);
    expect(byUser.status).toBe(403);
    const { 'x-api-key': _key, ...noKey } = flexisipHeaders(app(), w.aliceKey, form.contentType);
    const anonymous = await h2Request(session, 'POST', path, noKey, form.body);
    expect(anonymous.status).toBe(401);
    expect(anonymous.ended).toBe(true);
    expect(json(anonymous)).toEqual({ message: 'Unauthenticated.' });
    const tampered = await h2Request(
      session,
      'POST',
      `${path}?account=${w.t.accountId}&expires=1&signature=x`,
      noKey,
      form.body,
    );
    expect(tampered.status).toBe(403);
    // the slot is still empty and the admin's key fills it
    const byAdmin = await uploadAs(w.adminKey);
    expect(byAdmin.status).toBe(200);
  });

  it('ends only the stream of a refused upload: 413 in the face shape, the connection keeps serving', async () => {
    const caller = `sip:big-${randomBytes(3).toString('hex')}@caller.example.net`;
    const r = await voicemailServer(session, app(), w.adminKey, `alice@${w.realm}`, caller, wavFile(20));
    expect(r.upload?.status).toBe(413);
    expect(json(r.upload!)).toEqual({ message: expect.any(String) });
    // refused while streaming: the rest of the recording was never sent, and the server ended the
    // stream (a client still sending would otherwise wait on flow control for ever)
    expect(r.upload!.sent).toBeLessThan(wavFile(20).length);
    expect(r.upload!.ended).toBe(true);
    // the same HTTP/2 connection serves the next request, and the slot takes a smaller recording
    const retry = await uploadAgain(r.slot!);
    expect(retry.status).toBe(200);
    expect((await messagesOf(w, w.aliceBox)).filter((m) => m.from === caller)).toHaveLength(1);
  });
});

describe('the account manager face beyond its document', () => {
  let w: World;
  let session: http2.ClientHttp2Session;
  beforeAll(async () => {
    w = await world();
    session = connect(h2s);
  });
  afterAll(() => session?.close());

  const admin = (path: string, method = 'GET', body?: unknown) =>
    h2Request(
      session,
      method,
      path,
      { 'x-api-key': w.adminKey, 'content-type': 'application/json' },
      body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
    );

  it('numbers the SIP accounts of each account from 1, never reusing a number; search finds only its realm', async () => {
    const alice = json(await admin(`/api/accounts/alice@${w.realm}/search`));
    const bob = json(await admin(`/api/accounts/bob@${w.realm}/search`));
    expect([alice.id, bob.id]).toEqual([1, 2]);
    const carol = await createUser(w.t, 'carol');
    await stack.request('DELETE', `/v2/accounts/${w.t.accountId}/users/${carol}`, { token: w.t.token });
    await createUser(w.t, 'dave');
    expect(json(await admin(`/api/accounts/dave@${w.realm}/search`)).id).toBe(4);
    // the user part is case-insensitive like Kazoo usernames, the host must be the account's realm
    expect(json(await admin(`/api/accounts/ALICE@${w.realm}/search`)).id).toBe(1);
    for (const sip of [`carol@${w.realm}`, 'alice@other.example.org', 'alice', `nobody@${w.realm}`]) {
      const r = await admin(`/api/accounts/${sip}/search`);
      expect(r.status).toBe(404);
      expect(json(r)).toEqual({ message: expect.any(String) });
    }
    // another tenant's user, though numbered 1 there too, is not found through this key
    const other = await world();
    expect((await admin(`/api/accounts/alice@${other.realm}/search`)).status).toBe(404);
  });

  it('takes the integer id wherever it takes {id}; a user key only its own', async () => {
    const slot = await admin('/api/accounts/1/voicemails', 'POST', { content_type: 'audio/wav' });
    expect(slot.status).toBe(201);
    const id = json(slot).id;
    expect((await admin('/api/accounts/1/voicemails')).status).toBe(200);
    expect(json(await admin('/api/accounts/1/voicemails')).map((v: { id: string }) => v.id)).toContain(id);
    expect((await admin(`/api/accounts/${w.alice}/voicemails/${id}`)).status).toBe(200);
    expect((await admin(`/api/accounts/2/voicemails/${id}`)).status).toBe(404);
    expect((await admin('/api/accounts/999999/voicemails')).status).toBe(404);
    expect((await admin('/api/accounts/0/voicemails')).status).toBe(404);
    const own = await h2Request(session, 'GET', '/api/accounts/1/voicemails', { 'x-api-key': w.aliceKey });
    expect(own.status).toBe(200);
    const others = await h2Request(session, 'GET', '/api/accounts/2/voicemails', { 'x-api-key': w.aliceKey });
    expect(others.status).toBe(403);
    expect((await admin(`/api/accounts/1/voicemails/${id}`, 'DELETE')).status).toBe(200);
    expect((await admin(`/api/accounts/1/voicemails/${id}`)).status).toBe(404);
  });

  it('accepts a slot without sip_from, and answers name and size beside the documented fields', async () => {
    const slot = await admin('/api/accounts/1/voicemails', 'POST', { content_type: 'audio/wav' });
    expect(slot.status).toBe(201);
    const s = json(slot);
    expect(s).toMatchObject({
      sip_from: null,
      name: null,
      size: null,
      download_url: null,
      uploaded_at: null,
    });
    const before = await admin(`/api/accounts/1/voicemails/${s.id}`);
    expect(json(before)).toMatchObject({
      sip_from: null,
      name: null,
      size: null,
      file_size: null,
      get_url: null,
    });
    const defaults = async () =>
      (await messagesOf(w, w.aliceBox)).filter((m) => m.from === 'nouser@norealm').length;
    const before2 = await defaults();
    const form = flexisipForm('/tmp/no-caller.wav', wavFile(1));
    const up = await h2Request(
      session,
      'POST',
      new URL(s.upload_url).pathname,
      { 'x-api-key': w.adminKey, 'content-type': form.contentType },
      form.body,
    );
    expect(up.status).toBe(200);
    expect(json(up)).toMatchObject({ sip_from: null, name: 'no-caller.wav', size: wavFile(1).length + 2 });
    // without a caller's address the message has Kazoo's default `from`
    expect(await defaults()).toBe(before2 + 1);
  });

  it("serves the other faces and the framework's own errors over HTTP/2 too", async () => {
    // Kazoo, with its verb tunnelling (the gateway reads a small JSON POST before routing)
    const kazoo = { 'x-auth-token': w.t.token, 'content-type': 'application/json' };
    const created = await h2Request(
      session,
      'POST',
      `/v2/accounts/${w.t.accountId}/vmboxes`,
      kazoo,
      Buffer.from(JSON.stringify({ data: { name: 'h2 box', mailbox: '4242' }, verb: 'PUT' })),
    );
    expect(created.status).toBe(201);
    expect(json(created).data).toMatchObject({ name: 'h2 box', mailbox: '4242' });
    const listed = await h2Request(session, 'GET', `/v2/accounts/${w.t.accountId}/vmboxes`, kazoo);
    expect(listed.status).toBe(200);
    expect(json(listed).data.map((b: { name: string }) => b.name)).toContain('h2 box');
    // errors before any route, written on the raw response: in the face's shape
    const malformed = await h2Request(session, 'GET', '/api/accounts/%zz/voicemails', {});
    expect(malformed.status).toBe(400);
    expect(json(malformed)).toEqual({ message: expect.any(String) });
    const unknown = await h2Request(session, 'GET', '/api/nothing-here', {});
    expect(unknown.status).toBe(404);
    expect(json(unknown)).toEqual({ message: expect.any(String) });
  });

  it('serves HTTP/1.1 beside h2 on the TLS port (ALPN http/1.1)', async () => {
    const status = await new Promise<{ status: number; alpn: string | false | null }>((resolve, reject) => {
      const req = https.request(
        `${h2s.url}/api/accounts/alice@${w.realm}/search`,
        {
          ca: tls.cert,
          headers: { 'x-api-key': w.adminKey },
          agent: new https.Agent({ ALPNProtocols: ['http/1.1'] } as https.AgentOptions),
        },
        (res) => {
          const alpn = (res.socket as TLSSocket).alpnProtocol;
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, alpn }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toEqual({ status: 200, alpn: 'http/1.1' });
    expect(session.alpnProtocol).toBe('h2');
  });
});
