// The Yeastar P-Series OpenAPI face against the whole stack (real PostgreSQL, NATS, S3): the two documents'
// request examples replayed byte for byte, then ask/force, every refusal, play links, tenancy and events.
import {
  createBox,
  executableFile,
  gsmFile,
  mp3File,
  objectKeys,
  rawRequest,
  RawResponse,
  streamingRequest,
  Tenant,
  useMessagesStack,
  wavFile,
} from './messages.helpers';
import { useEvents, useLogLines } from './fixture';

jest.setTimeout(90000);

const PLAY_TTL_S = 3;

const logLines = useLogLines();
const stack = useMessagesStack({ env: { LOG_LEVEL: 'info', YEASTAR_PLAY_LINK_TTL_S: String(PLAY_TTL_S) } });
const events = useEvents();

const BOUNDARY = '----WebKitFormBoundary7MA4YWxkTrZu0gW';
const FORM_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

/** The document's body, line for line: `file` first (its Windows path as the name), then the fields. */
function documentBody(
  file: Buffer,
  fields: [string, string][],
  filename = '/D:/greeting/group_vm_welome2.wav',
  fileType = 'audio/wav',
): Buffer {
  const parts: Buffer[] = [
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${fileType}\r\n\r\n`,
      'latin1',
    ),
    file,
  ];
  for (const [name, value] of fields)
    parts.push(
      Buffer.from(`\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}`),
    );
  parts.push(Buffer.from(`\r\n--${BOUNDARY}--\r\n`));
  return Buffer.concat(parts);
}

interface World {
  t: Tenant;
  clientId: string;
  secret: string;
  token: string;
  groupBox: string;
  userBox: string;
}

const json = (r: RawResponse) => JSON.parse(r.body.toString('utf8'));

/** Yeastar P-Series' published errmsg of each code ("Error Code and Error Message"). */
const PUBLISHED: Record<number, string> = {
  40001: 'PARAMETER SYNTAX ERROR',
  40002: 'PARAMETER ERROR',
  40003: 'DUPLICATE KEY VALUE',
  40004: 'FILE SIZE EXCEEDED',
  60001: 'DATA NOT FOUND',
};

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const r = await rawRequest(
    stack.baseUrl,
    method,
    path,
    body === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
    body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
  );
  return { status: r.status, body: json(r), headers: r.headers };
}

async function apiClient(t: Tenant): Promise<{ id: string; secret: string }> {
  const r = await stack.request('PUT', `/v2/accounts/${t.accountId}/api_clients`, {
    token: t.token,
    body: { data: { name: 'yeastar', priv_level: 'admin' } },
  });
  expect(r.status).toBe(201);
  return { id: r.body.data.id, secret: r.body.data.client_secret };
}

async function getToken(clientId: string, secret: string): Promise<any> {
  const r = await call(
    'POST',
    '/openapi/v1.0/get_token',
    { username: clientId, password: secret },
    {
      'User-Agent': 'OpenAPI',
    },
  );
  expect(r.status).toBe(200);
  return r.body;
}

async function world(group = '6300', ext = '3200'): Promise<World> {
  const t = await stack.createTenant();
  const u = await stack.request('PUT', `/v2/accounts/${t.accountId}/users`, {
    token: t.token,
    body: { data: { first_name: 'Ext', last_name: ext } },
  });
  const groupBox = await createBox(stack, t, { mailbox: group, type: 'group' });
  const userBox = await createBox(stack, t, { mailbox: ext, owner_id: u.body.data.id });
  const c = await apiClient(t);
  const tok = await getToken(c.id, c.secret);
  return { t, clientId: c.id, secret: c.secret, token: tok.access_token, groupBox, userBox };
}

/** Extension 3200's greeting set to `audio` as `filename` (is_check=force). */
const forceExtensionGreeting = (w: World, audio: Buffer, filename: string) =>
  upload(
    w,
    'extension_vm_greeting',
    documentBody(
      audio,
      [
        ['extension', '3200'],
        ['is_check', 'force'],
      ],
      filename,
    ),
  );

function upload(
  w: World,
  kind: 'vm_greeting' | 'extension_vm_greeting',
  body: Buffer,
  token = w.token,
): Promise<RawResponse> {
  return rawRequest(
    stack.baseUrl,
    'POST',
    `/openapi/v1.0/${kind}/upload?access_token=${token}`,
    { Host: '192.168.5.150:8088', 'Content-Type': FORM_TYPE },
    body,
  );
}

async function list(w: World, kind: 'vm_greeting' | 'extension_vm_greeting', q: string) {
  const r = await call('GET', `/openapi/v1.0/${kind}/list?access_token=${w.token}&${q}`);
  expect(r.status).toBe(200);
  return r.body;
}

/** Every log line the apps of this suite write, at info level (request logs included). */
describe('Yeastar tokens', () => {
  it('get_token answers the documented fields for an API client of the account', async () => {
    const t = await stack.createTenant();
    const c = await apiClient(t);
    const tok = await getToken(c.id, c.secret);
    expect(tok).toEqual({
      errcode: 0,
      errmsg: 'SUCCESS',
      access_token: expect.any(String),
      access_token_expire_time: 1800,
      refresh_token: expect.any(String),
      refresh_token_expire_time: expect.any(Number),
    });
    expect(tok.refresh_token).not.toBe(tok.access_token);
  });

  it('refuses wrong credentials (-1 with invalid_param_list) and missing ones (40001), never 5xx', async () => {
    const t = await stack.createTenant();
    const c = await apiClient(t);
    const wrong = await call('POST', '/openapi/v1.0/get_token', { username: c.id, password: 'nope' });
    // as the published "Response Result" page shows a wrong username or password
    expect(wrong).toEqual(
      expect.objectContaining({
        status: 200,
        body: {
          errcode: -1,
          errmsg: 'FAILURE',
          invalid_param_list: [{ field: 'username or password', value: 'error' }],
        },
      }),
    );
    const missing = await call('POST', '/openapi/v1.0/get_token', { username: c.id });
    expect(missing.body).toEqual({ errcode: 40001, errmsg: 'PARAMETER SYNTAX ERROR' });
    const notJson = await rawRequest(
      stack.baseUrl,
      'POST',
      '/openapi/v1.0/get_token',
      { 'Content-Type': 'application/json' },
      Buffer.from('{'),
    );
    expect(json(notJson)).toEqual({ errcode: 40001, errmsg: 'PARAMETER SYNTAX ERROR' });
    expect(notJson.status).toBeLessThan(500);
  });

  it('refresh_token renews; an access token is no refresh token and a refresh token no access token', async () => {
    const w = await world();
    const first = await getToken(w.clientId, w.secret);
    const renewed = await call('POST', '/openapi/v1.0/refresh_token', { refresh_token: first.refresh_token });
    expect(renewed.body).toMatchObject({ errcode: 0, errmsg: 'SUCCESS', access_token: expect.any(String) });
    expect(
      (await list({ ...w, token: renewed.body.access_token }, 'vm_greeting', 'owner=6300')).errcode,
    ).toBe(0);
    const asRefresh = await call('POST', '/openapi/v1.0/refresh_token', {
      refresh_token: first.access_token,
    });
    expect(asRefresh.body).toEqual({ errcode: 10004, errmsg: 'TOKEN EXPIRED' });
    const asAccess = await list({ ...w, token: first.refresh_token }, 'vm_greeting', 'owner=6300');
    expect(asAccess).toEqual({ errcode: 10004, errmsg: 'TOKEN EXPIRED' });
  });

  it('del_token revokes at once: the token is refused on the next call', async () => {
    const w = await world();
    expect((await list(w, 'vm_greeting', 'owner=6300')).errcode).toBe(0);
    const del = await call('GET', `/openapi/v1.0/del_token?access_token=${w.token}`, undefined, {
      'User-Agent': 'OpenAPI',
    });
    expect(del.body).toEqual({ errcode: 0, errmsg: 'SUCCESS' });
    expect(await list(w, 'vm_greeting', 'owner=6300')).toEqual({ errcode: 10004, errmsg: 'TOKEN EXPIRED' });
    // the client may log in again
    const again = await getToken(w.clientId, w.secret);
    expect((await list({ ...w, token: again.access_token }, 'vm_greeting', 'owner=6300')).errcode).toBe(0);
  });

  it('refuses a missing or forged access_token with 10004; User-Agent is not required', async () => {
    const w = await world();
    expect(await list({ ...w, token: '' }, 'vm_greeting', 'owner=6300')).toEqual({
      errcode: 10004,
      errmsg: 'TOKEN EXPIRED',
    });
    expect(
      await list({ ...w, token: 'L3LDr0HRuT190YmccVIaXj6OxkLzUHfo' }, 'vm_greeting', 'owner=6300'),
    ).toEqual({
      errcode: 10004,
      errmsg: 'TOKEN EXPIRED',
    });
    const unknown = await call('GET', `/openapi/v1.0/no_such_call?access_token=${w.token}`);
    expect(unknown.body).toMatchObject({ errcode: 10001, errmsg: 'INTERFACE NOT EXISTED' });
  });
});

describe('group voicemail greeting upload (document 000)', () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
  });

  it('replays request example 1 (ask): SUCCESS with the owner, nothing stored', async () => {
    const r = await upload(
      w,
      'vm_greeting',
      documentBody(wavFile(1), [
        ['owner', '6300'],
        ['is_check', 'ask'],
      ]),
    );
    expect(r.status).toBe(200);
    expect(json(r)).toEqual({ errcode: 0, errmsg: 'SUCCESS', owner: '6300' });
    expect((await list(w, 'vm_greeting', 'owner=6300')).data).toEqual([]);
    expect(await objectKeys(stack, `${w.t.accountId}/greeting/`)).toEqual([]);
  });

  it('replays request example 2 (force): the greeting is stored under its base name, greeting.uploaded', async () => {
    const audio = wavFile(1);
    const r = await upload(
      w,
      'vm_greeting',
      documentBody(audio, [
        ['owner', '6300'],
        ['is_check', 'force'],
      ]),
    );
    expect(r.status).toBe(200);
    expect(json(r)).toEqual({ errcode: 0, errmsg: 'SUCCESS', owner: '6300' });
    const l = await list(w, 'vm_greeting', 'owner=6300');
    expect(l).toMatchObject({ errcode: 0, errmsg: 'SUCCESS', total_number: 1 });
    expect(l.data).toEqual([
      {
        file: 'group_vm_welome2.wav',
        format: 'wav',
        size: audio.length,
        duration: 1,
        upload_time: expect.any(String),
      },
    ]);
    const e = await events.waitFor((x) => x.type === 'greeting.uploaded' && x.tenantId === w.t.accountId);
    expect(e.data).toMatchObject({ name: 'group_vm_welome2.wav', vmbox_id: w.groupBox, size: audio.length });
    // the storage key is ids only: nothing of the client's path or name
    const keys = await objectKeys(stack, `${w.t.accountId}/`);
    expect(keys.length).toBe(1);
    expect(keys[0]).toMatch(new RegExp(`^${w.t.accountId}/greeting/[0-9a-f]{32}$`));
  });

  it('ask on an existing file name is DUPLICATE KEY VALUE (40003); force overwrites keeping one greeting', async () => {
    const ask = await upload(
      w,
      'vm_greeting',
      documentBody(wavFile(1), [
        ['owner', '6300'],
        ['is_check', 'ask'],
      ]),
    );
    expect(json(ask)).toEqual({ errcode: 40003, errmsg: 'DUPLICATE KEY VALUE' });
    const bigger = wavFile(2);
    const force = await upload(
      w,
      'vm_greeting',
      documentBody(bigger, [
        ['owner', '6300'],
        ['is_check', 'force'],
      ]),
    );
    expect(json(force)).toEqual({ errcode: 0, errmsg: 'SUCCESS', owner: '6300' });
    const l = await list(w, 'vm_greeting', 'owner=6300');
    expect(l.total_number).toBe(1);
    expect(l.data[0]).toMatchObject({ file: 'group_vm_welome2.wav', size: bigger.length, duration: 2 });
    await events.waitFor(
      (x) =>
        x.type === 'greeting.uploaded' && x.tenantId === w.t.accountId && (x.data as any).replaced === true,
    );
    await events.waitFor(
      (x) =>
        x.type === 'media.deleted' && x.tenantId === w.t.accountId && (x.data as any).reason === 'replaced',
    );
    expect((await objectKeys(stack, `${w.t.accountId}/`)).length).toBe(1);
  });

  it('takes .mp3 and .gsm, each checked from its bytes', async () => {
    for (const [name, file] of [
      ['intro.mp3', mp3File(1)],
      ['intro.gsm', gsmFile(1)],
    ] as const) {
      const r = await upload(
        w,
        'vm_greeting',
        documentBody(
          file,
          [
            ['owner', '6300'],
            ['is_check', 'force'],
          ],
          name,
          'audio/mpeg',
        ),
      );
      expect(json(r)).toEqual({ errcode: 0, errmsg: 'SUCCESS', owner: '6300' });
    }
    const names = (await list(w, 'vm_greeting', 'owner=6300')).data.map((d: any) => d.file).sort();
    expect(names).toEqual(['group_vm_welome2.wav', 'intro.gsm', 'intro.mp3']);
  });

  it('refuses each bad upload with its own code and stores nothing', async () => {
    const before = (await objectKeys(stack, `${w.t.accountId}/`)).length;
    const cases: [string, Buffer, number][] = [
      [
        'unsupported extension',
        documentBody(
          wavFile(1),
          [
            ['owner', '6300'],
            ['is_check', 'force'],
          ],
          'a.ogg',
        ),
        40002,
      ],
      [
        'no extension',
        documentBody(
          wavFile(1),
          [
            ['owner', '6300'],
            ['is_check', 'force'],
          ],
          'greeting',
        ),
        40002,
      ],
      [
        'bytes not audio',
        documentBody(
          executableFile(),
          [
            ['owner', '6300'],
            ['is_check', 'force'],
          ],
          'x.wav',
        ),
        40002,
      ],
      [
        'mp3 bytes named .wav',
        documentBody(
          mp3File(1),
          [
            ['owner', '6300'],
            ['is_check', 'force'],
          ],
          'x.wav',
        ),
        40002,
      ],
      [
        'unknown owner',
        documentBody(wavFile(1), [
          ['owner', '6399'],
          ['is_check', 'force'],
        ]),
        60001,
      ],
      [
        'a user box as owner',
        documentBody(wavFile(1), [
          ['owner', '3200'],
          ['is_check', 'force'],
        ]),
        60001,
      ],
      ['no owner', documentBody(wavFile(1), [['is_check', 'force']]), 40001],
      ['no is_check', documentBody(wavFile(1), [['owner', '6300']]), 40001],
      [
        'bad is_check',
        documentBody(wavFile(1), [
          ['owner', '6300'],
          ['is_check', 'maybe'],
        ]),
        40001,
      ],
      [
        'dot-dot name',
        documentBody(
          wavFile(1),
          [
            ['owner', '6300'],
            ['is_check', 'force'],
          ],
          '..',
        ),
        40001,
      ],
      [
        'control character',
        documentBody(
          wavFile(1),
          [
            ['owner', '6300'],
            ['is_check', 'force'],
          ],
          'a\x01b.wav',
        ),
        40001,
      ],
      [
        'over-long name',
        documentBody(
          wavFile(1),
          [
            ['owner', '6300'],
            ['is_check', 'force'],
          ],
          `${'a'.repeat(200)}.wav`,
        ),
        40001,
      ],
    ];
    for (const [what, body, code] of cases) {
      const r = await upload(w, 'vm_greeting', body);
      expect([what, r.status, json(r)]).toEqual([what, 200, { errcode: code, errmsg: PUBLISHED[code] }]);
    }
    const none = await rawRequest(
      stack.baseUrl,
      'POST',
      `/openapi/v1.0/vm_greeting/upload?access_token=${w.token}`,
      {
        'Content-Type': 'application/json',
      },
      Buffer.from('{}'),
    );
    expect(json(none)).toEqual({ errcode: 40001, errmsg: 'PARAMETER SYNTAX ERROR' });
    expect((await objectKeys(stack, `${w.t.accountId}/`)).length).toBe(before);
  });

  it('cuts a file over 8 MB as soon as the limit passes (40004)', async () => {
    const head = documentBody(Buffer.alloc(0), [], 'big.wav').subarray(0, -`\r\n--${BOUNDARY}--\r\n`.length);
    const wav = wavFile(1).subarray(0, 44);
    const chunk = Buffer.alloc(256 * 1024, 1);
    function* chunks() {
      yield head;
      yield wav;
      for (let i = 0; i < 128; i++) yield chunk; // 32 MB offered
    }
    const r = await streamingRequest(
      stack.baseUrl,
      'POST',
      `/openapi/v1.0/vm_greeting/upload?access_token=${w.token}`,
      { 'Content-Type': FORM_TYPE },
      chunks(),
    );
    expect(json(r)).toEqual({ errcode: 40004, errmsg: 'FILE SIZE EXCEEDED' });
    // cut at 8 MB: what was sent beyond is what the sockets' buffers took meanwhile
    expect(r.sent).toBeLessThan(16 * 1024 * 1024);
    expect((await list(w, 'vm_greeting', 'owner=6300')).data.map((d: any) => d.file)).not.toContain(
      'big.wav',
    );
  });

  it('deletes a greeting: greeting.deleted, gone from the list and the store', async () => {
    const del = await call(
      'GET',
      `/openapi/v1.0/vm_greeting/delete?access_token=${w.token}&owner=6300&file=intro.gsm`,
    );
    expect(del.body).toEqual({ errcode: 0, errmsg: 'SUCCESS' });
    await events.waitFor(
      (x) =>
        x.type === 'greeting.deleted' && x.tenantId === w.t.accountId && (x.data as any).name === 'intro.gsm',
    );
    expect((await list(w, 'vm_greeting', 'owner=6300')).data.map((d: any) => d.file)).not.toContain(
      'intro.gsm',
    );
    const again = await call(
      'GET',
      `/openapi/v1.0/vm_greeting/delete?access_token=${w.token}&owner=6300&file=intro.gsm`,
    );
    expect(again.body).toEqual({ errcode: 60001, errmsg: 'DATA NOT FOUND' });
    const missing = await call('GET', `/openapi/v1.0/vm_greeting/list?access_token=${w.token}`);
    expect(missing.body).toEqual({ errcode: 40001, errmsg: 'PARAMETER SYNTAX ERROR' });
  });
});

describe('extension voicemail greeting play (document 001)', () => {
  let w: World;
  let audio: Buffer;
  beforeAll(async () => {
    w = await world();
    audio = wavFile(2);
    const r = await forceExtensionGreeting(w, audio, 'vm_welcome.wav');
    expect(json(r)).toEqual({ errcode: 0, errmsg: 'SUCCESS', extension: '3200' });
  });

  async function play(token = w.token, q = 'extension=3200&file=vm_welcome.wav') {
    // the document's request line: access_token first, then extension and file; User-Agent: OpenAPI
    return call('GET', `/openapi/v1.0/extension_vm_greeting/play?access_token=${token}&${q}`, undefined, {
      Host: '192.168.5.150:8088',
      'User-Agent': 'OpenAPI',
    });
  }

  it('replays the request example: file and a relative play_resource_url', async () => {
    const r = await play();
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      errcode: 0,
      errmsg: 'SUCCESS',
      file: 'vm_welcome.wav',
      play_resource_url: expect.stringMatching(/^\/api\/download\/[A-Za-z0-9_-]+\.wav$/),
    });
    expect((await list(w, 'extension_vm_greeting', 'extension=3200')).data).toEqual([
      expect.objectContaining({ file: 'vm_welcome.wav', size: audio.length }),
    ]);
  });

  it('downloads {base_url}{play_resource_url} without any token, with Range', async () => {
    const url = (await play()).body.play_resource_url;
    const whole = await rawRequest(stack.baseUrl, 'GET', url, {});
    expect(whole.status).toBe(200);
    expect(whole.headers['content-type']).toBe('audio/wav');
    expect(whole.body.equals(audio)).toBe(true);
    const part = await rawRequest(stack.baseUrl, 'GET', url, { Range: 'bytes=0-99' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 0-99/${audio.length}`);
    expect(part.body.equals(audio.subarray(0, 100))).toBe(true);
    const outside = await rawRequest(stack.baseUrl, 'GET', url, { Range: `bytes=${audio.length + 10}-` });
    expect(outside.status).toBe(416);
  });

  it("never writes a play link's signature to the log, though the request is logged", async () => {
    const url: string = (await play()).body.play_resource_url;
    const hmac = /-([A-Za-z0-9_-]{43})\.wav$/.exec(url)![1];
    expect((await rawRequest(stack.baseUrl, 'GET', url, {})).status).toBe(200);
    const fileName = url.slice('/api/download/'.length, url.length - hmac.length - '.wav'.length);
    const logged = () => logLines.join('');
    for (let i = 0; i < 50 && !logged().includes(fileName); i++) await new Promise((r) => setTimeout(r, 100));
    expect(logged()).toContain(fileName);
    expect(logged()).not.toContain(hmac);
  });

  it('refuses a tampered link (403) and an expired one', async () => {
    const url: string = (await play()).body.play_resource_url;
    const flip = url.replace(
      /-([A-Za-z0-9_-])([A-Za-z0-9_-]*)\.wav$/,
      (_m, c: string, rest: string) => `-${c === 'A' ? 'B' : 'A'}${rest}.wav`,
    );
    expect(flip).not.toBe(url);
    const tampered = await rawRequest(stack.baseUrl, 'GET', flip, {});
    expect(tampered.status).toBe(403);
    expect(json(tampered)).toEqual({ errcode: 10005, errmsg: 'ACCESS DENIED' });
    const otherExt = await rawRequest(stack.baseUrl, 'GET', url.replace(/\.wav$/, '.mp3'), {});
    expect(otherExt.status).toBe(403);
    // the link names its expiry: PLAY_TTL_S in this run (30 minutes by default)
    const expires = Number(/-(\d+)-[A-Za-z0-9_-]+\.wav$/.exec(url)![1]);
    expect(Math.abs(expires - (Date.now() / 1000 + PLAY_TTL_S))).toBeLessThan(3);
    await new Promise((r) => setTimeout(r, (PLAY_TTL_S + 1) * 1000));
    const expired = await rawRequest(stack.baseUrl, 'GET', url, {});
    expect(expired.status).toBe(403);
  });

  it('an unknown extension or file is DATA NOT FOUND; a missing parameter 40001', async () => {
    expect((await play(w.token, 'extension=3299&file=vm_welcome.wav')).body).toEqual({
      errcode: 60001,
      errmsg: 'DATA NOT FOUND',
    });
    expect((await play(w.token, 'extension=3200&file=nope.wav')).body).toEqual({
      errcode: 60001,
      errmsg: 'DATA NOT FOUND',
    });
    expect((await play(w.token, 'extension=3200')).body).toEqual({
      errcode: 40001,
      errmsg: 'PARAMETER SYNTAX ERROR',
    });
    // a group box is no extension
    expect((await play(w.token, 'extension=6300&file=vm_welcome.wav')).body).toEqual({
      errcode: 60001,
      errmsg: 'DATA NOT FOUND',
    });
  });

  it('another tenant sees nothing of it, even with the same numbers', async () => {
    const other = await world();
    expect((await play(other.token)).body).toEqual({ errcode: 60001, errmsg: 'DATA NOT FOUND' });
    expect((await list(other, 'extension_vm_greeting', 'extension=3200')).data).toEqual([]);
    const del = await call(
      'GET',
      `/openapi/v1.0/extension_vm_greeting/delete?access_token=${other.token}&extension=3200&file=vm_welcome.wav`,
    );
    expect(del.body).toEqual({ errcode: 60001, errmsg: 'DATA NOT FOUND' });
    expect((await play()).body.errcode).toBe(0);
  });
});

