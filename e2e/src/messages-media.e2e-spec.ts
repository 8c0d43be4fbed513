// Message audio over HTTP: raw and multipart uploads, length from the audio, Range reads, transcoding,
// ZIP archives, refusals (spoofed type, oversize, too long, full box) that leave nothing behind.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as yauzl from 'yauzl';
// the gateway runs in this process: its store connection pool shows whether a response was left open
// eslint-disable-next-line @nx/enforce-module-boundaries
import { agents } from '../../apps/api-gateway/src/application/object-transfer';
import {
  createBox,
  executableFile,
  gsmFile,
  mp3File,
  multipartMixed,
  objectKeys,
  rawRequest,
  streamingRequest,
  Tenant,
  TEST_MAX_MESSAGE_BYTES,
  useMessagesStack,
  wavFile,
} from './messages.helpers';
import { useEvents, useTenant } from './fixture';

const events = useEvents();
const stack = useMessagesStack();
const a = useTenant(stack);

const messagesOf = (box: string, t: Tenant = a) => `/v2/accounts/${t.accountId}/vmboxes/${box}/messages`;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const json = (b: Buffer) => JSON.parse(b.toString('utf8'));

async function deposit(box: string, data: Record<string, unknown> = {}) {
  const r = await stack.request('PUT', messagesOf(box), { token: a.token, body: { data } });
  expect(r.status).toBe(201);
  return r.body.data as Record<string, any>;
}

/** A multipart create (metadata and audio parts) in the box, as tenant a. */
function putMultipart(box: string, mp: { contentType: string; body: Buffer }) {
  return rawRequest(
    stack.baseUrl,
    'PUT',
    messagesOf(box),
    { 'X-Auth-Token': a.token, 'Content-Type': mp.contentType },
    mp.body,
  );
}

function putRaw(box: string, id: string, body: Buffer, contentType = 'audio/wav') {
  return rawRequest(
    stack.baseUrl,
    'PUT',
    `${messagesOf(box)}/${id}/raw`,
    { 'X-Auth-Token': a.token, 'Content-Type': contentType },
    body,
  );
}

function getRaw(box: string, id: string, headers: Record<string, string> = {}, query = '') {
  return rawRequest(stack.baseUrl, 'GET', `${messagesOf(box)}/${id}/raw${query}`, {
    'X-Auth-Token': a.token,
    ...headers,
  });
}

