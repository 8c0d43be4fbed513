// Small tests of the account manager face: validation, Laravel's error shape, roles, signed links.
import { DomainError, ErrorCode, isSipUri, slotContentType } from '@voxmail/contracts';
import { flexisipError } from './flexisip.errors';
import { targetUser } from './flexisip.guard';
import { loadFlexisipSettings } from '@voxmail/config';
import { SlotUuidPipe } from './params';
import { SlotLinks } from './slot-links';
import { clientFileName } from './slot-uploads';
import { accountView } from './accounts.view';
import { validateSlotRequest } from './voicemails.controller';
import { laravelTime } from './voicemails.view';

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);
const SLOT = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('SIP addresses and content types', () => {
  it.each([
    'sip:alice@example.org',
    'sips:bob@example.com:5061;transport=tls',
    'sip:+33612345678@10.0.0.1',
    'sip:example.org',
  ])('accepts %s', (v) => expect(isSipUri(v)).toBe(true));
  it.each([
    'bob',
    'http://x',
    'sip:',
    'sip:a b@example.org',
    `sip:${'a'.repeat(300)}@example.org`,
    'tel:+331234',
  ])('refuses %s', (v) => expect(isSipUri(v)).toBe(false));
  it('normalises wav aliases and refuses other types', () => {
    expect(slotContentType('audio/wav')).toBe('audio/wav');
    expect(slotContentType('Audio/X-WAV')).toBe('audio/wav');
    expect(slotContentType('audio/vnd.wave')).toBe('audio/wav');
    expect(slotContentType('audio/wave')).toBe('audio/wav');
    expect(slotContentType('audio/opus')).toBe('audio/opus');
    expect(slotContentType('audio/mpeg')).toBeUndefined();
  });
});

describe('slot request validation (Laravel shape)', () => {
  const shape = (body: unknown) => {
    try {
      validateSlotRequest(body);
      return undefined;
    } catch (e) {
      return flexisipError(e as DomainError);
    }
  };
  it('lists every failed field with its message and counts the others in the summary', () => {
    expect(shape({ sip_from: 42 })).toEqual({
      status: 422,
      body: {
        message: 'The sip from field must be a string. (and 1 more error)',
        errors: {
          sip_from: ['The sip from field must be a string.'],
          content_type: ['The content type field is required.'],
        },
      },
    });
    expect(shape({ sip_from: 'bob', content_type: 'audio/wav' })?.body).toEqual({
      message: 'The sip from field must be a valid SIP address.',
      errors: { sip_from: ['The sip from field must be a valid SIP address.'] },
    });
    expect(
      shape({ sip_from: `sip:${'x'.repeat(2048)}@a.b`, content_type: 'audio/wav' })?.body.errors,
    ).toEqual({
      sip_from: ['The sip from field must not be greater than 255 characters.'],
    });
    expect(shape(null)?.status).toBe(422);
    // sip_from is optional, as the account manager's code has it (Laravel reads "" as null)
    for (const none of [{}, { sip_from: null }, { sip_from: '' }])
      expect(validateSlotRequest({ ...none, content_type: 'audio/wav' })).toEqual({
        contentType: 'audio/wav',
      });
    expect(validateSlotRequest({ sip_from: 'sip:a@b.c', content_type: 'audio/x-wav' })).toEqual({
      sipFrom: 'sip:a@b.c',
      contentType: 'audio/wav',
    });
  });
  it('answers other errors with a message only', () => {
    expect(flexisipError(new DomainError(ErrorCode.Unauthenticated, 'x'))).toEqual({
      status: 401,
      body: { message: 'Unauthenticated.' },
    });
    expect(flexisipError(new DomainError(ErrorCode.Internal, 'secret detail')).body).toEqual({
      message: 'Server Error',
    });
    expect(flexisipError(new DomainError(ErrorCode.UnsupportedMediaType, 'x')).status).toBe(422);
    expect(flexisipError(new DomainError(ErrorCode.PayloadTooLarge, 'too big'))).toEqual({
      status: 413,
      body: { message: 'too big' },
    });
  });
});

describe('who {id|me} names', () => {
  it('lets an admin client name any user, a user client only itself', () => {
    expect(targetUser({ accountId: A, role: 'admin' }, B)).toBe(B);
    expect(targetUser({ accountId: A, role: 'user', userId: B }, 'me')).toBe(B);
    expect(targetUser({ accountId: A, role: 'user', userId: B }, B)).toBe(B);
    expect(() => targetUser({ accountId: A, role: 'user', userId: B }, A)).toThrow(
      expect.objectContaining({ code: ErrorCode.Forbidden }),
    );
    expect(() => targetUser({ accountId: A, role: 'admin' }, 'me')).toThrow(
      expect.objectContaining({ code: ErrorCode.NotFound }),
    );
    expect(() => targetUser({ accountId: A, role: 'admin' }, '../x')).toThrow(
      expect.objectContaining({ code: ErrorCode.NotFound }),
    );
  });
  it('takes the integer id of a SIP account (what search answers), to be looked up', () => {
    expect(targetUser({ accountId: A, role: 'admin' }, '42')).toBe(42);
    expect(targetUser({ accountId: A, role: 'user', userId: B }, '2147483647')).toBe(2147483647);
    for (const bad of ['0', '042', '-1', '2147483648', '1.5', '1e3'])
      expect(() => targetUser({ accountId: A, role: 'admin' }, bad)).toThrow(
        expect.objectContaining({ code: ErrorCode.NotFound }),
      );
  });
});

