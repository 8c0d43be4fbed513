// Request bodies the gateway streams instead of parsing: raw audio and multipart uploads.
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { cutWhenIdle } from './object-transfer';

/** The body stream as it is; a client that sends nothing for STREAM_IDLE_TIMEOUT_MS meanwhile is cut. */
const passThrough = (
  req: FastifyRequest,
  payload: IncomingMessage,
  done: (err: Error | null, body?: unknown) => void,
) => {
  cutWhenIdle(req.raw.socket, payload);
  done(null, payload);
};

/** Audio and multipart bodies reach the handler as the request stream (no body limit, no buffering). */
export function registerStreamingBodies(fastify: FastifyInstance): void {
  fastify.addContentTypeParser(/^audio\/[A-Za-z0-9.+-]+/i, passThrough);
  fastify.addContentTypeParser('application/octet-stream', passThrough);
  // Kazoo's clients send multipart/mixed; curl's -F without -H, and Flexisip's VoicemailServer, form-data
  fastify.addContentTypeParser(/^multipart\/(mixed|form-data)(\s*;|\s*$)/i, passThrough);
}
