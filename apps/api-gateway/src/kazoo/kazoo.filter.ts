// Maps every error the gateway's handlers, router and Fastify raise to the error shape of the request's
// face (common/faces.ts: the Kazoo envelope under /v2); nothing internal reaches the client.
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError, ErrorCode } from '@voxmail/contracts';
import type { GatewayRequest } from '../common/request';
import { faceOf, JSON_TYPE, renderDomainError, renderStatusError } from '../common/faces';
import { wantsPretty } from './kazoo.interceptor';

const HTTP_CODES: Record<number, ErrorCode> = {
  400: ErrorCode.BadRequest,
  401: ErrorCode.Unauthenticated,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  405: ErrorCode.MethodNotAllowed,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.UnsupportedMediaType,
  429: ErrorCode.RateLimited,
};

export function toDomainError(e: unknown): DomainError {
  if (e instanceof DomainError) return e;
  if (e instanceof HttpException) {
    const status = e.getStatus();
    const code = HTTP_CODES[status] ?? (status >= 500 ? ErrorCode.Internal : ErrorCode.BadRequest);
    const msg = status === 404 ? 'not found' : e.message;
    return new DomainError(code, msg);
  }
  const fe = e as { statusCode?: number; code?: string; message?: string };
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    // Fastify's own errors: malformed JSON, body too large, unsupported content type
    const code = HTTP_CODES[fe.statusCode] ?? ErrorCode.BadRequest;
    const message =
      fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || /JSON/.test(fe.message ?? '')
        ? 'the body is not valid JSON'
        : (fe.message ?? 'bad request');
    return new DomainError(code, message);
  }
  return new DomainError(ErrorCode.Internal, 'internal error');
}

@Catch()
export class KazooExceptionFilter implements ExceptionFilter {
  private readonly log = new Logger('KazooFace');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<GatewayRequest>();
    const reply = http.getResponse<FastifyReply>();
    const face = faceOf(req.url);
    const bare = bareStatus(exception);
    if (bare) {
      const { status, body } = renderStatusError(face, bare.status, bare.message, String(req.id));
      void reply.status(status).header('Content-Type', JSON_TYPE).send(body);
      return;
    }
    const e = toDomainError(exception);
    if (e.code === ErrorCode.Internal) this.log.error({ err: exception }, 'unhandled error');
    const { status, body } = renderDomainError(face, e, String(req.id), {
      authToken: req.authToken,
      pretty: wantsPretty(req),
    });
    if (e.code === ErrorCode.ServiceUnavailable || e.code === ErrorCode.RateLimited) {
      const after = Number(e.details?.retry_after_s ?? 1);
      void reply.header('Retry-After', String(after));
    }
    void reply.status(status).header('Content-Type', JSON_TYPE).send(body);
  }
}

/** Transport statuses no domain error code names (414 URI too long, 408, 431): kept as they are. */
function bareStatus(e: unknown): { status: number; message: string } | undefined {
  if (e instanceof DomainError || e instanceof HttpException) return undefined;
  const fe = e as { statusCode?: unknown; message?: unknown };
  const status = fe?.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500 || HTTP_CODES[status]) return undefined;
  return { status, message: typeof fe.message === 'string' ? fe.message : 'bad request' };
}
