import { PassThrough, Readable } from 'node:stream';
import { DomainError, ErrorCode } from '@voxmail/contracts';
import { boundaryOf, eachPart, isJsonPart, MULTIPART_LIMITS, parsePartHeaders } from './multipart';

interface Got {
  contentType: string;
  filename?: string;
  body: string;
}

/** Feeds `body` in chunks of `size` bytes and collects every part. */
async function parts(body: string | Buffer, contentType: string, size = 1 << 20): Promise<Got[]> {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1');
  const chunks: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) chunks.push(b.subarray(i, i + size));
  const got: Got[] = [];
  await eachPart(Readable.from(chunks), contentType, async (p) => {
    const c: Buffer[] = [];
    for await (const x of p.stream) c.push(x as Buffer);
    got.push({
      contentType: p.contentType,
      ...(p.filename ? { filename: p.filename } : {}),
      body: Buffer.concat(c).toString('latin1'),
    });
  });
  return got;
}

async function refusal(p: Promise<unknown>): Promise<DomainError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(DomainError);
  return e as DomainError;
}

// Kazoo's own test client: lowercase content-type only, a CRLF before the first boundary, none after
// the closing one, an unquoted base64 boundary
const KAZOO_BOUNDARY = 'YWJjZGVm/Z2hp+a2xt==';
const kazooBody =
  `\r\n--${KAZOO_BOUNDARY}\r\ncontent-type: application/json\r\n\r\n{"data":{"folder":"new"}}` +
  `\r\n--${KAZOO_BOUNDARY}\r\ncontent-type: audio/mp3\r\n\r\nID3\x00\r\n--${KAZOO_BOUNDARY}--`;

describe('boundaryOf', () => {
  it('reads quoted and unquoted boundaries, with / = + in them', () => {
    expect(boundaryOf(`multipart/mixed; boundary=${KAZOO_BOUNDARY}`)).toBe(KAZOO_BOUNDARY);
    expect(boundaryOf('multipart/mixed; boundary="a b/c="')).toBe('a b/c=');
    expect(boundaryOf('multipart/mixed;boundary=abc; charset=utf-8')).toBe('abc');
    expect(boundaryOf('Multipart/Mixed; BOUNDARY=abc')).toBe('abc');
  });

  it('refuses a missing, empty or over-long boundary', () => {
    expect(boundaryOf('multipart/mixed')).toBeUndefined();
    expect(boundaryOf('multipart/mixed; boundary=')).toBeUndefined();
    expect(boundaryOf('multipart/mixed; boundary=""')).toBeUndefined();
    expect(boundaryOf(`multipart/mixed; boundary=${'x'.repeat(71)}`)).toBeUndefined();
  });
});

describe('parsePartHeaders', () => {
  it('lowercases names, joins folded lines and refuses garbage', () => {
    expect(
      parsePartHeaders('Content-Type: audio/wav\r\nContent-Disposition: attachment;\r\n name="x"'),
    ).toEqual({
      'content-type': 'audio/wav',
      'content-disposition': 'attachment; name="x"',
    });
    expect(() => parsePartHeaders('no colon here')).toThrow(DomainError);
    expect(() => parsePartHeaders(': empty name')).toThrow(DomainError);
  });
});

