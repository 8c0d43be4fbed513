// Any error a handler, guard, pipe, the router or Fastify raises, as the DomainError a face renders.
import { HttpException } from '@nestjs/common';
import { DomainError, ErrorCode } from '@voxmail/contracts';

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

/** Transport statuses no domain error code names (414 URI too long, 408, 431): kept as they are. */
export function bareStatus(e: unknown): { status: number; message: string } | undefined {
  if (e instanceof DomainError || e instanceof HttpException) return undefined;
  const fe = e as { statusCode?: unknown; message?: unknown };
  const status = fe?.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500 || HTTP_CODES[status]) return undefined;
  return { status, message: typeof fe.message === 'string' ? fe.message : 'bad request' };
}
