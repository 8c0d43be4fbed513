// The account manager face's errors: every error of a Flexisip route in Laravel's shape
// (flexisip.errors.ts, rendered by common/faces.ts); nothing internal reaches the client.
import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { replyWithError } from '../../common/faces';
import type { GatewayRequest } from '../../common/request';

@Catch()
export class FlexisipExceptionFilter implements ExceptionFilter {
  private readonly log = new Logger('FlexisipFace');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    replyWithError(
      'flexisip',
      exception,
      http.getRequest<GatewayRequest>(),
      http.getResponse<FastifyReply>(),
      this.log,
    );
  }
}
