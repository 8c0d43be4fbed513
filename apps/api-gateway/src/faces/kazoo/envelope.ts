// The Kazoo crossbar envelope, built here and only here.
import { DomainError, ErrorCode, HTTP_STATUS_OF } from '@voxmail/contracts';

export interface KazooPage {
  page_size: number;
  start_key?: string;
  next_start_key?: string;
}

export interface KazooResult {
  data: unknown;
  revision?: string;
  status?: number;
  page?: KazooPage;
  /** For auth calls: the token to put in the envelope. */
  authToken?: string;
}

export function kazooSuccess(r: KazooResult, requestId: string, authToken?: string): Record<string, unknown> {
  return {
    ...(authToken ? { auth_token: authToken } : {}),
    data: r.data,
    ...(r.page ?? {}),
    // a revision is a real value or absent: never `"undefined"` (jquery.kazoosdk would send it back)
    ...(r.revision ? { revision: r.revision } : {}),
    request_id: requestId,
    status: 'success',
  };
}

const KAZOO_MESSAGES: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.ValidationFailed]: 'invalid data',
  [ErrorCode.NotFound]: 'bad identifier',
  [ErrorCode.Unauthenticated]: 'invalid credentials',
  [ErrorCode.Forbidden]: 'forbidden',
  [ErrorCode.MethodNotAllowed]: 'method not allowed',
};

export function kazooError(
  e: DomainError,
  requestId: string,
  authToken?: string,
): { status: number; body: Record<string, unknown> } {
  const status = HTTP_STATUS_OF[e.code];
  const message =
    e.code === ErrorCode.ValidationFailed ? 'invalid data' : e.message || KAZOO_MESSAGES[e.code] || 'error';
  const data =
    e.details && Object.keys(e.details).length
      ? e.details
      : { message: e.message || KAZOO_MESSAGES[e.code] || 'error' };
  return { status, body: kazooErrorEnvelope(status, message, data, requestId, authToken) };
}

/** The error envelope for a bare HTTP status (transport errors: 408, 414, 431...). */
export function kazooErrorEnvelope(
  status: number,
  message: string,
  data: unknown,
  requestId: string,
  authToken?: string,
): Record<string, unknown> {
  return {
    ...(authToken ? { auth_token: authToken } : {}),
    data,
    error: String(status),
    message,
    status: status >= 500 && status !== 503 ? 'fatal' : 'error',
    request_id: requestId,
  };
}

export function serialize(body: unknown, pretty: boolean): string {
  return pretty ? JSON.stringify(body, null, 4) : JSON.stringify(body);
}
