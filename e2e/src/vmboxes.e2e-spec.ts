// Kazoo 4.3 vmboxes over HTTP: the document's calls, every schema field with its defaults and bounds,
// PATCH/POST semantics, revisions, pagination and filters, duplicate mailboxes, roles and tenants.
import { createHash, randomBytes } from 'node:crypto';
import {
  KAZOO_VMBOX_DEFAULTS as KAZOO_DEFAULTS,
  KazooResponse,
  Stack,
  startStack,
  Tenant,
} from '@voxmail/testing';
import { startGateway } from '../../apps/api-gateway/src/bootstrap';
import { startMailboxService } from '../../apps/mailbox-service/src/bootstrap';
import { documentProblems } from './openapi.helpers';
import { answersChecked } from './openapi.setup';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const HEX32 = /^[0-9a-f]{32}$/;

let stack: Stack;
let a: Tenant; // the tenant most tests use
let b: Tenant; // another tenant
let alice: { id: string; token: string };
let bob: { id: string; token: string };
/** Every answer of this suite is checked against docs/openapi (e2e/src/openapi.helpers.ts). */
let mailboxSeq = 1000;
const nextMailbox = () => String(mailboxSeq++);

async function createUser(t: Tenant, username: string): Promise<{ id: string; token: string }> {
  const password = `pw-${randomBytes(6).toString('hex')}`;
  const u = await stack.request('PUT', `/v2/accounts/${t.accountId}/users`, {
    token: t.token,
    body: { data: { username, password, first_name: username, last_name: 'Test' } },
  });
  expect(u.status).toBe(201);
  const auth = await stack.request('PUT', '/v2/user_auth', {
    body: { data: { credentials: md5(`${username}:${password}`), account_name: t.name } },
  });
  expect(auth.status).toBe(201);
  return { id: u.body.data.id, token: auth.body.auth_token };
}

const boxes = (t: Tenant) => `/v2/accounts/${t.accountId}/vmboxes`;

function put(data: unknown, t: Tenant = a, token = t.token): Promise<KazooResponse> {
  return stack.request('PUT', boxes(t), { token, body: { data } });
}

async function created(data: Record<string, unknown>, t: Tenant = a): Promise<any> {
  const r = await put({ name: 'Box', mailbox: nextMailbox(), ...data }, t);
  expect(r.status).toBe(201);
  return r.body;
}

function patch(id: string, data: unknown, token = a.token, headers?: Record<string, string>) {
  return stack.request('PATCH', `${boxes(a)}/${id}`, { token, body: { data }, headers });
}

/** The Kazoo validation error envelope naming `field` and `rule`. */
function expectInvalid(r: KazooResponse, field: string, rule: string, status = 400): void {
  expect({ status: r.status, field: r.body?.data?.[field] }).toEqual({
    status,
    field: expect.objectContaining({ [rule]: expect.any(Object) }),
  });
  expect(r.body.data[field][rule].message).toEqual(expect.any(String));
  expect(r.body).toEqual(
    expect.objectContaining({ status: 'error', error: String(status), request_id: expect.any(String) }),
  );
  if (status === 400) expect(r.body.message).toBe('invalid data');
}

beforeAll(async () => {
  stack = await startStack({ gateway: startGateway, mailbox: startMailboxService }, ['mailbox', 'gateway']);
  a = await stack.createTenant();
  b = await stack.createTenant();
  alice = await createUser(a, `alice-${randomBytes(3).toString('hex')}`);
  bob = await createUser(a, `bob-${randomBytes(3).toString('hex')}`);
});

afterAll(async () => {
  await stack?.stop();
});

