// Maps every error on the Kazoo face to Kazoo's error envelope; nothing internal reaches the client.
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError, ErrorCode } from '@voxmail/contracts';
import type { GatewayRequest } from '../common/request';
import { kazooError, serialize } from './envelope';
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
    const e = toDomainError(exception);
    if (e.code === ErrorCode.Internal) this.log.error({ err: exception }, 'unhandled error');
    const { status, body } = kazooError(e, String(req.id), req.authToken);
    if (e.code === ErrorCode.ServiceUnavailable || e.code === ErrorCode.RateLimited) {
      const after = Number(e.details?.retry_after_s ?? 1);
      void reply.header('Retry-After', String(after));
    }
    void reply
      .status(status)
      .header('Content-Type', 'application/json')
      .send(serialize(body, wantsPretty(req)));
  }
}
