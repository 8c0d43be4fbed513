// A command that meets a PostgreSQL outage answers a coded `service_unavailable` (the faces' 503 with
// Retry-After), not an internal error: the client is told to retry, and the service stays up.
import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { Observable, catchError, throwError } from 'rxjs';
import { DomainError, ErrorCode } from '@voxmail/contracts';
import { isDatabaseUnavailable } from '@voxmail/persistence';

export const databaseUnavailable = () =>
  new DomainError(ErrorCode.ServiceUnavailable, 'the database is unavailable; retry later', {
    retry_after_s: 1,
  });

/** Inside the reply interceptor: turns an error that says PostgreSQL is away into that coded error. */
@Injectable()
export class DatabaseOutageInterceptor implements NestInterceptor {
  private readonly log = new Logger('Commands');

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    return next.handle().pipe(
      catchError((e: unknown) => {
        if (e instanceof DomainError || !isDatabaseUnavailable(e)) return throwError(() => e);
        const subject = context.switchToRpc().getContext<{ getSubject(): string }>().getSubject();
        this.log.warn(`command ${subject}: database unavailable (${(e as Error).message})`);
        return throwError(() => databaseUnavailable());
      }),
    );
  }
}