describe('the calls of the Kazoo document', () => {
  const example = () => ({
    name: 'VMBox 0',
    require_pin: true,
    is_setup: false,
    pin: '0000',
    mailbox: nextMailbox(),
    timezone: 'America/Los_Angeles',
    check_if_owner: true,
    delete_after_notify: false,
    not_configurable: false,
    notify_email_addresses: [],
    save_after_notify: false,
    skip_greeting: false,
    skip_instructions: false,
    owner_id: alice.id,
    media: {},
  });

  it('PUT creates the box (201) and answers it as Kazoo does, with pin_set instead of the PIN', async () => {
    const body = example();
    const r = await put(body);
    expect(r.status).toBe(201);
    const { pin: _pin, ...withoutPin } = body;
    expect(r.body.data).toEqual({
      ...KAZOO_DEFAULTS,
      ...withoutPin,
      id: expect.stringMatching(HEX32),
      pin_set: true,
    });
    expect(r.body.data).not.toHaveProperty('pin');
    expect(r.body).toEqual({
      auth_token: a.token,
      data: expect.any(Object),
      revision: expect.stringMatching(/^1-[0-9a-f]{32}$/),
      request_id: expect.any(String),
      status: 'success',
    });
  });

  it('GET fetches the box with the revision of the last write', async () => {
    const c = await created({ owner_id: alice.id, pin: '1234' });
    const r = await stack.request('GET', `${boxes(a)}/${c.data.id}`, { token: a.token });
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual(c.data);
    expect(r.body.revision).toBe(c.revision);
    expect(r.body.status).toBe('success');
  });

  it('GET on the collection lists id, name, mailbox, owner_id and messages', async () => {
    const c = await created({ name: 'Listed', owner_id: alice.id });
    const r = await stack.request('GET', `${boxes(a)}?filter_mailbox=${c.data.mailbox}`, { token: a.token });
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual([
      { id: c.data.id, name: 'Listed', mailbox: c.data.mailbox, owner_id: alice.id, messages: 0 },
    ]);
    expect(r.body).toEqual(
      expect.objectContaining({
        page_size: 1,
        revision: expect.any(String),
        request_id: expect.any(String),
        status: 'success',
      }),
    );
    expect(r.body).not.toHaveProperty('next_start_key');
  });

  it('PATCH keeps unknown keys as custom fields (the some_key example)', async () => {
    const c = await created(example());
    const r = await patch(c.data.id, { some_key: 'some_value' });
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ ...c.data, some_key: 'some_value' });
    const again = await stack.request('GET', `${boxes(a)}/${c.data.id}`, { token: a.token });
    expect(again.body.data.some_key).toBe('some_value');
  });

  it('POST replaces the settings', async () => {
    const c = await created({ ...example(), transcribe: true, some_key: 'x' });
    const body = { ...example(), mailbox: c.data.mailbox, name: 'Replaced' };
    const r = await stack.request('POST', `${boxes(a)}/${c.data.id}`, {
      token: a.token,
      body: { data: body },
    });
    expect(r.status).toBe(200);
    const { pin: _pin, ...withoutPin } = body;
    // keys not given go back to their defaults; custom keys not given are gone
    expect(r.body.data).toEqual({ ...KAZOO_DEFAULTS, ...withoutPin, id: c.data.id, pin_set: true });
  });

  it('DELETE answers the deleted box marked _read_only.deleted; it is gone afterwards', async () => {
    const c = await created(example());
    const r = await stack.request('DELETE', `${boxes(a)}/${c.data.id}`, { token: a.token });
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ ...c.data, _read_only: { deleted: true } });
    expect(r.body.revision).not.toBe(c.revision);
    expect((await stack.request('GET', `${boxes(a)}/${c.data.id}`, { token: a.token })).status).toBe(404);
    expect((await stack.request('DELETE', `${boxes(a)}/${c.data.id}`, { token: a.token })).status).toBe(404);
    const list = await stack.request('GET', `${boxes(a)}?filter_mailbox=${c.data.mailbox}`, {
      token: a.token,
    });
    expect(list.body.data).toEqual([]);
    // the number is free again
    expect((await put({ name: 'again', mailbox: c.data.mailbox })).status).toBe(201);
  });

  it('answers 405 on the collection for verbs Kazoo does not serve there', async () => {
    for (const method of ['POST', 'PATCH', 'DELETE']) {
      const r = await stack.request(method, boxes(a), {
        token: a.token,
        body: { data: { name: 'x', mailbox: '1' } },
      });
      expect({ method, status: r.status }).toEqual({ method, status: 405 });
      expect(r.body.status).toBe('error');
    }
  });

  it('answers 404 for an id that is not a Kazoo id, and 401 without a token', async () => {
    expect((await stack.request('GET', `${boxes(a)}/not-an-id`, { token: a.token })).status).toBe(404);
    expect((await stack.request('GET', `${boxes(a)}/${'0'.repeat(32)}`, { token: a.token })).status).toBe(
      404,
    );
    expect((await stack.request('GET', boxes(a))).status).toBe(401);
  });
});

describe('schema defaults', () => {
  it('a box given only name and mailbox shows every Kazoo default, and no PIN', async () => {
    const c = await created({ name: 'Minimal' });
    expect(c.data).toEqual({
      name: 'Minimal',
      mailbox: expect.any(String),
      ...KAZOO_DEFAULTS,
      id: c.data.id,
      pin_set: false,
    });
    expect(c.data).not.toHaveProperty('owner_id');
    expect(c.data).not.toHaveProperty('timezone');
  });

  it('every boolean takes the value given instead of its default', async () => {
    const flipped = Object.fromEntries(
      Object.entries(KAZOO_DEFAULTS)
        .filter(([, v]) => typeof v === 'boolean')
        .map(([k, v]) => [k, !v]),
    );
    const c = await created(flipped);
    expect(c.data).toEqual(expect.objectContaining(flipped));
  });
});

describe('required fields', () => {
  it('name and mailbox are required', async () => {
    expectInvalid(await put({ mailbox: nextMailbox() }), 'name', 'required');
    expectInvalid(await put({ name: 'x' }), 'mailbox', 'required');
    const r = await put({ name: 'x' });
    expect(r.body.data.mailbox.required.message).toBe('Field is required but missing');
  });

  it('a body without data, or with data that is not an object, is 400 naming data', async () => {
    expectInvalid(
      await stack.request('PUT', boxes(a), { token: a.token, body: { name: 'x' } }),
      'data',
      'required',
    );
    expectInvalid(await put('box'), 'data', 'type');
  });
});

