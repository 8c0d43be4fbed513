// The Kazoo face's errors: every error of a Kazoo route as the crossbar error envelope (common/faces.ts
// renders it); nothing internal reaches the client.
import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { replyWithError } from '../../common/faces';
import type { GatewayRequest } from '../../common/request';

@Catch()
export class KazooExceptionFilter implements ExceptionFilter {
  private readonly log = new Logger('KazooFace');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    replyWithError(
      'kazoo',
      exception,
      http.getRequest<GatewayRequest>(),
      http.getResponse<FastifyReply>(),
      this.log,
    );
  }
}