describe('Yeastar clients act on errmsg', () => {
  it('a client that logs in again only on errmsg "TOKEN EXPIRED" recovers from an ended token', async () => {
    const w = await world();
    let token = w.token;
    let logins = 0;
    // as Yeastar's clients do: call, and on errmsg TOKEN EXPIRED (nothing else) get a token and call again
    const client = async (path: string) => {
      for (;;) {
        const r = await call('GET', `${path}&access_token=${token}`, undefined, { 'User-Agent': 'OpenAPI' });
        if (r.body.errmsg !== 'TOKEN EXPIRED' || logins > 3) return r.body;
        token = (await getToken(w.clientId, w.secret)).access_token;
        logins++;
      }
    };
    expect(await client('/openapi/v1.0/vm_greeting/list?owner=6300')).toMatchObject({ errcode: 0 });
    expect(logins).toBe(0);
    // the token ends (another session of the same client revokes them all)
    await call('GET', `/openapi/v1.0/del_token?access_token=${token}`);
    expect(await client('/openapi/v1.0/vm_greeting/list?owner=6300')).toMatchObject({
      errcode: 0,
      errmsg: 'SUCCESS',
    });
    expect(logins).toBe(1);
    // another failure is not a token expiry: no new login
    expect(await client('/openapi/v1.0/vm_greeting/list?owner=6399')).toEqual({
      errcode: 60001,
      errmsg: 'DATA NOT FOUND',
    });
    expect(logins).toBe(1);
  });
});

