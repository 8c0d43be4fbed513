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
 * on close): `server.close()` alone waits for clients that keep their connection open. Streams in flight
 * get `graceMs` to finish; sessions still open then are destroyed.
 */
function withSessionClose<S extends http2.Http2Server | http2.Http2SecureServer>(
  server: S,
  graceMs: number,
): S {
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    session.setTimeout(HTTP2_SESSION_IDLE_MS, () => session.close());
  });
  const closeHttp2Sessions = () => {
    sessions.forEach((s) => s.close());
    if (sessions.size) setTimeout(() => sessions.forEach((s) => s.destroy()), graceMs).unref();
  };
  Object.assign(server, { closeHttp2Sessions });
  return server;
}

export const isHttp2 = (req: { httpVersionMajor?: number }): boolean => req.httpVersionMajor === 2;

/**
 * Once an HTTP/2 answer is written out, a request body nobody read is not waited for: the stream is ended
 * (RST_STREAM NO_ERROR, RFC 9113 section 8.1), as Node's HTTP/1.1 server discards it. Otherwise the stream
 * stays open (an upload refused before reading, a 401 before the body) and the session cannot close.
 */
function endUnreadStreams(handler: HttpHandler) {
  return (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): void => {
    if (isHttp2(req)) {
      const stream = req.stream;
      // the stream's own 'finish' (the answer sent, flow control included); the compatibility response's
      // 'finish' waits for the whole stream to close, which the unread body holds open
      stream.once('finish', () => {
        if (!req.readableEnded && !stream.closed && !stream.destroyed)
          stream.close(http2.constants.NGHTTP2_NO_ERROR);
      });
    }
    handler(req as unknown as IncomingMessage, res as unknown as ServerResponse);
  };
}

export function createGatewayServer(
  config: Pick<GatewayConfig, 'tls' | 'http2Cleartext' | 'shutdownTimeoutMs'>,
  handler: HttpHandler,
): GatewayServer {
  // the HTTP/2 compatibility API hands Http2ServerRequest/Response, which Fastify and the faces accept;
  // with allowHTTP1, an HTTP/1.1 connection on the same port gets the usual IncomingMessage
  if (config.tls) {
    const options: http2.SecureServerOptions = {
      cert: readFileSync(config.tls.certFile),
      key: readFileSync(config.tls.keyFile),
      allowHTTP1: true,
    };
    return withSessionClose(
      http2.createSecureServer(options, endUnreadStreams(handler)),
      config.shutdownTimeoutMs,
    );
  }
  if (config.http2Cleartext)
    return withSessionClose(http2.createServer(endUnreadStreams(handler)), config.shutdownTimeoutMs);
  return createServer(handler);
}

/**
 * The rest of a refused request body is not read: HTTP/1.1 closes the connection after the answer
 * (`Connection: close`). HTTP/2 forbids that header, and other requests share the connection: only the
 * refused stream is ended once its answer is out (endUnreadStreams).
 */
export function closeAfterAnswer(reply: FastifyReply): void {
  if (!isHttp2(reply.request.raw)) void reply.header('Connection', 'close');
}
