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
    void reply.status(200).header('Content-Type', 'application/json').send(yeastarErrorBody(e));
  }
}
