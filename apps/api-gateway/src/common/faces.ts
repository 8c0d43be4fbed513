// Which API face a URL belongs to, and how that face shapes an error: the one place that decides, for
// errors from handlers, the router (404), Fastify (malformed JSON, body limits) and Node's HTTP parser
// (400, 414, 431), so every error of a face answers in that face's shape.
import type { Socket } from 'node:net';
import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError, ErrorCode, HTTP_STATUS_OF } from '@voxmail/contracts';
import { flexisipError } from '../faces/flexisip/flexisip.errors';
import { kazooError, kazooErrorEnvelope, serialize } from '../faces/kazoo/envelope';
import { wantsPretty } from '../faces/kazoo/kazoo.interceptor';
import { onbukaError, onbukaStatusError } from '../faces/onbuka/onbuka-errors';
import { YeastarCode, yeastarErrorBody, yeastarErrorObject } from '../faces/yeastar/yeastar.errors';
import { bareStatus, toDomainError } from './errors';
import type { GatewayRequest } from './request';

/** `yeastar_link`: the Yeastar play links, which answer failures with their HTTP status as well. */
export type Face = 'kazoo' | 'flexisip' | 'yeastar' | 'yeastar_link' | 'onbuka';

/** URL prefixes of the faces, longest first; other faces add theirs here. */
const FACE_PREFIXES: [string, Face][] = [
  ['/openapi/v1.0', 'yeastar'],
  ['/api/download', 'yeastar_link'],
  ['/openapi', 'yeastar'],
  ['/v2', 'kazoo'],
  ['/v3', 'onbuka'],
  ['/api', 'flexisip'],
];

const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: ErrorCode.BadRequest,
  404: ErrorCode.NotFound,
  405: ErrorCode.MethodNotAllowed,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.UnsupportedMediaType,
};
/** Paths outside every face (health, metrics, unknown prefixes) answer errors as the Kazoo face. */
const DEFAULT_FACE: Face = 'kazoo';

/** The face whose prefix `url` is under, or undefined (health, metrics, documents: no face). */
export function prefixFaceOf(url: string | undefined): Face | undefined {
  const path = (url ?? '').split('?')[0];
  for (const [prefix, face] of FACE_PREFIXES) {
    if (path === prefix || path.startsWith(`${prefix}/`)) return face;
  }
  return undefined;
}

export function faceOf(url: string | undefined): Face {
  return prefixFaceOf(url) ?? DEFAULT_FACE;
}

export const isKazooPath = (url: string | undefined): boolean => {
  const path = (url ?? '').split('?')[0];
  return path === '/v2' || path.startsWith('/v2/');
};

/** Every JSON answer carries exactly this type, as Kazoo sends it (jquery.kazoosdk compares it). */
export const JSON_TYPE = 'application/json';

export interface RenderedError {
  status: number;
  body: string;
}

export function renderDomainError(
  face: Face,
  e: DomainError,
  requestId: string,
  opts: { authToken?: string; pretty?: boolean } = {},
): RenderedError {
  switch (face) {
    case 'kazoo': {
      const { status, body } = kazooError(e, requestId, opts.authToken);
      return { status, body: serialize(body, !!opts.pretty) };
    }
    case 'flexisip': {
      const { status, body } = flexisipError(e);
      return { status, body: JSON.stringify(body) };
    }
    // a Yeastar PBX answers its API's failures with 200 and the code in the body (see yeastar.errors.ts)
    // only errors outside the face's controllers get here: a 404 is the router's, an unknown call
    case 'yeastar':
      return {
        // over a fair-share limit: 429 for clients that look, as the face's own filter answers it
        status: e.code === ErrorCode.RateLimited ? 429 : 200,
        body:
          e.code === ErrorCode.NotFound
            ? JSON.stringify(yeastarErrorObject(YeastarCode.InterfaceNotExisted))
            : yeastarErrorBody(e),
      };
    case 'yeastar_link':
      return { status: HTTP_STATUS_OF[e.code], body: yeastarErrorBody(e) };
    case 'onbuka': {
      const { status, body } = onbukaError(e);
      return { status, body: JSON.stringify(body) };
    }
  }
}