describe('one platform: a greeting set through one face shows through the others', () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
  });

  const kazoo = (path: string) => `/v2/accounts/${w.t.accountId}${path}`;

  it('a Kazoo box greeting (PUT .../greetings/unavailable) is listed and playable through Yeastar under its media name', async () => {
    const audio = wavFile(1);
    const put = await rawRequest(
      stack.baseUrl,
      'PUT',
      kazoo(`/vmboxes/${w.userBox}/greetings/unavailable`),
      { 'X-Auth-Token': w.t.token, 'Content-Type': 'audio/wav' },
      audio,
    );
    expect(put.status).toBe(201);
    const name: string = json(put).data.file;
    expect((await list(w, 'extension_vm_greeting', 'extension=3200')).data).toEqual([
      expect.objectContaining({ file: name, format: 'wav', size: audio.length }),
    ]);
    const played = await call(
      'GET',
      `/openapi/v1.0/extension_vm_greeting/play?access_token=${w.token}&extension=3200&file=${encodeURIComponent(name)}`,
    );
    expect(played.body).toEqual({
      errcode: 0,
      errmsg: 'SUCCESS',
      file: name,
      play_resource_url: expect.stringMatching(/^\/api\/download\/[A-Za-z0-9_-]+\.wav$/),
    });
    const got = await rawRequest(stack.baseUrl, 'GET', played.body.play_resource_url, {});
    expect(got.status).toBe(200);
    expect(got.body.equals(audio)).toBe(true);
    // Yeastar deletes its own greeting files only: the box's media greeting is changed through Kazoo
    const del = await call(
      'GET',
      `/openapi/v1.0/extension_vm_greeting/delete?access_token=${w.token}&extension=3200&file=${encodeURIComponent(name)}`,
    );
    expect(del.body).toEqual({ errcode: 60001, errmsg: 'DATA NOT FOUND' });
  });

  it("a media document named by a group box's media.unavailable is listed and playable through Yeastar", async () => {
    const audio = wavFile(2);
    const media = await stack.request('PUT', kazoo('/media'), {
      token: w.t.token,
      body: { data: { name: 'Sales welcome', kind: 'greeting' } },
    });
    expect(media.status).toBe(201);
    const raw = await rawRequest(
      stack.baseUrl,
      'PUT',
      kazoo(`/media/${media.body.data.id}/raw`),
      { 'X-Auth-Token': w.t.token, 'Content-Type': 'audio/wav' },
      audio,
    );
    expect(raw.status).toBeLessThan(300);
    const patched = await stack.request('PATCH', kazoo(`/vmboxes/${w.groupBox}`), {
      token: w.t.token,
      body: { data: { media: { unavailable: media.body.data.id } } },
    });
    expect(patched.status).toBe(200);
    expect((await list(w, 'vm_greeting', 'owner=6300')).data).toEqual([
      expect.objectContaining({ file: 'Sales welcome', size: audio.length }),
    ]);
    const played = await call(
      'GET',
      `/openapi/v1.0/vm_greeting/play?access_token=${w.token}&owner=6300&file=Sales%20welcome`,
    );
    expect(played.body).toMatchObject({ errcode: 0, file: 'Sales welcome' });
    const got = await rawRequest(stack.baseUrl, 'GET', played.body.play_resource_url, {});
    expect(got.body.equals(audio)).toBe(true);
  });

  it("a greeting uploaded through Yeastar appears in the box's Kazoo greetings", async () => {
    const audio = wavFile(1);
    const r = await forceExtensionGreeting(w, audio, 'from_yeastar.wav');
    expect(json(r)).toEqual({ errcode: 0, errmsg: 'SUCCESS', extension: '3200' });
    const greetings = await stack.request('GET', kazoo(`/vmboxes/${w.userBox}/greetings`), {
      token: w.t.token,
    });
    expect(greetings.status).toBe(200);
    expect(greetings.body.data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'unavailable', active: true }),
        expect.objectContaining({
          type: 'file',
          file: 'from_yeastar.wav',
          size: audio.length,
          active: false,
        }),
      ]),
    );
    // and the Yeastar list shows both, each once
    const files = (await list(w, 'extension_vm_greeting', 'extension=3200')).data.map((d: any) => d.file);
    expect(files.filter((f: string) => f === 'from_yeastar.wav')).toHaveLength(1);
    expect(files).toHaveLength(2);
  });
});
