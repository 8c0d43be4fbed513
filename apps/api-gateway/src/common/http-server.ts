// The gateway's listening server by configuration: HTTP/1.1; HTTPS with HTTP/2 by ALPN (`h2`, as Flexisip's
// nghttp2 client speaks it) and HTTP/1.1 beside it; or cleartext HTTP/2 with prior knowledge (h2c).
import { readFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import * as http2 from 'node:http2';
import type { FastifyReply } from 'fastify';
import type { GatewayConfig } from '@voxmail/config';

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;
export type GatewayServer = Server | http2.Http2SecureServer | http2.Http2Server;

/** An HTTP/2 session idle this long is closed (GOAWAY), as Fastify's own HTTP/2 servers do. */
const HTTP2_SESSION_IDLE_MS = 72_000;

/**
 * Tracks the HTTP/2 sessions so that closing the gateway ends them (Fastify calls `closeHttp2Sessions`
 * on close): `server.close()` alone waits for clients that keep their connection open.
 */
function withSessionClose<S extends http2.Http2Server | http2.Http2SecureServer>(server: S): S {
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    session.setTimeout(HTTP2_SESSION_IDLE_MS, () => session.close());
  });
  // in-flight streams finish; no new ones are accepted
  Object.assign(server, { closeHttp2Sessions: () => sessions.forEach((s) => s.close()) });
  return server;
}

export function createGatewayServer(
  config: Pick<GatewayConfig, 'tls' | 'http2Cleartext'>,
  handler: HttpHandler,
): GatewayServer {
  // the HTTP/2 compatibility API hands Http2ServerRequest/Response, which Fastify and the faces accept
  const compat = handler as unknown as (
    req: http2.Http2ServerRequest,
    res: http2.Http2ServerResponse,
  ) => void;
  if (config.tls) {
    const options: http2.SecureServerOptions = {
      cert: readFileSync(config.tls.certFile),
      key: readFileSync(config.tls.keyFile),
      allowHTTP1: true,
    };
    return withSessionClose(http2.createSecureServer(options, compat));
  }
  if (config.http2Cleartext) return withSessionClose(http2.createServer(compat));
  return createServer(handler);
}

export const isHttp2 = (req: { httpVersionMajor?: number }): boolean => req.httpVersionMajor === 2;

/**
 * The rest of a refused request body is not read: HTTP/1.1 closes the connection after the answer
 * (`Connection: close`); HTTP/2 forbids that header and multiplexes other requests on the connection,
 * so only this stream is ended once the answer is sent (RST_STREAM NO_ERROR, RFC 9113 section 8.1).
 */
export function closeAfterAnswer(reply: FastifyReply): void {
  const req = reply.request.raw as IncomingMessage | http2.Http2ServerRequest;
  if (!isHttp2(req)) {
    void reply.header('Connection', 'close');
    return;
  }
  const stream = (req as http2.Http2ServerRequest).stream;
  // the stream's own 'finish' (the answer written out, flow control included); the compatibility
  // response's 'finish' waits for the whole stream to close, which the unread body holds open
  stream.once('finish', () => {
    if (!stream.destroyed && !stream.closed) stream.close(http2.constants.NGHTTP2_NO_ERROR);
  });
}
