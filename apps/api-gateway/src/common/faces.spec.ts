import type { Socket } from 'node:net';
import { corsHeadersFor } from './cors';
import { clientErrorHandler, faceOf } from './faces';
// the faces register their renderers when loaded (as the gateway's module tree loads them)
import '../faces/kazoo/kazoo.face';
import '../faces/flexisip/flexisip.face';
import '../faces/yeastar/yeastar.face';
import '../faces/onbuka/onbuka.face';

/** A socket that records what is written to it. */
function fakeSocket(): { socket: Socket; written: () => string } {
  let out = '';
  const socket = {
    writable: true,
    end: (s: string) => {
      out += s;
    },
    destroy: () => undefined,
  } as unknown as Socket;
  return { socket, written: () => out };
}

const parserError = (code: string, raw: string) =>
  Object.assign(new Error('parse error'), { code, rawPacket: Buffer.from(raw, 'latin1') });

describe('faces', () => {
  it('chooses the face by URL prefix, Kazoo for /v2 and by default', () => {
    expect(faceOf('/v2/accounts?x=1')).toBe('kazoo');
    expect(faceOf('/v2')).toBe('kazoo');
    expect(faceOf('/health/live')).toBe('kazoo');
    expect(faceOf(undefined)).toBe('kazoo');
  });

  it("answers Node's parser errors in the envelope: 414 for a long request line, 431 for big headers", () => {
    const handle = clientErrorHandler(corsHeadersFor(['*']));
    const long = fakeSocket();
    handle(parserError('HPE_HEADER_OVERFLOW', `GET /v2/x?${'a'.repeat(17000)}`), long.socket);
    expect(long.written()).toMatch(/^HTTP\/1\.1 414 URI Too Long\r\n/);
    const big = fakeSocket();
    handle(parserError('HPE_HEADER_OVERFLOW', `GET /v2/x HTTP/1.1\r\nX: ${'b'.repeat(17000)}`), big.socket);
    expect(big.written()).toMatch(/^HTTP\/1\.1 431 /);
    const bad = fakeSocket();
    handle(parserError('HPE_INVALID_METHOD', 'G\u0001T / HTTP/1.1\r\n'), bad.socket);
    const text = bad.written();
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text).toContain('\r\nContent-Type: application/json\r\n');
    expect(text).toContain('\r\nAccess-Control-Allow-Origin: *\r\n');
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toEqual(
      expect.objectContaining({ error: '400', status: 'error' }),
    );
  });

  it('with a list of allowed origins, answers only those (and names Vary: Origin)', () => {
    const cors = corsHeadersFor(['https://ui.example']);
    expect(cors('https://ui.example')).toEqual(
      expect.objectContaining({ 'Access-Control-Allow-Origin': 'https://ui.example', Vary: 'Origin' }),
    );
    expect(cors('https://evil.example')).toEqual({ Vary: 'Origin' });
    expect(cors(undefined)).toEqual({ Vary: 'Origin' });
  });
});
