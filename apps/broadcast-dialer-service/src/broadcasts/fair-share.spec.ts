import { allowance, fairOrder, reserveShareOf } from './fair-share';

describe('fair sharing of dialer slots', () => {
  it('serves the account holding fewest slots per weight first, rotating ties', () => {
    const a = { tenantId: 'a', held: 450, weight: 1 };
    const b = { tenantId: 'b', held: 0, weight: 1 };
    const c = { tenantId: 'c', held: 0, weight: 1 };
    expect(fairOrder([a, b], 0).map((x) => x.tenantId)).toEqual(['b', 'a']);
    // a heavier plan holds more before it yields its turn
    const gold = { tenantId: 'g', held: 40, weight: 10 };
    const small = { tenantId: 's', held: 5, weight: 1 };
    expect(fairOrder([small, gold], 0).map((x) => x.tenantId)).toEqual(['g', 's']);
    expect(fairOrder([b, c], 0).map((x) => x.tenantId)).toEqual(['b', 'c']);
    expect(fairOrder([b, c], 1).map((x) => x.tenantId)).toEqual(['c', 'b']);
  });

  it('keeps the reserve from an account alone, and gives it to a newcomer', () => {
    // A alone with 500 free slots takes all but the reserve
    expect(allowance({ tenantId: 'a', held: 0, weight: 1 }, { free: 500, reserved: 50, dueWeight: 1 })).toBe(
      450,
    );
    // holding those 450, A takes none of the reserve
    expect(allowance({ tenantId: 'a', held: 450, weight: 1 }, { free: 50, reserved: 50, dueWeight: 2 })).toBe(
      0,
    );
    // B, holding none, starts at once from the reserve, up to a quarter of it
    expect(allowance({ tenantId: 'b', held: 0, weight: 1 }, { free: 50, reserved: 50, dueWeight: 2 })).toBe(
      reserveShareOf(50),
    );
    expect(reserveShareOf(50)).toBe(13);
    expect(allowance({ tenantId: 'b', held: 13, weight: 1 }, { free: 37, reserved: 50, dueWeight: 2 })).toBe(
      0,
    );
  });

  it('splits free slots among due accounts by weight', () => {
    const s = { free: 300, reserved: 0, dueWeight: 3 };
    expect(allowance({ tenantId: 'a', held: 0, weight: 1 }, s)).toBe(100);
    expect(allowance({ tenantId: 'g', held: 0, weight: 2 }, s)).toBe(200);
    expect(allowance({ tenantId: 'a', held: 0, weight: 1 }, { ...s, free: 0 })).toBe(0);
  });
});