describe('bounds of each field (one below, at, one above)', () => {
  const s = (n: number, c = '7') => c.repeat(n);

  it('mailbox is 1..30 characters', async () => {
    expectInvalid(await put({ name: 'x', mailbox: '' }), 'mailbox', 'minLength');
    expect((await put({ name: 'x', mailbox: '7' })).status).toBe(201); // 1
    expect((await put({ name: 'x', mailbox: s(30, '8') })).status).toBe(201); // 30
    expectInvalid(await put({ name: 'x', mailbox: s(31, '9') }), 'mailbox', 'maxLength'); // 31
    expectInvalid(await put({ name: 'x', mailbox: 3000 }), 'mailbox', 'type');
  });

  it('name is 1..128 characters', async () => {
    expectInvalid(await put({ name: '', mailbox: nextMailbox() }), 'name', 'minLength');
    expect((await put({ name: 'n', mailbox: nextMailbox() })).status).toBe(201);
    expect((await put({ name: s(128, 'n'), mailbox: nextMailbox() })).status).toBe(201);
    expectInvalid(await put({ name: s(129, 'n'), mailbox: nextMailbox() }), 'name', 'maxLength');
  });

  it('pin is 4..6 digits, and the error says digits', async () => {
    const r3 = await put({ name: 'x', mailbox: nextMailbox(), pin: '123' });
    expectInvalid(r3, 'pin', 'minLength');
    expect(r3.body.data.pin.minLength.message).toBe('PIN must be 4 to 6 digits (0-9)');
    expect((await created({ pin: '1234' })).data.pin_set).toBe(true);
    expect((await created({ pin: '123456' })).data.pin_set).toBe(true);
    expectInvalid(await put({ name: 'x', mailbox: nextMailbox(), pin: '1234567' }), 'pin', 'maxLength');
    const letters = await put({ name: 'x', mailbox: nextMailbox(), pin: '12a4' });
    expectInvalid(letters, 'pin', 'pattern');
    expect(letters.body.data.pin.pattern.message).toBe('PIN must be 4 to 6 digits (0-9)');
    expectInvalid(await put({ name: 'x', mailbox: nextMailbox(), pin: 1234 }), 'pin', 'type');
  });

  it('timezone is a real IANA zone of 5..32 characters', async () => {
    expectInvalid(
      await put({ name: 'x', mailbox: nextMailbox(), timezone: 'Asia' }),
      'timezone',
      'minLength',
    );
    // 5 characters passes the length rule; what remains is whether it is a zone
    const five = await put({ name: 'x', mailbox: nextMailbox(), timezone: 'Xxxxx' });
    expectInvalid(five, 'timezone', 'format');
    expect(five.body.data.timezone).not.toHaveProperty('minLength');
    expect((await created({ timezone: 'America/Argentina/ComodRivadavia' })).data.timezone).toBe(
      'America/Argentina/ComodRivadavia',
    ); // 32
    expectInvalid(
      await put({ name: 'x', mailbox: nextMailbox(), timezone: 'America/Argentina/ComodRivadaviaX' }),
      'timezone',
      'maxLength',
    );
    const mars = await put({ name: 'x', mailbox: nextMailbox(), timezone: 'Mars/Olympus_Mons' });
    expectInvalid(mars, 'timezone', 'format');
    expect(mars.body.data.timezone.format.message).toBe('Value is not a known IANA time zone');
    expect((await created({ timezone: 'Europe/Paris' })).data.timezone).toBe('Europe/Paris');
  });

  it('media.unavailable is exactly 32 characters', async () => {
    expectInvalid(
      await put({ name: 'x', mailbox: nextMailbox(), media: { unavailable: s(31, 'a') } }),
      'media.unavailable',
      'minLength',
    );
    // 32 characters passes the schema; that it must then name a media document of the account is
    // media.e2e-spec.ts's (this stack runs no media-storage-service)
    expectInvalid(
      await put({ name: 'x', mailbox: nextMailbox(), media: { unavailable: s(33, 'a') } }),
      'media.unavailable',
      'maxLength',
    );
    expectInvalid(await put({ name: 'x', mailbox: nextMailbox(), media: 'greeting' }), 'media', 'type');
  });

  it('owner_id is 32 characters naming a user of the same account', async () => {
    expectInvalid(
      await put({ name: 'x', mailbox: nextMailbox(), owner_id: alice.id.slice(1) }),
      'owner_id',
      'minLength',
    );
    expect((await created({ owner_id: alice.id })).data.owner_id).toBe(alice.id);
    expectInvalid(
      await put({ name: 'x', mailbox: nextMailbox(), owner_id: `${alice.id}0` }),
      'owner_id',
      'maxLength',
    );
    expectInvalid(
      await put({ name: 'x', mailbox: nextMailbox(), owner_id: 'f'.repeat(32) }),
      'owner_id',
      'not_found',
    );
    // a user of another account is not a user of this one
    const other = await createUser(b, `carol-${randomBytes(3).toString('hex')}`);
    const r = await put({ name: 'x', mailbox: nextMailbox(), owner_id: other.id });
    expectInvalid(r, 'owner_id', 'not_found');
    expect(r.body.data.owner_id.not_found.message).toBe('owner_id is not a user of this account');
  });

  it('seek_duration_ms is an integer of at least 0', async () => {
    expectInvalid(
      await put({ name: 'x', mailbox: nextMailbox(), seek_duration_ms: -1 }),
      'seek_duration_ms',
      'minimum',
    );
    expect((await created({ seek_duration_ms: 0 })).data.seek_duration_ms).toBe(0);
    expect((await created({ seek_duration_ms: 1 })).data.seek_duration_ms).toBe(1);
    expectInvalid(
      await put({ name: 'x', mailbox: nextMailbox(), seek_duration_ms: 1.5 }),
      'seek_duration_ms',
      'type',
    );
    expectInvalid(
      await put({ name: 'x', mailbox: nextMailbox(), seek_duration_ms: '10' }),
      'seek_duration_ms',
      'type',
    );
  });

  it('max_message_count is 1..10000 and max_message_length 1..86400 seconds', async () => {
    expectInvalid(
      await put({ name: 'x', mailbox: nextMailbox(), max_message_count: 0 }),
      'max_message_count',
      'minimum',
    );
    expect((await created({ max_message_count: 1 })).data.max_message_count).toBe(1);
    expect((await created({ max_message_count: 10000 })).data.max_message_count).toBe(10000);
    expectInvalid(
      await put({ name: 'x', mailbox: nextMailbox(), max_message_count: 10001 }),
      'max_message_count',
      'maximum',
    );
    expectInvalid(
      await put({ name: 'x', mailbox: nextMailbox(), max_message_length: 0 }),
      'max_message_length',
      'minimum',
    );
    expect((await created({ max_message_length: 1 })).data.max_message_length).toBe(1);
    expect((await created({ max_message_length: 86400 })).data.max_message_length).toBe(86400);
    expectInvalid(
      await put({ name: 'x', mailbox: nextMailbox(), max_message_length: 86401 }),
      'max_message_length',
      'maximum',
    );
  });

  it('media_extension is mp3, mp4 or wav', async () => {
    for (const ext of ['mp3', 'mp4', 'wav'])
      expect((await created({ media_extension: ext })).data.media_extension).toBe(ext);
    expectInvalid(
      await put({ name: 'x', mailbox: nextMailbox(), media_extension: 'ogg' }),
      'media_extension',
      'enum',
    );
  });

  it('every boolean field refuses a value that is not a boolean', async () => {
    for (const field of Object.keys(KAZOO_DEFAULTS).filter(
      (k) => typeof (KAZOO_DEFAULTS as Record<string, unknown>)[k] === 'boolean',
    )) {
      const r = await put({ name: 'x', mailbox: nextMailbox(), [field]: 'true' });
      expect({ field, status: r.status, rule: Object.keys(r.body.data[field] ?? {}) }).toEqual({
        field,
        status: 400,
        rule: ['type'],
      });
    }
  });

  it('flags is a list of strings', async () => {
    expect((await created({ flags: ['vip', 'night'] })).data.flags).toEqual(['vip', 'night']);
    expectInvalid(await put({ name: 'x', mailbox: nextMailbox(), flags: ['vip', 1] }), 'flags.1', 'type');
    expectInvalid(await put({ name: 'x', mailbox: nextMailbox(), flags: 'vip' }), 'flags', 'type');
  });

  it('notify_email_addresses is a list of e-mail addresses', async () => {
    const list = ['a@example.com', 'b@example.org'];
    expect((await created({ notify_email_addresses: list })).data.notify_email_addresses).toEqual(list);
    expectInvalid(
      await put({ name: 'x', mailbox: nextMailbox(), notify_email_addresses: ['a@example.com', 'nope'] }),
      'notify_email_addresses.1',
      'format',
    );
  });

  it('operator_number is an integer or a string', async () => {
    expect((await created({ operator_number: 0 })).data.operator_number).toBe(0);
    expect((await created({ operator_number: '+15551234567' })).data.operator_number).toBe('+15551234567');
    expectInvalid(
      await put({ name: 'x', mailbox: nextMailbox(), operator_number: true }),
      'operator_number',
      'type',
    );
    expectInvalid(
      await put({ name: 'x', mailbox: nextMailbox(), operator_number: 1.5 }),
      'operator_number',
      'type',
    );
  });

  it('notify.callback takes attempts, disabled, interval_s, number, schedule and timeout_s', async () => {
    const callback = {
      attempts: 3,
      disabled: false,
      interval_s: 300,
      number: '+15550001',
      schedule: [60, 120],
      timeout_s: 20,
    };
    expect((await created({ notify: { callback } })).data.notify).toEqual({ callback });
    const bad = { name: 'x', mailbox: nextMailbox() };
    expectInvalid(
      await put({ ...bad, notify: { callback: { attempts: 'three' } } }),
      'notify.callback.attempts',
      'type',
    );
    expectInvalid(
      await put({ ...bad, notify: { callback: { disabled: 'no' } } }),
      'notify.callback.disabled',
      'type',
    );
    expectInvalid(
      await put({ ...bad, notify: { callback: { interval_s: 1.5 } } }),
      'notify.callback.interval_s',
      'type',
    );
    expectInvalid(
      await put({ ...bad, notify: { callback: { number: 15550001 } } }),
      'notify.callback.number',
      'type',
    );
    expectInvalid(
      await put({ ...bad, notify: { callback: { schedule: [60, 'x'] } } }),
      'notify.callback.schedule.1',
      'type',
    );
    expectInvalid(
      await put({ ...bad, notify: { callback: { timeout_s: '20' } } }),
      'notify.callback.timeout_s',
      'type',
    );
    expectInvalid(
      await put({ ...bad, notify: { callback: { attempts: -1 } } }),
      'notify.callback.attempts',
      'minimum',
    );
    expect((await created({ notify: { callback: { attempts: 0 } } })).data.notify.callback.attempts).toBe(0);
  });

  it('several errors are reported together, each naming its field', async () => {
    const r = await put({ name: '', mailbox: '', media_extension: 'ogg' });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.data).sort()).toEqual(['mailbox', 'media_extension', 'name']);
  });
});

