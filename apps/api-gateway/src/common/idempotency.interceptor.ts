// Every route of every face runs inside the request's context: its id, and the client's `Idempotency-Key`
// (the command client puts it on the request's create command; the owning service answers a retry with
// the first reply). A key that is not 1-255 visible ASCII characters is a 400 in the face's shape.
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import { DomainError, ErrorCode } from '@voxmail/contracts';
import { isIdempotencyKey, runWithRequestContext } from '@voxmail/messaging';
import type { GatewayRequest } from './request';

export const IDEMPOTENCY_KEY = 'idempotency-key';

@Injectable()
export class IdempotencyKeyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<GatewayRequest>();
    const raw = req.headers[IDEMPOTENCY_KEY];
    if (raw !== undefined && !isIdempotencyKey(raw))
      throw new DomainError(
        ErrorCode.BadRequest,
        'Idempotency-Key must be 1 to 255 visible ASCII characters, sent once',
      );
    return new Observable((subscriber) =>
      runWithRequestContext({ requestId: String(req.id), idempotencyKey: raw }, () =>
        next.handle().subscribe(subscriber),
      ),
    );
  }
}
