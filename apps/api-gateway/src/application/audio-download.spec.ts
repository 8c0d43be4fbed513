import { byteRange } from './audio-download';

describe('byteRange', () => {
  it('reads the Range forms players send', () => {
    expect(byteRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 });
    expect(byteRange('bytes=900-', 1000)).toEqual({ start: 900, end: 999 });
    expect(byteRange('bytes=-10', 1000)).toEqual({ start: 990, end: 999 });
    expect(byteRange('bytes=500-5000', 1000)).toEqual({ start: 500, end: 999 });
    expect(byteRange('bytes=1000-', 1000)).toBe('unsatisfiable');
    expect(byteRange(undefined, 1000)).toBeUndefined();
    expect(byteRange('bytes=0-1,5-6', 1000)).toBeUndefined();
    // range-parser's combining: adjacent ranges are one
    expect(byteRange('bytes=0-9,10-19', 1000)).toEqual({ start: 0, end: 19 });
  });

  it('answers the whole object for what is not a byte range, and 416 for what no byte satisfies', () => {
    expect(byteRange('items=0-9', 1000)).toBeUndefined();
    expect(byteRange('garbage', 1000)).toBeUndefined();
    expect(byteRange('bytes=-0', 1000)).toBe('unsatisfiable');
    expect(byteRange('bytes=5000-6000', 1000)).toBe('unsatisfiable');
    // a suffix longer than the object is all of it
    expect(byteRange('bytes=-5000', 1000)).toEqual({ start: 0, end: 999 });
  });
});