/** An error known only by its HTTP status (the transport's: 408, 414, 431...). */
export function renderStatusError(
  face: Face,
  status: number,
  message: string,
  requestId: string,
): RenderedError {
  switch (face) {
    case 'kazoo':
      return { status, body: serialize(kazooErrorEnvelope(status, message, { message }, requestId), false) };
    case 'onbuka':
      return onbukaStatusError(status, message);
    case 'yeastar':
    case 'yeastar_link':
      return {
        status,
        body: yeastarErrorBody(new DomainError(STATUS_CODES[status] ?? ErrorCode.BadRequest, message)),
      };
    case 'flexisip':
      return { status, body: JSON.stringify({ message }) };
  }
}

/**
 * Writes any error of a request of `face` in that face's shape: the one renderer behind every face's
 * filter and the framework filter below; nothing internal reaches the client.
 */
export function replyWithError(
  face: Face,
  exception: unknown,
  req: GatewayRequest,
  reply: FastifyReply,
  log: Logger,
): void {
  const bare = bareStatus(exception);
  if (bare) {
    const { status, body } = renderStatusError(face, bare.status, bare.message, String(req.id));
    void reply.status(status).header('Content-Type', JSON_TYPE).send(body);
    return;
  }
  const e = toDomainError(exception);
  if (e.code === ErrorCode.Internal) log.error({ err: exception }, 'unhandled error');
  const { status, body } = renderDomainError(face, e, String(req.id), {
    authToken: req.authToken,
    pretty: face === 'kazoo' && wantsPretty(req),
  });
  if (e.code === ErrorCode.ServiceUnavailable || e.code === ErrorCode.RateLimited) {
    const after = Number(e.details?.retry_after_s ?? 1);
    void reply.header('Retry-After', String(after));
  }
  void reply.status(status).header('Content-Type', JSON_TYPE).send(body);
}

/**
 * The framework's errors, raised where no face's filter is in scope (an unknown route, a malformed or
 * too large body, a URL refused before routing): answered in the shape of the face the URL's prefix
 * names. Errors of a face's own routes are caught by that face's filter first.
 */
@Catch()
export class FrameworkErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('Gateway');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<GatewayRequest>();
    replyWithError(faceOf(req.url), exception, req, http.getResponse<FastifyReply>(), this.log);
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
};

/** The longest request target the gateway reads; Kazoo URLs are a few hundred characters. */
export const MAX_URL_LENGTH = 8 * 1024;

/**
 * Errors of Node's HTTP parser, before Fastify has a request: written to the socket in the face's
 * shape (the face from the request line, when it could be read), with the CORS headers a browser
 * needs to read it.
 */
export function clientErrorHandler(corsHeaders: (origin: string | undefined) => Record<string, string>) {
  return (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const head = err.rawPacket ? err.rawPacket.subarray(0, 64 * 1024).toString('latin1') : '';
    const lineEnd = head.indexOf('\r\n');
    const requestLine = lineEnd >= 0 ? head.slice(0, lineEnd) : head;
    const target = /^[A-Z]+ (\S+)/.exec(requestLine)?.[1];
    let status = 400;
    let message = 'the request is malformed';
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      // Node counts the request line within its header limit: a long URL is 414, many headers 431
      if (lineEnd < 0 || lineEnd > MAX_URL_LENGTH) {
        status = 414;
        message = 'the request URI is too long';
      } else {
        status = 431;
        message = 'the request headers are too large';
      }
    } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408;
      message = 'the request took too long to arrive';
    }
    const origin = /\r\norigin:[ \t]*([^\r\n]*)/i.exec(head)?.[1]?.trim();
    const { body } = renderStatusError(faceOf(target), status, message, '');
    const headers: Record<string, string> = {
      'Content-Type': JSON_TYPE,
      'Content-Length': String(Buffer.byteLength(body)),
      Connection: 'close',
      ...corsHeaders(origin),
    };
    const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
    socket.end(`HTTP/1.1 ${status} ${REASONS[status]}\r\n${lines.join('\r\n')}\r\n\r\n${body}`);
  };
}
