import { DomainError, ErrorCode } from '@voxmail/contracts';
import { parseJsonBody, stripTrailingCommas } from '../../common/json-body';
import { onbukaError } from './onbuka-errors';
import { OnbukaError, parseSendGroup } from './send-group';

describe('trailing commas (the Onbuka document ends its body with one)', () => {
  it('are removed before } and ], never inside strings', () => {
    expect(stripTrailingCommas('{"a": 1,\n}')).toBe('{"a": 1\n}');
    expect(stripTrailingCommas('[1, 2, ]')).toBe('[1, 2 ]');
    expect(stripTrailingCommas('{"a": "x,}", "b": "\\",]",}')).toBe('{"a": "x,}", "b": "\\",]"}');
  });
  it('leave other malformed JSON malformed', () => {
    expect(() => parseJsonBody('{"a": 1,,}', { trailingCommas: true })).toThrow();
    expect(() => parseJsonBody('{,}', { trailingCommas: true })).toThrow();
    expect(() => parseJsonBody('{"a": 1,}')).toThrow();
    expect(parseJsonBody('{"a": 1,}', { trailingCommas: true })).toEqual({ a: 1 });
  });
});

describe('sendGroup body rules', () => {
  const base = { callee: '4915112345678', fileId: 'f', appId: 'a' };
  const code = (b: unknown) => {
    try {
      parseSendGroup(b);
      return '0';
    } catch (e) {
      return (e as OnbukaError).status;
    }
  };
  it('keeps bad numbers for their own entries and trims around commas', () => {
    expect(parseSendGroup({ ...base, callee: '4915112345678, 12' }).callees).toEqual(['4915112345678', '12']);
  });
  it('takes Int fields as integers or their digits', () => {
    expect(parseSendGroup({ ...base, maxRingingTime: '30' }).maxRingingTime).toBe(30);
    expect(code({ ...base, maxRingingTime: '30.5' })).toBe('-22');
  });
  it('refuses bodies that are not objects', () => {
    expect(code([])).toBe('-22');
    expect(code(undefined)).toBe('-22');
  });
});

describe('over a fair-share limit (issue 24)', () => {
  it('is 429 with Onbuka’s status and reason, not a 503', () => {
    const e = new DomainError(ErrorCode.RateLimited, 'too many requests for this account; retry later', {
      retry_after_s: 2,
    });
    expect(onbukaError(e)).toEqual({
      status: 429,
      body: { status: '-50', reason: 'too many requests for this account; retry later' },
    });
    expect(onbukaError(new DomainError(ErrorCode.ServiceUnavailable, 'x')).status).toBe(503);
  });
});
