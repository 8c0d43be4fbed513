import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { accountOfObjectUrl, configureStreams, cutWhenIdle, StreamSlots } from './object-transfer';

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);

describe('stream slots (issue 24: per-account caps on audio streams)', () => {
  it('gives an account at most its cap, refuses more with 429, and counts accounts apart', () => {
    const slots = new StreamSlots(() => 2);
    const r1 = slots.acquire(A);
    slots.acquire(A);
    expect(() => slots.acquire(A)).toThrow(
      expect.objectContaining({ code: 'rate_limited', details: { retry_after_s: 1 } }),
    );
    expect(() => slots.acquire(B)).not.toThrow();
    r1();
    r1(); // a release is counted once
    expect(slots.inUse(A)).toBe(1);
    expect(() => slots.acquire(A)).not.toThrow();
  });

  it('names the account owning an object from its presigned URL, path-style or not', () => {
    const id = 'c'.repeat(32);
    expect(accountOfObjectUrl(`http://127.0.0.1:9000/voxmail/${A}/message/${id}?X-Amz-Signature=x`)).toBe(A);
    expect(accountOfObjectUrl(`https://voxmail.s3.example/${B}/greeting/${id}`)).toBe(B);
    expect(accountOfObjectUrl('http://127.0.0.1:9000/voxmail/elsewhere')).toBe('unknown');
  });
});

describe('cutWhenIdle (issue 24: a stream whose client sends or reads nothing is cut)', () => {
  let server: net.Server;
  let accepted: Promise<net.Socket>;
  let client: net.Socket;

  beforeEach(async () => {
    accepted = new Promise((resolve) => (server = net.createServer(resolve)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  });

  afterEach(async () => {
    client.destroy();
    await new Promise((r) => server.close(r));
  });

  it('destroys the socket after the idle time with no byte either way', async () => {
    configureStreams({ perAccount: 32, idleTimeoutMs: 200 });
    const socket = await accepted;
    socket.on('timeout', () => socket.destroy()); // what Node's HTTP server does when nobody claims it
    cutWhenIdle(socket, new EventEmitter());
    await new Promise((r) => socket.once('close', r));
    expect(socket.destroyed).toBe(true);
  });

  it('stops watching when the stream is over, leaving another timeout (keep-alive) alone', async () => {
    configureStreams({ perAccount: 32, idleTimeoutMs: 200 });
    const socket = await accepted;
    const over = new EventEmitter();
    cutWhenIdle(socket, over);
    over.emit('finish');
    expect(socket.timeout).toBe(0);
    cutWhenIdle(socket, over);
    socket.setTimeout(5000); // the keep-alive timeout Node sets after a response
    over.emit('close');
    expect(socket.timeout).toBe(5000);
  });
});