describe('signed slot links', () => {
  let now = 1_760_000_000_000;
  const links = new SlotLinks('secret-1', 'https://vm.example.com', () => now);
  const t = { tenantId: A, slotId: SLOT };
  const params = (url: string) => {
    const u = new URL(url);
    return [
      u.searchParams.get('expires') ?? undefined,
      u.searchParams.get('signature') ?? undefined,
    ] as const;
  };

  it('is absolute, bound to its purpose, tenant and slot, and expires', () => {
    const url = links.url('upload', t, now + 60_000);
    expect(url.startsWith(`https://vm.example.com/api/voicemail_files/${A}/${SLOT}/upload?expires=`)).toBe(
      true,
    );
    const [expires, signature] = params(url);
    expect(links.verify('upload', t, expires, signature)).toBe('ok');
    expect(links.verify('download', t, expires, signature)).toBe('invalid');
    expect(links.verify('upload', { ...t, tenantId: B }, expires, signature)).toBe('invalid');
    expect(links.verify('upload', t, String(Number(expires) + 3600), signature)).toBe('invalid');
    expect(new SlotLinks('secret-2', 'https://x').verify('upload', t, expires, signature)).toBe('invalid');
    expect(links.verify('upload', t, undefined, signature)).toBe('invalid');
    now += 61_000;
    expect(links.verify('upload', t, expires, signature)).toBe('expired');
  });

  it("puts the upload link on the account manager's path /api/files/{uuid}, signed in its query", () => {
    const u = new URL(links.uploadUrl(t, now + 60_000));
    expect(u.origin + u.pathname).toBe(`https://vm.example.com/api/files/${SLOT}`);
    expect(u.searchParams.get('account')).toBe(A);
    const [expires, signature] = params(u.href);
    expect(links.verify('upload', t, expires, signature)).toBe('ok');
    expect(links.verify('upload', { ...t, tenantId: B }, expires, signature)).toBe('invalid');
  });
});

describe('the name of an uploaded file', () => {
  it("keeps the file name without directories (Flexisip sends its recording's full path)", () => {
    expect(clientFileName('/var/opt/flexisip/voicemails/ab12.wav')).toBe('ab12.wav');
    expect(clientFileName('C:\\rec\\x.wav')).toBe('x.wav');
    expect(clientFileName('a\u0000b\r\n.wav')).toBe('ab.wav');
    expect(clientFileName('x'.repeat(300))).toHaveLength(255);
    for (const none of [undefined, '', '/dir/', ' \u0001 ']) expect(clientFileName(none)).toBeUndefined();
  });
});

describe('face settings and times', () => {
  it('defaults max_upload_size to the document’s 3000000 bytes; the environment changes it', () => {
    expect(loadFlexisipSettings({}).maxUploadSize).toBe(3000000);
    expect(loadFlexisipSettings({ FLEXISIP_MAX_UPLOAD_SIZE: '1000' }).maxUploadSize).toBe(1000);
  });
  it('shows times as 2025-10-09T12:59:32Z', () => {
    expect(laravelTime('2025-10-09T12:59:32.000Z')).toBe('2025-10-09T12:59:32Z');
    expect(laravelTime(null)).toBeNull();
  });
});

describe('SlotUuidPipe', () => {
  const pipe = new SlotUuidPipe();
  it('takes a slot UUID in either case and answers it lower-cased', () => {
    expect(pipe.transform(SLOT)).toBe(SLOT);
    expect(pipe.transform(SLOT.toUpperCase())).toBe(SLOT);
  });
  it.each(['not-a-uuid', SLOT + '0', A, '../' + SLOT])("refuses %p with the face's 404", (v) => {
    let error: unknown;
    try {
      pipe.transform(v);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: ErrorCode.NotFound, message: 'Voicemail not found.' });
  });
});

describe("the account manager's account object", () => {
  it('answers what Flexisip reads: an integer id, sip_uri and call_forwardings', () => {
    const a = accountView({
      user_id: A,
      sip_id: 3,
      username: 'alice',
      domain: 'sip.example.org',
      display_name: 'Alice',
      email: null,
      admin: false,
      enabled: true,
      created_at: '2026-01-02T03:04:05.000Z',
      updated_at: '2026-01-02T03:04:06.000Z',
    });
    expect(a).toMatchObject({
      id: 3,
      sip_uri: 'sip:alice@sip.example.org',
      call_forwardings: [],
      activated: true,
      created_at: '2026-01-02T03:04:05Z',
    });
    expect(JSON.stringify(a)).not.toContain(A);
  });
});
