// Coded domain errors: the only error vocabulary that crosses NATS. Faces map codes to their own shapes.
export enum ErrorCode {
  BadRequest = 'bad_request',
  ValidationFailed = 'validation_failed',
  Unauthenticated = 'unauthenticated',
  Forbidden = 'forbidden',
  NotFound = 'not_found',
  MethodNotAllowed = 'method_not_allowed',
  Conflict = 'conflict',
  RevisionConflict = 'revision_conflict',
  PayloadTooLarge = 'payload_too_large',
  RangeNotSatisfiable = 'range_not_satisfiable',
  UnsupportedMediaType = 'unsupported_media_type',
  Unprocessable = 'unprocessable',
  Locked = 'locked',
  RateLimited = 'rate_limited',
  /** Over a quota of the account (boxes, users...): Kazoo's 402, as crossbar answers for its limits. */
  QuotaExceeded = 'quota_exceeded',
  ServiceUnavailable = 'service_unavailable',
  Internal = 'internal',
}

export const HTTP_STATUS_OF: Record<ErrorCode, number> = {
  [ErrorCode.BadRequest]: 400,
  [ErrorCode.ValidationFailed]: 400,
  [ErrorCode.Unauthenticated]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.MethodNotAllowed]: 405,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.RevisionConflict]: 409,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.RangeNotSatisfiable]: 416,
  [ErrorCode.UnsupportedMediaType]: 415,
  [ErrorCode.Unprocessable]: 422,
  [ErrorCode.Locked]: 423,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.QuotaExceeded]: 402,
  [ErrorCode.ServiceUnavailable]: 503,
  [ErrorCode.Internal]: 500,
};

export type ErrorDetails = Record<string, unknown>;

/** `details.reason` of a RateLimited error from the failed-login limits (not a request rate or a busy queue). */
export const FAILED_LOGINS = 'failed_logins';

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: ErrorDetails;
}

const fieldDetails = (field: string, rule: string, message: string, cause?: unknown): ErrorDetails => ({
  [field]: { [rule]: { message, ...(cause !== undefined ? { cause } : {}) } },
});

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetails,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }

  static from(body: ErrorBody): DomainError {
    const code = Object.values(ErrorCode).includes(body.code) ? body.code : ErrorCode.Internal;
    return new DomainError(code, body.message, body.details);
  }

  static notFound(what = 'bad identifier'): DomainError {
    return new DomainError(ErrorCode.NotFound, what);
  }

  static forbidden(message: string, details?: ErrorDetails): DomainError {
    return new DomainError(ErrorCode.Forbidden, message, details);
  }

  /** `invalid data` (400) naming the field and the rule it breaks: `{field: {rule: {message, cause?}}}`. */
  static invalid(field: string, rule: string, message: string, cause?: unknown): DomainError {
    return new DomainError(
      ErrorCode.ValidationFailed,
      'invalid data',
      fieldDetails(field, rule, message, cause),
    );
  }

  /** `invalid data` (409): the field's value is another document's already (rule `unique`). */
  static taken(field: string, message: string, cause: unknown): DomainError {
    return new DomainError(ErrorCode.Conflict, 'invalid data', fieldDetails(field, 'unique', message, cause));
  }
}

export type Reply<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };
