import { DomainError } from '@voxmail/contracts';
import type { GatewayRequest } from '../../common/request';
import { HexIdPipe } from './params';
import { dataOf, listQueryOf } from './request';

const pathId = (v: string) => new HexIdPipe().transform(v);

const req = (query: Record<string, unknown>) => ({ query, headers: {} }) as unknown as GatewayRequest;

describe('Kazoo list query strings', () => {
  it('defaults to 50 per page, newest first, paginated', () => {
    expect(listQueryOf(req({}))).toEqual(
      expect.objectContaining({ pageSize: 50, descending: true, paginate: true, filters: [] }),
    );
  });

  it('reads page_size, start_key, ascending/descending and paginate', () => {
    const q = listQueryOf(req({ page_size: '7', start_key: 'abc_-', ascending: 'true', paginate: 'false' }));
    expect(q).toEqual(
      expect.objectContaining({ pageSize: 7, startKey: 'abc_-', descending: false, paginate: false }),
    );
    expect(listQueryOf(req({ descending: 'false' })).descending).toBe(false);
  });

  it('turns filter_, filter_not_ and key filters into ANDed filters with dot paths', () => {
    const q = listQueryOf(
      req({
        'filter_foo.bar': '1',
        filter_not_folder: 'deleted',
        has_key: 'vip',
        key_missing: 'x',
        has_value: 'a',
        missing_value: 'b',
        other: 'ignored',
      }),
    );
    expect(q.filters).toEqual([
      expect.objectContaining({ op: 'eq', path: ['foo', 'bar'], value: '1' }),
      expect.objectContaining({ op: 'not', path: ['folder'], value: 'deleted' }),
      expect.objectContaining({ op: 'has_key', path: ['vip'] }),
      expect.objectContaining({ op: 'key_missing', path: ['x'] }),
      expect.objectContaining({ op: 'has_value', path: ['a'] }),
      expect.objectContaining({ op: 'missing_value', path: ['b'] }),
    ]);
  });

  it.each([
    [{ page_size: '0' }],
    [{ page_size: '1001' }],
    [{ page_size: 'ten' }],
    [{ ascending: 'yes' }],
    [{ start_key: 'has space' }],
    [{ 'filter_a..b': '1' }],
  ])('refuses %p with a 400 naming the parameter', (query) => {
    expect(() => listQueryOf(req(query))).toThrow(DomainError);
    try {
      listQueryOf(req(query));
    } catch (e) {
      expect(Object.keys((e as DomainError).details ?? {})[0]).toBe(Object.keys(query)[0]);
    }
  });
});

describe('request envelopes and ids', () => {
  it('takes data from the envelope', () => {
    expect(dataOf({ data: { a: 1 } })).toEqual({ a: 1 });
    expect(() => dataOf({ a: 1 })).toThrow(DomainError);
    expect(() => dataOf({ data: [1] })).toThrow(DomainError);
    expect(dataOf(undefined, false)).toEqual({});
  });

  it('answers 404 for ids that cannot exist', () => {
    expect(pathId('0123456789abcdef0123456789abcdef')).toBe('0123456789abcdef0123456789abcdef');
    expect(() => pathId('../../etc')).toThrow(DomainError);
  });
});
