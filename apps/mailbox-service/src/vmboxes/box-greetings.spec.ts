import { activeGreetings, greetingIdsOf } from './box-greetings';

describe('box greetings', () => {
  it('a temporary greeting overrides unavailable and busy while set; the name always plays', () => {
    expect(activeGreetings(['unavailable', 'busy', 'name', 'temporary'])).toEqual(['name', 'temporary']);
    expect(activeGreetings(['unavailable', 'busy', 'name'])).toEqual(['unavailable', 'busy', 'name']);
    expect(activeGreetings([])).toEqual([]);
  });

  it('reads the greeting ids of a box document, ignoring empty ones and other keys', () => {
    expect(greetingIdsOf({ media: { unavailable: 'a', busy: null, name: '', exit: 'x' } })).toEqual({
      unavailable: 'a',
    });
    expect(greetingIdsOf({ media: 'x' })).toEqual({});
    expect(greetingIdsOf({})).toEqual({});
  });
});
