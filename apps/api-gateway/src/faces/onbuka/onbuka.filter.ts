// Errors of the Onbuka face's handlers and guard, in Onbuka's shape (onbuka-errors.ts).
import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError, ErrorCode } from '@voxmail/contracts';
import { toDomainError } from '../../common/errors';
import { onbukaError } from './onbuka-errors';
import { OnbukaError } from './send-group';

@Catch()
export class OnbukaExceptionFilter implements ExceptionFilter {
  private readonly log = new Logger('OnbukaFace');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const e = exception instanceof OnbukaError ? exception : toDomainError(exception);
    if (e instanceof DomainError && e.code === ErrorCode.Internal)
      this.log.error({ err: exception }, 'unhandled error');
    const { status, body } = onbukaError(e);
    if (status === 503) void reply.header('Retry-After', '1');
    if (status === 429 && e instanceof DomainError)
      void reply.header('Retry-After', String(Number(e.details?.retry_after_s ?? 1)));
    void reply.status(status).header('Content-Type', 'application/json').send(JSON.stringify(body));
  }
}