describe('mailbox numbers are unique within an account', () => {
  it('a duplicate mailbox is 409 naming mailbox and the rule unique', async () => {
    const c = await created({});
    const r = await put({ name: 'dup', mailbox: c.data.mailbox });
    expectInvalid(r, 'mailbox', 'unique', 409);
    expect(r.body.data.mailbox.unique.cause).toBe(c.data.mailbox);
  });

  it('another account may use the same number', async () => {
    const c = await created({});
    expect((await put({ name: 'same number', mailbox: c.data.mailbox }, b)).status).toBe(201);
  });

  it('renumbering a box onto a used number is 409 too, and the box is unchanged', async () => {
    const one = await created({});
    const two = await created({});
    expectInvalid(await patch(two.data.id, { mailbox: one.data.mailbox }), 'mailbox', 'unique', 409);
    const after = await stack.request('GET', `${boxes(a)}/${two.data.id}`, { token: a.token });
    expect(after.body.data.mailbox).toBe(two.data.mailbox);
    expect(after.body.revision).toBe(two.revision);
  });

  it('two admins creating the same number at once: one 201, one 409', async () => {
    const mailbox = nextMailbox();
    const rs = await Promise.all([put({ name: 'one', mailbox }), put({ name: 'two', mailbox })]);
    expect(rs.map((r) => r.status).sort()).toEqual([201, 409]);
  });
});