/** Waits until the tenant's message objects in the bucket are exactly `n` (deletion runs through events). */
async function expectMessageObjects(n: number, t: Tenant = a): Promise<string[]> {
  const end = Date.now() + 10000;
  for (;;) {
    const keys = await objectKeys(stack, `${t.accountId}/message/`);
    if (keys.length === n || Date.now() > end) {
      expect(keys).toHaveLength(n);
      return keys;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function unzip(buf: Buffer): Promise<{ name: string; data: Buffer }[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out: { name: string; data: Buffer }[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, s) => {
          if (e || !s) return reject(e);
          const chunks: Buffer[] = [];
          s.on('data', (c: Buffer) => chunks.push(c));
          s.on('end', () => {
            out.push({ name: entry.fileName, data: Buffer.concat(chunks) });
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

describe('uploading a message’s audio with PUT .../raw', () => {
  it('stores a 30 s WAV, measures its length and serves it back byte for byte', async () => {
    const box = await createBox(stack, a);
    const m = await deposit(box, { caller_id_number: '6001' });
    const wav = wavFile(30);
    const up = await putRaw(box, m.media_id, wav);
    expect(up.status).toBe(200);
    const body = json(up.body);
    expect(body.data).toEqual({ ...m, length: 30000 });

    const got = await getRaw(box, m.media_id);
    expect(got.status).toBe(200);
    expect(got.headers['content-type']).toBe('audio/wav');
    expect(Number(got.headers['content-length'])).toBe(wav.length);
    expect(got.headers['accept-ranges']).toBe('bytes');
    expect(sha(got.body)).toBe(sha(wav));
    expect(
      (await stack.request('GET', `${messagesOf(box)}/${m.media_id}`, { token: a.token })).body.data.length,
    ).toBe(30000);

    const stored = await events.waitFor(
      (e) => e.type === 'media.stored' && (e.data as any).owner_id === m.media_id,
    );
    expect(stored.data).toMatchObject({
      kind: 'message',
      content_type: 'audio/wav',
      size: wav.length,
      sha256: sha(wav),
      duration_ms: 30000,
    });
    expect((stored.data as any).key).toBe(`${a.accountId}/message/${(stored.data as any).object_id}`);
    await events.waitFor((e) => e.type === 'message.media_stored' && e.aggregateId === m.media_id);
  });

  it('answers Range requests with 206 and the bytes asked for, and 416 outside the audio', async () => {
    const box = await createBox(stack, a);
    const m = await deposit(box);
    const wav = wavFile(2);
    expect((await putRaw(box, m.media_id, wav)).status).toBe(200);
    const part = await getRaw(box, m.media_id, { Range: 'bytes=100-1099' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-1099/${wav.length}`);
    expect(Number(part.headers['content-length'])).toBe(1000);
    expect(part.body.equals(wav.subarray(100, 1100))).toBe(true);
    const tail = await getRaw(box, m.media_id, { Range: 'bytes=-10' });
    expect(tail.status).toBe(206);
    expect(tail.body.equals(wav.subarray(wav.length - 10))).toBe(true);
    const open = await getRaw(box, m.media_id, { Range: `bytes=${wav.length - 4}-` });
    expect(open.status).toBe(206);
    expect(open.headers['content-range']).toBe(`bytes ${wav.length - 4}-${wav.length - 1}/${wav.length}`);
    const outside = await getRaw(box, m.media_id, { Range: `bytes=${wav.length + 10}-` });
    expect(outside.status).toBe(416);
    expect(outside.headers['content-range']).toBe(`bytes */${wav.length}`);
  });

  it('accepts the audio as the single part of a multipart/mixed body, as the document’s curl sends it', async () => {
    const box = await createBox(stack, a);
    const m = await deposit(box);
    const mp3 = mp3File(4);
    const mp = multipartMixed([{ contentType: 'audio/mp3', filename: 'voice.mp3', body: mp3 }]);
    const up = await rawRequest(
      stack.baseUrl,
      'PUT',
      `${messagesOf(box)}/${m.media_id}/raw`,
      { 'X-Auth-Token': a.token, 'Content-Type': mp.contentType },
      mp.body,
    );
    expect(up.status).toBe(200);
    expect(Math.abs(json(up.body).data.length - 4000)).toBeLessThan(60);
    const got = await getRaw(box, m.media_id);
    expect(got.headers['content-type']).toBe('audio/mpeg');
    expect(sha(got.body)).toBe(sha(mp3));
  });

  it('replaces earlier audio, and the earlier object is removed', async () => {
    const t = await stack.createTenant();
    const box = await createBox(stack, t);
    const m = (await stack.request('PUT', messagesOf(box, t), { token: t.token, body: { data: {} } })).body
      .data;
    const put = (b: Buffer) =>
      rawRequest(
        stack.baseUrl,
        'PUT',
        `${messagesOf(box, t)}/${m.media_id}/raw`,
        { 'X-Auth-Token': t.token, 'Content-Type': 'audio/wav' },
        b,
      );
    expect((await put(wavFile(1))).status).toBe(200);
    const gsm = gsmFile(3);
    const second = await put(gsm);
    expect(second.status).toBe(200);
    expect(json(second.body).data.length).toBe(3000);
    await expectMessageObjects(1, t);
    const got = await rawRequest(stack.baseUrl, 'GET', `${messagesOf(box, t)}/${m.media_id}/raw`, {
      'X-Auth-Token': t.token,
    });
    expect(got.headers['content-type']).toBe('audio/gsm');
    expect(sha(got.body)).toBe(sha(gsm));
  });

  it('answers 404 for the audio of a message that has none, or of an unknown message', async () => {
    const box = await createBox(stack, a);
    const m = await deposit(box);
    expect((await getRaw(box, m.media_id)).status).toBe(404);
    expect((await putRaw(box, '201605-0123456789abcdef0123456789abcdef', wavFile(1))).status).toBe(404);
  });
});

describe('creating a message with one multipart/mixed PUT', () => {
  it('takes the JSON part and the audio part together', async () => {
    const box = await createBox(stack, a);
    const wav = wavFile(3);
    const mp = multipartMixed([
      {
        contentType: 'application/json',
        filename: 'message.json',
        body: Buffer.from(
          JSON.stringify({
            data: {
              caller_id_name: 'someone',
              caller_id_number: '6001',
              folder: 'new',
              from: 'someone@farfaraway.com',
            },
          }),
        ),
      },
      { contentType: 'audio/wav', filename: 'voice.wav', body: wav },
    ]);
    const r = await putMultipart(box, mp);
    expect(r.status).toBe(201);
    const m = json(r.body).data;
    expect(m).toMatchObject({
      caller_id_name: 'someone',
      caller_id_number: '6001',
      folder: 'new',
      from: 'someone@farfaraway.com',
      length: 3000,
    });
    expect(m.media_id).toMatch(/^\d{6}-[0-9a-f]{32}$/);
    expect(sha((await getRaw(box, m.media_id)).body)).toBe(sha(wav));
    const list = await stack.request('GET', messagesOf(box), { token: a.token });
    expect(list.body.data).toEqual([m]);
  });

  it('refuses bad JSON metadata before taking any audio', async () => {
    const box = await createBox(stack, a);
    const mp = multipartMixed([
      {
        contentType: 'application/json',
        filename: 'message.json',
        body: Buffer.from(JSON.stringify({ data: { folder: 'trash' } })),
      },
      { contentType: 'audio/wav', filename: 'voice.wav', body: wavFile(1) },
    ]);
    const r = await putMultipart(box, mp);
    expect(r.status).toBe(400);
    expect(json(r.body).data.folder).toBeDefined();
    expect((await stack.request('GET', messagesOf(box), { token: a.token })).body.data).toEqual([]);
  });
});

describe('refusals that leave nothing behind', () => {
  let t: Tenant;
  beforeAll(async () => {
    t = await stack.createTenant();
  });

  const req = (method: string, path: string, contentType: string, body: Buffer) =>
    rawRequest(stack.baseUrl, method, path, { 'X-Auth-Token': t.token, 'Content-Type': contentType }, body);

  /** After a refused upload: the box holds the message created before it, still without audio, and no object. */
  const expectOnlyTheMessage = async (box: string, m: { media_id: string }) => {
    expect((await stack.request('GET', messagesOf(box, t), { token: t.token })).body.data).toHaveLength(1);
    expect(
      (await stack.request('GET', `${messagesOf(box, t)}/${m.media_id}`, { token: t.token })).body.data
        .length,
    ).toBe(0);
    await expectMessageObjects(0, t);
  };

  it('refuses an executable renamed voice.wav with 415, raw or multipart', async () => {
    const box = await createBox(stack, t);
    const m = (await stack.request('PUT', messagesOf(box, t), { token: t.token, body: { data: {} } })).body
      .data;
    const raw = await req('PUT', `${messagesOf(box, t)}/${m.media_id}/raw`, 'audio/wav', executableFile());
    expect(raw.status).toBe(415);
    expect(json(raw.body).message).toMatch(/unsupported audio/);
    expect(json(raw.body).status).toBe('error');

    const mp = multipartMixed([
      { contentType: 'application/json', filename: 'message.json', body: Buffer.from('{"data":{}}') },
      { contentType: 'audio/wav', filename: 'voice.wav', body: executableFile() },
    ]);
    const multi = await req('PUT', messagesOf(box, t), mp.contentType, mp.body);
    expect(multi.status).toBe(415);
    await expectOnlyTheMessage(box, m);
  });

  it('refuses an oversize upload with 413 as soon as the limit is passed, without reading the rest', async () => {
    const box = await createBox(stack, t);
    const m = (await stack.request('PUT', messagesOf(box, t), { token: t.token, body: { data: {} } })).body
      .data;
    const total = 64 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024);
    const chunks = function* () {
      yield wavFile(0.001).subarray(0, 44);
      for (let n = 44; n < total; n += chunk.length) yield chunk;
    };
    // no Content-Length: the gateway only learns the size by counting while it streams
    const r = await streamingRequest(
      stack.baseUrl,
      'PUT',
      `${messagesOf(box, t)}/${m.media_id}/raw`,
      { 'X-Auth-Token': t.token, 'Content-Type': 'audio/wav' },
      chunks(),
    );
    expect(r.status).toBe(413);
    expect(json(r.body).error).toBe('413');
    expect(r.sent).toBeLessThan(total / 2);
    // with a Content-Length over the limit the answer comes before the body is read
    const early = await streamingRequest(
      stack.baseUrl,
      'PUT',
      `${messagesOf(box, t)}/${m.media_id}/raw`,
      { 'X-Auth-Token': t.token, 'Content-Type': 'audio/wav', 'Content-Length': String(total) },
      chunks(),
    );
    expect(early.status).toBe(413);
    expect(early.sent).toBeLessThan(total / 2);
    expect(TEST_MAX_MESSAGE_BYTES).toBeLessThan(total);
    // and as the audio part of a multipart create
    const boundary = 'oversize-boundary-0123456789';
    const multipart = function* () {
      yield Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="message.json"\r\nContent-Type: application/json\r\n\r\n{"data":{}}\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="voice.wav"\r\nContent-Type: audio/wav\r\n\r\n`,
      );
      yield* chunks();
      yield Buffer.from(`\r\n--${boundary}--\r\n`);
    };
    const multi = await streamingRequest(
      stack.baseUrl,
      'PUT',
      messagesOf(box, t),
      { 'X-Auth-Token': t.token, 'Content-Type': `multipart/mixed; boundary=${boundary}` },
      multipart(),
    );
    expect(multi.status).toBe(413);
    expect(multi.sent).toBeLessThan(total / 2);
    await expectOnlyTheMessage(box, m);
  });

  it('refuses audio longer than the box’s max_message_length', async () => {
    const box = await createBox(stack, t, { max_message_length: 5 });
    const m = (await stack.request('PUT', messagesOf(box, t), { token: t.token, body: { data: {} } })).body
      .data;
    const r = await req('PUT', `${messagesOf(box, t)}/${m.media_id}/raw`, 'audio/wav', wavFile(30));
    expect(r.status).toBe(400);
    expect(json(r.body).data.length.maximum.message).toMatch(/max_message_length/);
    expect(
      (await req('PUT', `${messagesOf(box, t)}/${m.media_id}/raw`, 'audio/wav', wavFile(4))).status,
    ).toBe(200);
    await expectMessageObjects(1, t);
  });

  it('refuses a message in a full box (max_message_count), JSON or multipart', async () => {
    const box = await createBox(stack, t, { max_message_count: 2 });
    for (let i = 0; i < 2; i++)
      expect(
        (await stack.request('PUT', messagesOf(box, t), { token: t.token, body: { data: {} } })).status,
      ).toBe(201);
    const full = await stack.request('PUT', messagesOf(box, t), { token: t.token, body: { data: {} } });
    expect(full.status).toBe(409);
    expect(full.body.message).toMatch(/full/);
    expect(full.body.data.max_message_count).toBeDefined();
    const mp = multipartMixed([
      { contentType: 'application/json', filename: 'message.json', body: Buffer.from('{"data":{}}') },
      { contentType: 'audio/wav', filename: 'voice.wav', body: wavFile(1) },
    ]);
    expect((await req('PUT', messagesOf(box, t), mp.contentType, mp.body)).status).toBe(409);
    expect((await stack.request('GET', messagesOf(box, t), { token: t.token })).body.data).toHaveLength(2);
  });
});

/** Transcoding needs ffmpeg from Debian (the test command installs it when it runs as root). */
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;

describe('transcoding on download', () => {
  (hasFfmpeg ? it : it.skip)(
    'serves a WAV as MP3 with ?format=mp3 and an MP3 as WAV with Accept: audio/wav',
    async () => {
      const box = await createBox(stack, a);
      const m = await deposit(box);
      expect((await putRaw(box, m.media_id, wavFile(2))).status).toBe(200);
      const mp3 = await getRaw(box, m.media_id, {}, '?format=mp3');
      expect(mp3.status).toBe(200);
      expect(mp3.headers['content-type']).toBe('audio/mpeg');
      expect(
        mp3.body.subarray(0, 3).toString('latin1') === 'ID3' ||
          (mp3.body[0] === 0xff && (mp3.body[1] & 0xe0) === 0xe0),
      ).toBe(true);
      expect(Number(mp3.headers['content-length'])).toBe(mp3.body.length);

      const m2 = await deposit(box);
      expect((await putRaw(box, m2.media_id, mp3File(2), 'audio/mpeg')).status).toBe(200);
      const wav = await getRaw(box, m2.media_id, { Accept: 'audio/wav' });
      expect(wav.headers['content-type']).toBe('audio/wav');
      expect(wav.body.subarray(0, 4).toString('latin1')).toBe('RIFF');
      const same = await getRaw(box, m2.media_id, { Accept: 'audio/mpeg' });
      expect(same.headers['content-type']).toBe('audio/mpeg');
      expect(sha(same.body)).toBe(sha(mp3File(2)));
    },
  );
});

describe('POST .../messages/raw: a ZIP of several messages', () => {
  it('streams one readable entry per message with its exact audio; unknown ids are left out', async () => {
    const box = await createBox(stack, a);
    const audio = [wavFile(1), mp3File(1), gsmFile(1)];
    const ids: string[] = [];
    for (const [i, b] of audio.entries()) {
      const m = await deposit(box, { caller_id_number: `700${i}`, timestamp: 63630058722 + i });
      expect((await putRaw(box, m.media_id, b, 'application/octet-stream')).status).toBe(200);
      ids.push(m.media_id);
    }
    const r = await rawRequest(
      stack.baseUrl,
      'POST',
      `${messagesOf(box)}/raw`,
      { 'X-Auth-Token': a.token, 'Content-Type': 'application/json', Accept: 'application/zip' },
      Buffer.from(
        JSON.stringify({ data: { messages: [...ids, '201605-0123456789abcdef0123456789abcdef'] } }),
      ),
    );
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/zip');
    expect(r.headers['content-length']).toBeUndefined(); // streamed while it is built
    const entries = await unzip(r.body);
    expect(entries).toHaveLength(3);
    const exts = ['wav', 'mp3', 'gsm'];
    entries.forEach((e, i) => {
      expect(e.name).toBe(
        `2016-05-10_00-18-${String(42 + i).padStart(2, '0')}_700${i}_${ids[i].slice(-8)}.${exts[i]}`,
      );
      expect(sha(e.data)).toBe(sha(audio[i]));
    });
  });

  it('a client that hangs up mid-ZIP leaves no object-store response open in the gateway', async () => {
    const box = await createBox(stack, a);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const m = await deposit(box);
      expect((await putRaw(box, m.media_id, wavFile(60))).status).toBe(200);
      ids.push(m.media_id);
    }
    const body = JSON.stringify({ data: { messages: ids } });
    await new Promise<void>((resolve, reject) => {
      const req = http.request(
        `${stack.baseUrl}${messagesOf(box)}/raw`,
        {
          method: 'POST',
          headers: { 'X-Auth-Token': a.token, 'Content-Type': 'application/json' },
        },
        (res) => {
          expect(res.statusCode).toBe(200);
          res.once('data', () => {
            req.destroy(); // the client hangs up after the first bytes
            resolve();
          });
        },
      );
      req.on('error', () => undefined);
      req.end(body);
      setTimeout(() => reject(new Error('no ZIP bytes')), 10000).unref();
    });
    const open = () =>
      Object.values(agents['http:'].sockets)
        .flat()
        .filter((s) => s && !s.destroyed).length;
    const end = Date.now() + 5000;
    while (open() > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(open()).toBe(0);
  });

  it('answers 404 when none of the messages has audio', async () => {
    const box = await createBox(stack, a);
    const m = await deposit(box);
    const r = await stack.request('POST', `${messagesOf(box)}/raw`, {
      token: a.token,
      body: { data: { messages: [m.media_id] } },
    });
    expect(r.status).toBe(404);
  });
});
