// The face's error filter: every failure of `/openapi/v1.0` in the document's shape, nothing internal.
import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError, ErrorCode } from '@voxmail/contracts';
import { toDomainError } from '../../common/errors';
import { yeastarErrorBody } from './yeastar.errors';

@Catch()
export class YeastarExceptionFilter implements ExceptionFilter {
  private readonly log = new Logger('YeastarFace');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const e = exception instanceof DomainError ? exception : toDomainError(exception);
    if (e.code === ErrorCode.Internal) this.log.error({ err: exception }, 'unhandled error');
    if (reply.sent) return;
    // over a fair-share limit (issue 24): the face's body, with 429 and Retry-After for clients that look
    const limited = e.code === ErrorCode.RateLimited;
    if (limited) void reply.header('Retry-After', String(Number(e.details?.retry_after_s ?? 1)));
    void reply
      .status(limited ? 429 : 200)
      .header('Content-Type', 'application/json')
      .send(yeastarErrorBody(e));
  }
}