describe('PATCH merge, POST replace, and revisions', () => {
  it('PATCH merges nested objects and null removes a key', async () => {
    const c = await created({
      notify: { callback: { attempts: 2, number: '+1555' } },
      some_key: 'v',
      timezone: 'Europe/Paris',
    });
    const r = await patch(c.data.id, {
      notify: { callback: { attempts: 5 } },
      some_key: null,
      timezone: null,
    });
    expect(r.status).toBe(200);
    expect(r.body.data.notify).toEqual({ callback: { attempts: 5, number: '+1555' } });
    expect(r.body.data).not.toHaveProperty('some_key');
    expect(r.body.data).not.toHaveProperty('timezone');
    expect(r.body.data.name).toBe(c.data.name);
  });

  it('PATCH that removes a required field is refused and changes nothing', async () => {
    const c = await created({});
    expectInvalid(await patch(c.data.id, { name: null }), 'name', 'required');
    expectInvalid(await patch(c.data.id, { seek_duration_ms: -5 }), 'seek_duration_ms', 'minimum');
    const after = await stack.request('GET', `${boxes(a)}/${c.data.id}`, { token: a.token });
    expect(after.body.data).toEqual(c.data);
    expect(after.body.revision).toBe(c.revision);
  });

  it('PATCH of a removed default brings the default back', async () => {
    const c = await created({ seek_duration_ms: 500 });
    const r = await patch(c.data.id, { seek_duration_ms: null });
    expect(r.body.data.seek_duration_ms).toBe(10000);
  });

  it('the revision changes on every write', async () => {
    const c = await created({});
    const revs = [c.revision];
    for (const data of [{ name: 'n1' }, { name: 'n1' }, { transcribe: true }]) {
      const r = await patch(c.data.id, data);
      expect(r.status).toBe(200);
      revs.push(r.body.revision);
    }
    const posted = await stack.request('POST', `${boxes(a)}/${c.data.id}`, {
      token: a.token,
      body: { data: { name: 'n2', mailbox: c.data.mailbox } },
    });
    revs.push(posted.body.revision);
    expect(new Set(revs).size).toBe(revs.length);
  });

  it('If-Match with an old revision is 409 and nothing is lost; with the current one it succeeds', async () => {
    const c = await created({ name: 'base' });
    const first = await patch(c.data.id, { name: 'admin one' }, a.token, { 'If-Match': c.revision });
    expect(first.status).toBe(200);
    const second = await patch(c.data.id, { name: 'admin two' }, a.token, { 'If-Match': c.revision });
    expect(second.status).toBe(409);
    expect(second.body.data.revision.conflict).toEqual(
      expect.objectContaining({ current: first.body.revision }),
    );
    const now = await stack.request('GET', `${boxes(a)}/${c.data.id}`, { token: a.token });
    expect(now.body.data.name).toBe('admin one');
    const third = await patch(c.data.id, { name: 'admin two' }, a.token, { 'If-Match': first.body.revision });
    expect(third.status).toBe(200);
    // DELETE honours If-Match too
    const del = await stack.request('DELETE', `${boxes(a)}/${c.data.id}`, {
      token: a.token,
      headers: { 'If-Match': c.revision },
    });
    expect(del.status).toBe(409);
  });

  it('POST without pin keeps the PIN; "pin": null removes it', async () => {
    const c = await created({ pin: '4321' });
    const { id: _id, pin_set: _p, ...settings } = c.data;
    const kept = await stack.request('POST', `${boxes(a)}/${c.data.id}`, {
      token: a.token,
      body: { data: { ...settings, name: 'kept' } },
    });
    expect(kept.body.data.pin_set).toBe(true);
    const cleared = await patch(c.data.id, { pin: null });
    expect(cleared.body.data.pin_set).toBe(false);
    const set = await patch(c.data.id, { pin: '8765' });
    expect(set.body.data.pin_set).toBe(true);
    expect(set.body.data).not.toHaveProperty('pin');
  });

  it('id, pin_set and _read_only sent back by a client are ignored', async () => {
    const c = await created({});
    const r = await patch(c.data.id, { id: 'f'.repeat(32), pin_set: true, _read_only: { deleted: true } });
    expect(r.status).toBe(200);
    expect(r.body.data.id).toBe(c.data.id);
    expect(r.body.data.pin_set).toBe(false);
    expect(r.body.data).not.toHaveProperty('_read_only');
  });
});

