// Request bodies the gateway streams instead of parsing: raw audio and multipart uploads.
import type { FastifyInstance } from 'fastify';

const passThrough = (_req: unknown, payload: unknown, done: (err: Error | null, body?: unknown) => void) =>
  done(null, payload);

/** Audio and multipart bodies reach the handler as the request stream (no body limit, no buffering). */
export function registerStreamingBodies(fastify: FastifyInstance): void {
  fastify.addContentTypeParser(/^audio\/[A-Za-z0-9.+-]+/i, passThrough);
  fastify.addContentTypeParser('application/octet-stream', passThrough);
  // Kazoo's clients send multipart/mixed; curl's -F without -H, and Flexisip's VoicemailServer, form-data
  fastify.addContentTypeParser(/^multipart\/(mixed|form-data)(\s*;|\s*$)/i, passThrough);
}
