// Test audio and requests for the Flexisip account manager face's e2e suite (its Opus audio is libs/testing's).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRawAnswer } from './openapi.setup';

export { opusFile } from '@voxmail/testing';

/** A `multipart/form-data` body with one part named `file`, as the VoicemailServer posts it. */
export function formData(
  file: Buffer,
  contentType: string,
  name = 'file',
  extra: Record<string, string> = {},
): { contentType: string; body: Buffer } {
  const boundary = `----voxmail${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const [k, v] of Object.entries(extra))
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  chunks.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="voicemail"\r\nContent-Type: ${contentType}\r\n\r\n`,
    ),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(chunks) };
}

/** The path and query of an absolute link, to send to the gateway under test. */
export function pathOf(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

/**
 * The body Flexisip's VoicemailServer posts (flexisip src/utils/transport/http/form-data.cc): one part
 * per file, its headers, its bytes, CRLF; then one more CRLF before the closing delimiter. The boundary is
 * `simple boundary`, quoted in the Content-Type.
 */
export function flexisipForm(recordPath: string, audio: Buffer): { contentType: string; body: Buffer } {
  const boundary = 'simple boundary';
  return {
    contentType: `multipart/form-data; boundary="${boundary}"`,
    body: Buffer.concat([
      Buffer.from(
        `--${boundary}\r\n` +
          `Content-Disposition: form-data; name="file"; filename="${recordPath}"\r\n` +
          `Content-Type: audio/wav\r\n\r\n`,
      ),
      audio,
      Buffer.from(`\r\n\r\n--${boundary}--\r\n`),
    ]),
  };
}

export interface H2Response {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
  /** Bytes of the request body sent when the answer came. */
  sent: number;
  /** The stream ended with the answer (within 2 s), even if the request body was not all sent. */
  ended: boolean;
}

/**
 * One HTTP/2 request on `session`, as nghttp2 sends Flexisip's (every header lowercase, a
 * `content-length` for every body, an empty DATA frame closing a GET). The body goes out in chunks and
 * stops as soon as the answer arrives.
 */
export function h2Request(
  session: http2.ClientHttp2Session,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer = Buffer.alloc(0),
  chunkSize = 16384,
): Promise<H2Response> {
  return new Promise((resolve, reject) => {
    const req = session.request(
      { ':method': method, ':path': path, 'content-length': String(body.length), ...headers },
      { endStream: false },
    );
    let sent = 0;
    let answered = false;
    let status = 0;
    let resHeaders: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    req.on('response', (h) => {
      answered = true;
      status = Number(h[':status']);
      resHeaders = h;
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // the session is the gateway's on loopback: the answer is checked against the documents
      checkRawAnswer(method, `http://127.0.0.1${path}`, status, resHeaders, Buffer.concat(chunks), body);
      // the answer is whole: was the stream ended too (both sides, or the server's RST_STREAM)?
      const deadline = Date.now() + 2000;
      const settle = () => {
        if (!req.closed && Date.now() < deadline) return void setTimeout(settle, 20);
        resolve({ status, headers: resHeaders, body: Buffer.concat(chunks), sent, ended: req.closed });
        // a body the server did not read is given up (Node's client keeps a stream whose upload the
        // server ended with RST_STREAM NO_ERROR until it is destroyed)
        if (!req.destroyed) req.destroy();
      };
      settle();
    });
    req.on('error', (e) => (answered ? undefined : reject(e)));
    const pump = () => {
      while (!answered && sent < body.length) {
        const c = body.subarray(sent, sent + chunkSize);
        sent += c.length;
        if (!req.write(c)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

/** A self-signed certificate for 127.0.0.1, made with the openssl CLI for this test run. */
export function selfSignedCert(): { certFile: string; keyFile: string; cert: Buffer; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'voxmail-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile, cert: readFileSync(certFile), dir };
}