describe('listing: pagination and filters', () => {
  let t: Tenant;
  let ids: string[]; // in creation order

  beforeAll(async () => {
    t = await stack.createTenant();
    ids = [];
    for (let i = 0; i < 7; i++) {
      const r = await put(
        { name: `B${i}`, mailbox: `${200 + i}`, ...(i % 2 === 0 ? { tag: 'even' } : {}) },
        t,
      );
      expect(r.status).toBe(201);
      ids.push(r.body.data.id);
    }
  });

  async function walk(query: string): Promise<{ pages: string[][]; bodies: any[] }> {
    const pages: string[][] = [];
    const bodies: any[] = [];
    let key: string | undefined;
    for (let guard = 0; guard < 20; guard++) {
      const r = await stack.request('GET', `${boxes(t)}?${query}${key ? `&start_key=${key}` : ''}`, {
        token: t.token,
      });
      expect(r.status).toBe(200);
      pages.push(r.body.data.map((x: { id: string }) => x.id));
      bodies.push(r.body);
      key = r.body.next_start_key;
      if (!key) return { pages, bodies };
    }
    throw new Error('pagination did not end');
  }

  it('pages cover every box once, newest first, with next_start_key only while more remain', async () => {
    const { pages, bodies } = await walk('page_size=3');
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual([...ids].reverse());
    expect(bodies.map((x) => x.page_size)).toEqual([3, 3, 1]);
    expect(bodies[2]).not.toHaveProperty('next_start_key');
    expect(bodies[1].start_key).toBe(bodies[0].next_start_key);
  });

  it('ascending=true reverses the order', async () => {
    const { pages } = await walk('page_size=4&ascending=true');
    expect(pages.flat()).toEqual(ids);
  });

  it('a filter fills every page with matching boxes before moving on', async () => {
    const { pages } = await walk('page_size=2&filter_tag=even');
    expect(pages.map((p) => p.length)).toEqual([2, 2]);
    expect(pages.flat()).toEqual([ids[6], ids[4], ids[2], ids[0]]);
  });

  it('filter_mailbox, filter_not_, has_key and key_missing', async () => {
    const one = await stack.request('GET', `${boxes(t)}?filter_mailbox=203`, { token: t.token });
    expect(one.body.data.map((x: { id: string }) => x.id)).toEqual([ids[3]]);
    const notEven = await stack.request('GET', `${boxes(t)}?filter_not_tag=even`, { token: t.token });
    expect(notEven.body.data.map((x: { id: string }) => x.id)).toEqual([ids[5], ids[3], ids[1]]);
    const hasTag = await stack.request('GET', `${boxes(t)}?has_key=tag`, { token: t.token });
    expect(hasTag.body.data).toHaveLength(4);
    const noTag = await stack.request('GET', `${boxes(t)}?key_missing=tag`, { token: t.token });
    expect(noTag.body.data).toHaveLength(3);
  });

  it('filter_owner_id finds the boxes of a user', async () => {
    const owner = await createUser(t, `dora-${randomBytes(3).toString('hex')}`);
    const r = await put({ name: 'owned', mailbox: '299', owner_id: owner.id }, t);
    const list = await stack.request('GET', `${boxes(t)}?filter_owner_id=${owner.id}`, { token: t.token });
    expect(list.body.data).toEqual([
      { id: r.body.data.id, name: 'owned', mailbox: '299', owner_id: owner.id, messages: 0 },
    ]);
    await stack.request('DELETE', `${boxes(t)}/${r.body.data.id}`, { token: t.token });
  });

  it('paginate=false returns everything; a bad start_key or page_size is 400', async () => {
    const all = await stack.request('GET', `${boxes(t)}?paginate=false`, { token: t.token });
    expect(all.body.data).toHaveLength(7);
    expect(all.body).not.toHaveProperty('next_start_key');
    expectInvalid(
      await stack.request('GET', `${boxes(t)}?start_key=garbage`, { token: t.token }),
      'start_key',
      'type',
    );
    expectInvalid(
      await stack.request('GET', `${boxes(t)}?page_size=0`, { token: t.token }),
      'page_size',
      'type',
    );
  });
});

