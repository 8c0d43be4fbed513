// A command that meets a PostgreSQL outage answers a coded `service_unavailable` (the faces' 503 with
// Retry-After), not an internal error: the client is told to retry, and the service stays up. The command
// server (`rpc.ts`) turns an error from a handler that says PostgreSQL is away into this one.
import { DomainError, ErrorCode } from '@voxmail/contracts';

export const databaseUnavailable = () =>
  new DomainError(ErrorCode.ServiceUnavailable, 'the database is unavailable; retry later', {
    retry_after_s: 1,
  });