describe('eachPart', () => {
  it("reads Kazoo's client shape, split at every byte", async () => {
    const ct = `multipart/mixed; boundary=${KAZOO_BOUNDARY}`;
    const want = [
      { contentType: 'application/json', body: '{"data":{"folder":"new"}}' },
      { contentType: 'audio/mp3', body: 'ID3\x00' },
    ];
    for (const size of [1, 2, 3, 7, 13, 64, 1 << 20]) expect(await parts(kazooBody, ct, size)).toEqual(want);
  });

  it('reads Content-Disposition attachment and form-data parts, any order, with preamble and epilogue', async () => {
    const body =
      'This is the preamble.\r\n--B\r\nContent-Disposition: attachment; name="content"; filename="voice.mp3"\r\n' +
      'Content-Type: audio/mp3\r\n\r\nAUDIO\r\n--B\r\nContent-Disposition: form-data; name="content"; ' +
      'filename="message.json"\r\nContent-Type: application/json\r\n\r\n{}\r\n--B--\r\nthe epilogue\r\n--B\r\n';
    expect(await parts(body, 'multipart/mixed; boundary=B', 5)).toEqual([
      { contentType: 'audio/mp3', filename: 'voice.mp3', body: 'AUDIO' },
      { contentType: 'application/json', filename: 'message.json', body: '{}' },
    ]);
  });

  it('keeps binary bytes, CRLFs and near-boundaries inside a part', async () => {
    const audio = Buffer.concat([
      Buffer.from('\r\n--A\r\n-B\r\n--\r\n-'),
      Buffer.from([0, 255, 13, 10, 45, 45]),
    ]);
    const body = Buffer.concat([
      Buffer.from('--B\r\nContent-Type: audio/wav\r\n\r\n'),
      audio,
      Buffer.from('\r\n--B--'),
    ]);
    for (const size of [1, 4, 100]) {
      const got = await parts(body, 'multipart/mixed; boundary=B', size);
      expect(Buffer.from(got[0].body, 'latin1')).toEqual(audio);
    }
  });

  it('accepts transport padding after a delimiter and an empty header block', async () => {
    expect(await parts('--B  \r\n\r\nx\r\n--B--', 'multipart/mixed; boundary=B')).toEqual([
      { contentType: '', body: 'x' },
    ]);
  });

  it.each([
    ['no closing delimiter', '--B\r\ncontent-type: audio/wav\r\n\r\nRIFF'],
    ['ends inside the headers', '--B\r\ncontent-type: aud'],
    ['ends right after a delimiter', '--B\r\ncontent-type: audio/wav\r\n\r\nRIFF\r\n--B'],
    ['ends inside the closing delimiter', '--B\r\ncontent-type: audio/wav\r\n\r\nRIFF\r\n--B-'],
    ['no boundary at all', 'just some text'],
    ['empty body', ''],
    ['garbage after a delimiter', '--Bxyz\r\n\r\n\r\n--B--'],
    ['a delimiter inside headers', '--B\r\ncontent-type: a\r\n--B--'],
    ['a malformed header', '--B\r\nnot a header\r\n\r\nx\r\n--B--'],
  ])('refuses a body with %s as 400, and the part being read fails too', async (_what, body) => {
    const e = await refusal(parts(body, 'multipart/mixed; boundary=B', 3));
    expect(e.code).toBe(ErrorCode.BadRequest);
  });

  it('refuses too many parts, too large headers and too much preamble', async () => {
    const many = `${'--B\r\ncontent-type: text/plain\r\n\r\nx\r\n'.repeat(MULTIPART_LIMITS.parts + 1)}--B--`;
    expect((await refusal(parts(many, 'multipart/mixed; boundary=B'))).message).toMatch(/too many parts/);
    const big = `--B\r\nx-big: ${'a'.repeat(MULTIPART_LIMITS.headerBytes + 10)}\r\n\r\nx\r\n--B--`;
    expect((await refusal(parts(big, 'multipart/mixed; boundary=B', 100))).message).toMatch(/too large/);
    const pre = `${'p'.repeat(MULTIPART_LIMITS.outsideBytes + 1)}\r\n--B\r\n\r\nx\r\n--B--`;
    expect((await refusal(parts(pre, 'multipart/mixed; boundary=B', 1000))).message).toMatch(/outside/);
  });

  it('a handler awaiting something when the body is cut off sees its part fail, and no error escapes', async () => {
    const source = new PassThrough();
    let partError: unknown;
    const done = eachPart(source, 'multipart/mixed; boundary=B', async (p) => {
      // the body fails while this handler waits (as for the BeginUpload round trip)
      await new Promise((r) => setTimeout(r, 50));
      try {
        for await (const _ of p.stream) void _;
      } catch (e) {
        partError = e;
        throw e;
      }
    });
    source.write('--B\r\ncontent-type: audio/wav\r\n\r\nRIFF....');
    source.end();
    const e = await refusal(done);
    expect(e.message).toMatch(/cut off/);
    expect(partError).toBe(e);
  });

  it('a handler error stops reading and wins', async () => {
    const boom = new DomainError(ErrorCode.UnsupportedMediaType, 'no');
    const e = await refusal(
      eachPart(
        Readable.from([Buffer.from('--B\r\n\r\nx\r\n--B\r\n\r\ny\r\n--B--')]),
        'multipart/mixed; boundary=B',
        () => Promise.reject(boom),
      ),
    );
    expect(e).toBe(boom);
  });

  it('pauses the request while a part is not read (the audio is never buffered whole)', async () => {
    const source = new PassThrough({ highWaterMark: 1024 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let read = 0;
    const done = eachPart(source, 'multipart/mixed; boundary=B', async (p) => {
      await gate;
      for await (const c of p.stream) read += (c as Buffer).length;
    });
    source.write('--B\r\ncontent-type: audio/wav\r\n\r\n');
    let written = 0;
    const chunk = Buffer.alloc(16 * 1024, 1);
    while (source.write(chunk) && written < 10 * 1024 * 1024) written += chunk.length;
    // the writer was told to wait long before 10 MiB: the part holds at most its high-water mark
    expect(written).toBeLessThan(1024 * 1024);
    release();
    source.end('\r\n--B--');
    await done;
    expect(read).toBeGreaterThanOrEqual(written);
  });
});

describe('isJsonPart', () => {
  it('goes by content type, then by file name; a bare field is the metadata', () => {
    expect(isJsonPart({ contentType: 'application/json' })).toBe(true);
    expect(isJsonPart({ contentType: 'application/octet-stream', filename: 'm.json' })).toBe(true);
    expect(isJsonPart({ contentType: '' })).toBe(true);
    expect(isJsonPart({ contentType: '', filename: 'v.wav' })).toBe(false);
    expect(isJsonPart({ contentType: 'audio/mp3' })).toBe(false);
  });
});
