import { DomainError } from '@voxmail/contracts';
import { JSON_LIMITS, parseJsonBody } from './json-body';

const detailsOf = (text: string) => {
  try {
    parseJsonBody(text);
  } catch (e) {
    return (e as DomainError).details;
  }
  throw new Error('accepted');
};

describe('parseJsonBody', () => {
  it('reads an empty or blank body as no data', () => {
    expect(parseJsonBody('')).toBeUndefined();
    expect(parseJsonBody(' \r\n\t')).toBeUndefined();
    expect(parseJsonBody('{"data":{"a":"\\ud83d\\ude00"}}')).toEqual({ data: { a: '\u{1F600}' } });
  });

  it('names the field holding a lone surrogate, in values, nested arrays and keys', () => {
    expect(detailsOf('{"data":{"name":"\\ud800"}}')).toHaveProperty(['name', 'type']);
    expect(detailsOf('{"data":{"a":[{"b":"x\\udc00"}]}}')).toHaveProperty(['a.0.b', 'type']);
    expect(detailsOf('{"data":{"\\udfffk":1}}')).toHaveProperty(['\udfffk', 'type']);
  });

  it('stops at the first key beyond the limit, whatever the body holds after it', () => {
    const keys = Array.from({ length: JSON_LIMITS.maxKeys + 1 }, (_, i) => `"k${i}":0`).join(',');
    expect(detailsOf(`{"data":{${keys}}}`)).toHaveProperty(['data', 'maxKeys']);
    const fine = Array.from({ length: JSON_LIMITS.maxKeys - 1 }, (_, i) => `"k${i}":0`).join(',');
    expect(Object.keys((parseJsonBody(`{"data":{${fine}}}`) as { data: object }).data)).toHaveLength(
      JSON_LIMITS.maxKeys - 1,
    );
  });

  it('refuses what is not JSON with a 400 that says so', () => {
    expect(() => parseJsonBody('{"data":')).toThrow('the body is not valid JSON');
  });
});