describe('client mistakes are 4xx, never 500 (review)', () => {
  const forged = (parts: unknown) => Buffer.from(JSON.stringify(parts)).toString('base64url');

  it('a forged start_key (non-integer sort value, odd id) is 400, not 500', async () => {
    for (const parts of [
      ['abc', 'x'],
      [1.5, 'x'],
      [1e30, 'x'],
      ['1', 'a\u0000b'],
    ]) {
      const r = await stack.request('GET', `${boxes(a)}?start_key=${forged(parts)}`, { token: a.token });
      expect({ parts, status: r.status }).toEqual({ parts, status: 400 });
      expect(r.body.data.start_key).toBeDefined();
    }
  });

  it('a filter value with a NUL character is 400', async () => {
    const r = await stack.request('GET', `${boxes(a)}?filter_name=a%00b`, { token: a.token });
    expect(r.status).toBe(400);
  });

  it('NUL characters in the document, keys or custom keys are 400', async () => {
    expect((await put({ name: 'x', mailbox: 'a\u0000' })).status).toBe(400);
    expect((await put({ name: 'x', mailbox: nextMailbox(), ['k\u0000']: 1 })).status).toBe(400);
    const u = await stack.request('PUT', `/v2/accounts/${a.accountId}/users`, {
      token: a.token,
      body: { data: { first_name: 'a\u0000', last_name: 'b' } },
    });
    expect(u.status).toBe(400);
  });

  it('a deeply nested custom key is 400', async () => {
    for (const n of [100, 5000]) {
      const deep = '['.repeat(n) + '1' + ']'.repeat(n);
      const r = await stack.request('PUT', boxes(a), {
        token: a.token,
        body: `{"data":{"name":"x","mailbox":"${nextMailbox()}","deep":${deep}}}`,
      });
      expect({ n, status: r.status }).toEqual({ n, status: 400 });
    }
  });

  it('a body too large for the broker is 413, and a document may not grow past its cap by PATCHes', async () => {
    const huge = await put({ name: 'x', mailbox: nextMailbox(), big: 'x'.repeat(1024 * 1024 - 200) });
    expect(huge.status).toBe(413);
    const c = await created({});
    const first = await patch(c.data.id, { big1: 'x'.repeat(200 * 1024) });
    expect(first.status).toBe(200);
    // each PATCH fits in a request, but the merged box (and its event) would not stay small
    const second = await patch(c.data.id, { big2: 'x'.repeat(200 * 1024) });
    expect(second.status).toBe(400);
  });

  it('a custom "verb" key inside data does not tunnel the method (only the envelope verb does)', async () => {
    const c = await created({});
    const r = await stack.request('POST', `${boxes(a)}/${c.data.id}`, {
      token: a.token,
      body: { data: { name: 'renamed', mailbox: c.data.mailbox, verb: 'DELETE' } },
    });
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual(expect.objectContaining({ name: 'renamed', verb: 'DELETE' }));
    expect((await stack.request('GET', `${boxes(a)}/${c.data.id}`, { token: a.token })).status).toBe(200);
    // the envelope's own verb still tunnels
    const tunnelled = await stack.request('POST', `${boxes(a)}/${c.data.id}`, {
      token: a.token,
      body: { data: { name: 'patched' }, verb: 'PATCH' },
    });
    expect(tunnelled.status).toBe(200);
    expect(tunnelled.body.data.name).toBe('patched');
  });
});

describe('group boxes', () => {
  it('a group box takes members who are users of the account', async () => {
    const c = await created({ type: 'group', members: [alice.id, bob.id] });
    expect(c.data).toEqual(expect.objectContaining({ type: 'group', members: [alice.id, bob.id] }));
    const list = await stack.request('GET', `${boxes(a)}?filter_mailbox=${c.data.mailbox}`, {
      token: a.token,
    });
    expect(list.body.data).toEqual([
      { id: c.data.id, name: 'Box', mailbox: c.data.mailbox, messages: 0, type: 'group' },
    ]);
  });

  it('refuses members that are not users of the account, duplicates, or members on a personal box', async () => {
    const r = await put({
      name: 'g',
      mailbox: nextMailbox(),
      type: 'group',
      members: [alice.id, 'e'.repeat(32)],
    });
    expectInvalid(r, 'members', 'not_found');
    expect(r.body.data.members.not_found.cause).toEqual(['e'.repeat(32)]);
    expectInvalid(
      await put({ name: 'g', mailbox: nextMailbox(), type: 'group', members: [alice.id, alice.id] }),
      'members',
      'uniqueItems',
    );
    expectInvalid(
      await put({ name: 'g', mailbox: nextMailbox(), members: [alice.id] }),
      'members',
      'dependencies',
    );
    expectInvalid(await put({ name: 'g', mailbox: nextMailbox(), type: 'shared' }), 'type', 'enum');
    expectInvalid(
      await put({ name: 'g', mailbox: nextMailbox(), type: 'group', members: ['nope'] }),
      'members.0',
      'minLength',
    );
  });
});

