import { DomainError, ErrorCode, FAILED_LOGINS } from '@voxmail/contracts';
import { greetingFileName } from './greeting-files';
import { PlayLinks } from './play-links';
import { issuedAtMs } from './refresh-tokens';
import { wrongClientCredentials, YeastarCode, yeastarCodeOf, yeastarErrorBody } from './yeastar.errors';

const SECRET = 'x'.repeat(40);
const T = { tenantId: 'a'.repeat(32), mediaId: 'b'.repeat(32) };

describe('greeting file names', () => {
  it('keeps the base name of a Windows or Unix path', () => {
    expect(greetingFileName('/D:/greeting/group_vm_welome2.wav')).toEqual({
      ok: true,
      name: 'group_vm_welome2.wav',
      format: 'wav',
    });
    expect(greetingFileName('C:\\Users\\me\\hello.MP3')).toEqual({
      ok: true,
      name: 'hello.MP3',
      format: 'mp3',
    });
    expect(greetingFileName('../../etc/x.gsm')).toEqual({ ok: true, name: 'x.gsm', format: 'gsm' });
  });

  it('refuses dot names, control characters, over-long names, and other formats', () => {
    expect(greetingFileName(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(greetingFileName('a/..')).toEqual({ ok: false, reason: 'invalid' });
    expect(greetingFileName('dir/')).toEqual({ ok: false, reason: 'invalid' });
    expect(greetingFileName('a\u0000.wav')).toEqual({ ok: false, reason: 'invalid' });
    expect(greetingFileName(`${'a'.repeat(125)}.wav`)).toEqual({ ok: false, reason: 'invalid' });
    expect(greetingFileName('x.ogg')).toEqual({ ok: false, reason: 'format' });
    expect(greetingFileName('wav')).toEqual({ ok: false, reason: 'format' });
  });
});

describe('play links', () => {
  it('verifies its own link until it expires, and nothing altered', () => {
    let now = 1_800_000_000_000;
    const links = new PlayLinks(SECRET, () => now);
    const path = links.path(T, 'wav', 1800);
    expect(path).toMatch(/^\/api\/download\/VoicemailGreeting-[0-9a-f]{64}-\d+-[A-Za-z0-9_-]{43}\.wav$/);
    const file = path.slice('/api/download/'.length);
    expect(links.verify(file)).toEqual(T);
    expect(links.verify(file.replace('.wav', '.mp3'))).toBe('invalid');
    expect(links.verify(file.replace('a'.repeat(32), 'c'.repeat(32)))).toBe('invalid');
    expect(new PlayLinks('y'.repeat(40), () => now).verify(file)).toBe('invalid');
    expect(links.verify('x.wav')).toBe('invalid');
    now += 1800 * 1000;
    expect(links.verify(file)).toBe('expired');
  });
});

describe('token issue times', () => {
  it('reads the issue time from a token payload', () => {
    const p = Buffer.from(JSON.stringify({ iatMs: 123 })).toString('base64url');
    expect(issuedAtMs(`h.${p}.s`)).toBe(123);
    expect(issuedAtMs('garbage')).toBeUndefined();
  });
});

describe('Yeastar error codes', () => {
  it('maps platform errors to the published codes, each with its published errmsg', () => {
    expect(yeastarCodeOf(new DomainError(ErrorCode.PayloadTooLarge, 'x'))).toBe(YeastarCode.FileSizeExceeded);
    expect(yeastarCodeOf(new DomainError(ErrorCode.Unauthenticated, 'x'))).toBe(YeastarCode.TokenExpired);
    expect(yeastarCodeOf(new DomainError(ErrorCode.NotFound, 'x'))).toBe(YeastarCode.DataNotFound);
    expect(yeastarCodeOf(new DomainError(ErrorCode.Internal, 'x'))).toBe(YeastarCode.InternalError);
    expect(JSON.parse(yeastarErrorBody(new DomainError(ErrorCode.Conflict, 'secret detail')))).toEqual({
      errcode: YeastarCode.DuplicateKey,
      errmsg: 'DUPLICATE KEY VALUE',
    });
    const body = (code: ErrorCode) => JSON.parse(yeastarErrorBody(new DomainError(code, 'x')));
    expect(body(ErrorCode.Unauthenticated)).toEqual({ errcode: 10004, errmsg: 'TOKEN EXPIRED' });
    expect(body(ErrorCode.UnsupportedMediaType)).toEqual({ errcode: 40002, errmsg: 'PARAMETER ERROR' });
    expect(body(ErrorCode.ValidationFailed)).toEqual({ errcode: 40001, errmsg: 'PARAMETER SYNTAX ERROR' });
    expect(body(ErrorCode.NotFound)).toEqual({ errcode: 60001, errmsg: 'DATA NOT FOUND' });
    expect(body(ErrorCode.Forbidden)).toEqual({ errcode: 10005, errmsg: 'ACCESS DENIED' });
    expect(body(ErrorCode.PayloadTooLarge)).toEqual({ errcode: 40004, errmsg: 'FILE SIZE EXCEEDED' });
    expect(body(ErrorCode.Internal)).toEqual({ errcode: -2, errmsg: 'INTERNAL SERVER ERROR' });
    expect(body(ErrorCode.ServiceUnavailable)).toEqual({ errcode: -1, errmsg: 'FAILURE' });
    // blocked after failed logins is the published 70004; a request rate or a busy queue has no code of its own
    const failedLogins = new DomainError(ErrorCode.RateLimited, 'x', { reason: FAILED_LOGINS });
    expect(JSON.parse(yeastarErrorBody(failedLogins))).toEqual({
      errcode: 70004,
      errmsg: 'ACCOUNT IP BLOCKED',
    });
    expect(body(ErrorCode.RateLimited)).toEqual({ errcode: -1, errmsg: 'FAILURE' });
    // a wrong get_token password, as the published "Response Result" page shows it
    expect(JSON.parse(yeastarErrorBody(wrongClientCredentials()))).toEqual({
      errcode: -1,
      errmsg: 'FAILURE',
      invalid_param_list: [{ field: 'username or password', value: 'error' }],
    });
  });
});
