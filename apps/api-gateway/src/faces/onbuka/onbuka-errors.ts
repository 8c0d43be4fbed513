// Onbuka's error shape, `{"status": "<code>", "reason": "..."}`: HTTP 200 for Onbuka's coded errors, as
// Onbuka answers them (its clients read `status`); only the gateway's own failures keep a 5xx.
import { DomainError, ErrorCode, OnbukaCode } from '@voxmail/contracts';
import { OnbukaError } from './send-group';

export function onbukaError(e: DomainError | OnbukaError): {
  status: number;
  body: { status: string; reason: string };
} {
  if (e instanceof OnbukaError) return { status: 200, body: { status: e.status, reason: e.reason } };
  const coded = e.details?.onbuka_status;
  if (typeof coded === 'string') return { status: 200, body: { status: coded, reason: e.message } };
  switch (e.code) {
    case ErrorCode.Unauthenticated:
    case ErrorCode.Forbidden:
      return { status: 200, body: { status: OnbukaCode.AuthError, reason: 'authentication error' } };
    case ErrorCode.NotFound:
      return {
        status: 200,
        body: { status: OnbukaCode.DataNotExist, reason: e.message || 'data does not exist' },
      };
    case ErrorCode.RateLimited:
      return {
        status: 429,
        body: { status: '-50', reason: e.message || 'too many requests, try again later' },
      };
    case ErrorCode.ServiceUnavailable:
      return { status: 503, body: { status: '-50', reason: 'service unavailable, try again' } };
    case ErrorCode.Internal:
      return { status: 500, body: { status: '-99', reason: 'internal error' } };
    default:
      return {
        status: 200,
        body: { status: OnbukaCode.ParameterError, reason: e.message || 'parameter error' },
      };
  }
}

/** An error known only by its HTTP status (route not found, malformed request). */
export function onbukaStatusError(status: number, message: string): { status: number; body: string } {
  const code = status === 404 ? OnbukaCode.DataNotExist : OnbukaCode.ParameterError;
  return { status, body: JSON.stringify({ status: code, reason: message }) };
}