describe('user-level access', () => {
  let own: any; // alice's box
  let group: any; // alice and bob are members
  let others: any; // bob's box
  let plain: any; // nobody's

  beforeAll(async () => {
    own = (await created({ name: 'alice box', owner_id: alice.id })).data;
    group = (await created({ name: 'group box', type: 'group', members: [bob.id, alice.id] })).data;
    others = (await created({ name: 'bob box', owner_id: bob.id })).data;
    plain = (await created({ name: 'nobody box' })).data;
  });

  it('a user lists only the boxes it owns or is a member of', async () => {
    const r = await stack.request('GET', `${boxes(a)}?paginate=false`, { token: alice.token });
    expect(r.status).toBe(200);
    const seen = r.body.data.map((x: { id: string }) => x.id);
    expect(seen).toEqual(expect.arrayContaining([own.id, group.id]));
    expect(seen).not.toContain(others.id);
    expect(seen).not.toContain(plain.id);
    const admin = await stack.request('GET', `${boxes(a)}?paginate=false`, { token: a.token });
    expect(admin.body.data.map((x: { id: string }) => x.id)).toEqual(
      expect.arrayContaining([own.id, group.id, others.id, plain.id]),
    );
  });

  it('a user gets its own box and its group box, and 404 for the others', async () => {
    expect((await stack.request('GET', `${boxes(a)}/${own.id}`, { token: alice.token })).status).toBe(200);
    expect((await stack.request('GET', `${boxes(a)}/${group.id}`, { token: alice.token })).status).toBe(200);
    expect((await stack.request('GET', `${boxes(a)}/${others.id}`, { token: alice.token })).status).toBe(404);
    expect((await stack.request('GET', `${boxes(a)}/${plain.id}`, { token: alice.token })).status).toBe(404);
    expect((await patch(others.id, { name: 'mine now' }, alice.token)).status).toBe(404);
  });

  it('a user cannot create or delete boxes (403)', async () => {
    const r = await put({ name: 'x', mailbox: nextMailbox(), owner_id: alice.id }, a, alice.token);
    expect(r.status).toBe(403);
    expect(r.body.status).toBe('error');
    expect((await stack.request('DELETE', `${boxes(a)}/${own.id}`, { token: alice.token })).status).toBe(403);
    expect((await stack.request('GET', `${boxes(a)}/${own.id}`, { token: a.token })).status).toBe(200);
  });

  it('a user may change the settings of its own box, but not who owns it or its number', async () => {
    const r = await patch(own.id, { name: 'renamed by alice', pin: '2468' }, alice.token);
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual(expect.objectContaining({ name: 'renamed by alice', pin_set: true }));
    const owner = await patch(own.id, { owner_id: bob.id }, alice.token);
    expect(owner.status).toBe(403);
    expect(owner.body.data.owner_id).toEqual({ forbidden: expect.any(Object) });
    expect((await patch(own.id, { mailbox: nextMailbox() }, alice.token)).status).toBe(403);
    expect((await patch(group.id, { name: 'members only read' }, alice.token)).status).toBe(403);
  });

  it('not_configurable stops the owner from changing the box', async () => {
    const locked = (await created({ owner_id: alice.id, not_configurable: true })).data;
    const r = await patch(locked.id, { name: 'try' }, alice.token);
    expect(r.status).toBe(403);
    expect(r.body.data).toHaveProperty('not_configurable');
  });
});

describe('tenants are isolated', () => {
  it("another tenant's box is 404 for every verb, and never in its list", async () => {
    const c = await created({ name: 'private' });
    const foreign = `${boxes(a)}/${c.data.id}`;
    for (const [method, body] of [
      ['GET', undefined],
      ['POST', { data: { name: 'x', mailbox: '1' } }],
      ['PATCH', { data: { name: 'x' } }],
      ['DELETE', undefined],
    ] as const) {
      const r = await stack.request(method, foreign, { token: b.token, body });
      expect({ method, status: r.status }).toEqual({ method, status: 404 });
    }
    // the box id under b's own path is unknown there as well
    expect((await stack.request('GET', `${boxes(b)}/${c.data.id}`, { token: b.token })).status).toBe(404);
    expect((await stack.request('GET', boxes(a), { token: b.token })).status).toBe(404);
    expect((await put({ name: 'x', mailbox: nextMailbox() }, a, b.token)).status).toBe(404);
    const own = await stack.request('GET', `${boxes(b)}?paginate=false`, { token: b.token });
    expect(own.body.data.map((x: { id: string }) => x.id)).not.toContain(c.data.id);
    const still = await stack.request('GET', foreign, { token: a.token });
    expect(still.body.data.name).toBe('private');
  });

  it('the operator reaches any tenant', async () => {
    const op = await stack.operatorLogin();
    const c = await created({ name: 'seen by operator' });
    const r = await stack.request('GET', `${boxes(a)}/${c.data.id}`, { token: op.token });
    expect(r.status).toBe(200);
  });
});

describe('answers checked against the OpenAPI document', () => {
  it('every answer of this suite was checked, and one off the document is caught', async () => {
    const r = await stack.request('GET', boxes(a), { token: a.token });
    expect(r.status).toBe(200);
    expect(answersChecked()).toBeGreaterThan(5); // at least the logins and creations of beforeAll
    // the same answer with an undocumented status, or without a field the envelope requires, fails
    expect(documentProblems('GET', boxes(a), { ...r, status: 418 })).toEqual([
      expect.stringContaining('status 418 is not documented'),
    ]);
    const { request_id: _dropped, ...incomplete } = r.body;
    expect(documentProblems('GET', boxes(a), { ...r, body: incomplete })).toEqual([
      expect.stringContaining('request_id'),
    ]);
    expect(documentProblems('GET', `${boxes(a)}/x/nowhere/else`, r)).toEqual([
      expect.stringContaining('no documented operation'),
    ]);
  });

  it('the gateway serves the documents at /openapi/{face}.json and the reference at /docs, without a login', async () => {
    const doc = await stack.request('GET', '/openapi/kazoo.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toContain('/v2/accounts/{accountId}/vmboxes');
    const page = await stack.request('GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const ui = await stack.request('GET', '/docs/swagger-ui-bundle.js');
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toMatch(/javascript/);
  });
});
