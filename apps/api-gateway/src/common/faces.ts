// Which API face a URL belongs to, and the one way an error of a face is written: for errors from
// handlers, the router (404), Fastify (malformed JSON, body limits) and Node's HTTP parser (400, 414, 431),
// so every error of a face answers in that face's shape. Each face registers how it renders (its
// `*.face.ts`, imported by its filter); this file knows none of them.
import type { Socket } from 'node:net';
import { ArgumentsHost, Catch, ExceptionFilter, Logger, Type } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError, ErrorCode } from '@voxmail/contracts';
import { bareStatus, toDomainError } from './errors';
import type { GatewayRequest } from './request';

/** Every JSON answer carries exactly this type, as Kazoo sends it (jquery.kazoosdk compares it). */
export const JSON_TYPE = 'application/json';

export interface RenderedError {
  status: number;
  body: string;
  /** Beyond Content-Type (Retry-After...). */
  headers?: Record<string, string>;
}

/** How one face answers errors, registered by the face itself. */
export interface FaceRenderer {
  /** The face's name (`yeastar_link`: the Yeastar play links, which answer failures with their HTTP status). */
  readonly name: string;
  /** The URL prefixes of its routes. */
  readonly prefixes: readonly string[];
  /** Paths outside every face (health, metrics, unknown prefixes) answer errors as this face. */
  readonly fallback?: boolean;
  /**
   * `e` as the face answers it; `routed`: raised by one of the face's routes (its filter), else by the
   * router or Fastify under its prefix (an unknown route, a malformed body).
   */
  renderError(e: DomainError, req: GatewayRequest, routed: boolean): RenderedError;
  /** An error known only by its HTTP status (the transport's: 408, 414, 431...). */
  renderStatus(status: number, message: string, requestId: string): RenderedError;
  /** The face's own errors that are no DomainError, rendered as they are (else undefined). */
  renderOwn?(exception: unknown): RenderedError | undefined;
}

const faces: FaceRenderer[] = [];
/** [prefix, face], longest prefix first. */
let prefixes: [string, FaceRenderer][] = [];

/** Called once by each face (its `*.face.ts`): its prefixes and renderers. */
export function registerFace(face: FaceRenderer): FaceRenderer {
  if (faces.some((f) => f.name === face.name)) throw new Error(`face ${face.name} registered twice`);
  faces.push(face);
  prefixes = faces
    .flatMap((f) => f.prefixes.map((p): [string, FaceRenderer] => [p, f]))
    .sort((a, b) => b[0].length - a[0].length);
  return face;
}

/** The face that answers the errors of `url` (its prefix's, else the fallback). */
export function rendererOf(url: string | undefined): FaceRenderer {
  const path = (url ?? '').split('?')[0];
  const face =
    prefixes.find(([prefix]) => path === prefix || path.startsWith(`${prefix}/`))?.[1] ??
    faces.find((f) => f.fallback);
  if (!face) throw new Error('no face registered for errors outside every face');
  return face;
}

/** The name of the face whose prefix `url` is under, or undefined (health, metrics, documents: no face). */
export function prefixFaceOf(url: string | undefined): string | undefined {
  const path = (url ?? '').split('?')[0];
  return prefixes.find(([prefix]) => path === prefix || path.startsWith(`${prefix}/`))?.[1].name;
}

/** The name of the face that answers the errors of `url`. */
export function faceOf(url: string | undefined): string {
  return rendererOf(url).name;
}

/** Retry-After for the errors that say when to come back (503, 429). */
export function retryAfter(e: DomainError): Record<string, string> | undefined {
  if (e.code !== ErrorCode.ServiceUnavailable && e.code !== ErrorCode.RateLimited) return undefined;
  return { 'Retry-After': String(Number(e.details?.retry_after_s ?? 1)) };
}

/** An error known only by its HTTP status, in the shape of the face of `url`. */
export function renderStatusError(
  url: string | undefined,
  status: number,
  message: string,
  requestId: string,
): RenderedError {
  return rendererOf(url).renderStatus(status, message, requestId);
}

/**
 * Writes any error of a request in `face`'s shape: the one writer behind every face's filter and the
 * framework filter below; nothing internal reaches the client.
 */
export function replyWithError(
  face: FaceRenderer,
  exception: unknown,
  req: GatewayRequest,
  reply: FastifyReply,
  log: Logger,
  routed = true,
): void {
  if (reply.sent) return;
  const bare = bareStatus(exception);
  let rendered = face.renderOwn?.(exception);
  if (!rendered && bare) rendered = face.renderStatus(bare.status, bare.message, String(req.id));
  if (!rendered) {
    const e = toDomainError(exception);
    if (e.code === ErrorCode.Internal) log.error({ err: exception }, 'unhandled error');
    rendered = face.renderError(e, req, routed);
  }
  void reply
    .status(rendered.status)
    .headers({ ...rendered.headers, 'Content-Type': JSON_TYPE })
    .send(rendered.body);
}

/** The exception filter of a face's controllers: every error of its routes in its shape. */
export function faceErrorFilter(face: FaceRenderer): Type<ExceptionFilter> {
  @Catch()
  class FaceErrorFilter implements ExceptionFilter {
    private readonly log = new Logger(`${face.name[0].toUpperCase()}${face.name.slice(1)}Face`);

    catch(exception: unknown, host: ArgumentsHost): void {
      const http = host.switchToHttp();
      const req = http.getRequest<GatewayRequest>();
      replyWithError(face, exception, req, http.getResponse<FastifyReply>(), this.log);
    }
  }
  return FaceErrorFilter;
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
    replyWithError(rendererOf(req.url), exception, req, http.getResponse<FastifyReply>(), this.log, false);
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
    const { body } = renderStatusError(target, status, message, '');
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
