// Wraps Kazoo face results in the crossbar envelope and runs the handler inside the request's context.
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Observable } from 'rxjs';
import { runWithRequestContext } from '@voxmail/messaging';
import type { GatewayRequest } from '../../common/request';
import { KazooResult, kazooSuccess, serialize } from './envelope';

export function wantsPretty(req: GatewayRequest): boolean {
  const q = (req.query ?? {}) as Record<string, unknown>;
  return req.headers['x-pretty-print'] === 'true' || q.pretty_print === 'true';
}

@Injectable()
export class KazooInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<GatewayRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return new Observable((subscriber) =>
      runWithRequestContext({ requestId: String(req.id) }, () =>
        next.handle().subscribe({
          next: (r: KazooResult) => {
            const body = kazooSuccess(r, String(req.id), r.authToken ?? req.authToken);
            void reply.status(r.status ?? 200).header('Content-Type', 'application/json');
            subscriber.next(serialize(body, wantsPretty(req)));
          },
          error: (e) => subscriber.error(e),
          complete: () => subscriber.complete(),
        }),
      ),
    );
  }
}
