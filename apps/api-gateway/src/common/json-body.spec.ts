import { Readable } from 'node:stream';
import { DomainError, HTTP_STATUS_OF } from '@voxmail/contracts';
import {
  isUnauthenticatedPath,
  JSON_LIMITS,
  JsonDepthScanner,
  MAX_JSON_BODY_BYTES,
  parseJsonBody,
  readJsonText,
  registerJsonBodies,
} from './json-body';

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

describe('readJsonText (issue 24: body limits cost the bytes read, up to the limit)', () => {
  /** 1 MB of `[` in 16 KiB chunks, one per turn of the event loop, as a slow client sends them. */
  const brackets = () => {
    let made = 0;
    const stream = new Readable({
      highWaterMark: 1,
      read() {
        setImmediate(() => {
          if (made >= 64) return void this.push(null);
          made++;
          this.push(Buffer.alloc(16 * 1024, '['));
        });
      },
    });
    return { stream, made: () => made };
  };

  it('refuses 1 MB of nested [ at the first chunk, before the rest arrives', async () => {
    const b = brackets();
    const { err, at } = await readJsonText(b.stream, MAX_JSON_BODY_BYTES).then(
      () => ({ err: undefined, at: b.made() }),
      (e: DomainError) => ({ err: e, at: b.made() }),
    );
    expect(err).toBeInstanceOf(DomainError);
    expect(err?.details).toHaveProperty(['data', 'maxDepth']);
    // refused when the first chunk arrived, not after the 64th
    expect(at).toBeLessThan(4);
  });

  it('refuses a body past its limit (413) whether declared or streamed', async () => {
    const body = () => Readable.from([Buffer.from(`{"data":{"a":"${'x'.repeat(20_000)}"}}`)]);
    const declared = await readJsonText(body(), 16 * 1024, 20_020).catch((e: DomainError) => e);
    expect((declared as DomainError).code).toBe('payload_too_large');
    const streamed = await readJsonText(body(), 16 * 1024).catch((e: DomainError) => e);
    expect((streamed as DomainError).code).toBe('payload_too_large');
    await expect(readJsonText(body(), MAX_JSON_BODY_BYTES)).resolves.toHaveLength(20_017);
  });

  it('follows strings: brackets and escaped quotes inside them are not nesting', () => {
    const s = new JsonDepthScanner();
    expect(s.push(`{"a":"${'['.repeat(100)}\\"${'{'.repeat(100)}"}`)).toBe(true);
    expect(new JsonDepthScanner().push('['.repeat(JSON_LIMITS.maxDepth))).toBe(true);
    expect(new JsonDepthScanner().push('['.repeat(JSON_LIMITS.maxDepth + 1))).toBe(false);
    // split across chunks
    const t = new JsonDepthScanner();
    expect(t.push('{"a":"\\')).toBe(true);
    expect(t.push(`"${'['.repeat(40)}"}`)).toBe(true);
  });

  it('parseJsonBody refuses deep nesting before parsing it', () => {
    expect(detailsOf('['.repeat(1_000_000))).toHaveProperty(['data', 'maxDepth']);
  });

  it('knows the routes that take no credential', () => {
    expect(isUnauthenticatedPath('/v2/api_auth')).toBe(true);
    expect(isUnauthenticatedPath('/v2/user_auth/?x=1')).toBe(true);
    expect(isUnauthenticatedPath('/openapi/v1.0/get_token')).toBe(true);
    expect(isUnauthenticatedPath('/v2/accounts/x/users')).toBe(false);
  });
});

describe('registerJsonBodies (a refused body closes its connection)', () => {
  it('answers Connection: close after a body over the limit, keep-alive otherwise', async () => {
    const Fastify = (await import('fastify')).default;
    const app = Fastify();
    registerJsonBodies(app, 1024);
    // the gateway's faces render DomainErrors; here, their status is enough
    app.setErrorHandler((e: DomainError, _req, reply) =>
      reply.status(HTTP_STATUS_OF[e.code] ?? 500).send({}),
    );
    app.put('/v2/api_auth', async () => ({ ok: true }));
    const big = await app.inject({
      method: 'PUT',
      url: '/v2/api_auth',
      headers: { 'content-type': 'application/json' },
      payload: `{"data":{"a":"${'x'.repeat(2000)}"}}`,
    });
    expect(big.statusCode).toBe(413);
    expect(big.headers.connection).toBe('close');
    const small = await app.inject({
      method: 'PUT',
      url: '/v2/api_auth',
      headers: { 'content-type': 'application/json' },
      payload: '{"data":{"a":"x"}}',
    });
    expect(small.statusCode).toBe(200);
    expect(small.headers.connection).not.toBe('close');
    await app.close();
  });
});
