// The Yeastar OpenAPI error shape `{errcode, errmsg}` and the codes and messages of Yeastar P-Series'
// published table ("Error Code and Error Message", help.yeastar.com p-series developer guide), chosen
// once here from the platform's error codes. Clients act on `errmsg` (they log in again only on
// "TOKEN EXPIRED"), so each code answers its own published message.
import { DomainError, ErrorCode, FAILED_LOGINS } from '@voxmail/contracts';

/** Yeastar P-Series' published codes. */
export const YeastarCode = {
  InternalError: -2,
  Failure: -1,
  InterfaceNotExisted: 10001,
  /** TOKEN EXPIRED: the access token is missing, invalid, expired or revoked. */
  TokenExpired: 10004,
  /** ACCESS DENIED: wrong client credentials, or a credential that may not do this. */
  AccessDenied: 10005,
  /** PARAMETER SYNTAX ERROR: a required parameter is missing or malformed. */
  ParameterSyntax: 40001,
  /** PARAMETER ERROR: a parameter's value is not acceptable (an unsupported audio format). */
  ParameterError: 40002,
  /** DUPLICATE KEY VALUE: `is_check=ask` and a greeting of that file name exists. */
  DuplicateKey: 40003,
  /** FILE SIZE EXCEEDED: larger than 8 MB. */
  FileSizeExceeded: 40004,
  /** DATA NOT FOUND: no such owner, extension or greeting file. */
  DataNotFound: 60001,
  /** ACCOUNT IP BLOCKED: too many failed logins from this address (the login limits). */
  AccountIpBlocked: 70004,
} as const;

export type YeastarErrorCode = (typeof YeastarCode)[keyof typeof YeastarCode];

/** The published `errmsg` of each code, word for word. */
export const YEASTAR_MESSAGES: Record<YeastarErrorCode, string> = {
  [YeastarCode.InternalError]: 'INTERNAL SERVER ERROR',
  [YeastarCode.Failure]: 'FAILURE',
  [YeastarCode.InterfaceNotExisted]: 'INTERFACE NOT EXISTED',
  [YeastarCode.TokenExpired]: 'TOKEN EXPIRED',
  [YeastarCode.AccessDenied]: 'ACCESS DENIED',
  [YeastarCode.ParameterSyntax]: 'PARAMETER SYNTAX ERROR',
  [YeastarCode.ParameterError]: 'PARAMETER ERROR',
  [YeastarCode.DuplicateKey]: 'DUPLICATE KEY VALUE',
  [YeastarCode.FileSizeExceeded]: 'FILE SIZE EXCEEDED',
  [YeastarCode.DataNotFound]: 'DATA NOT FOUND',
  [YeastarCode.AccountIpBlocked]: 'ACCOUNT IP BLOCKED',
};

/** Extra fields of a failure the documents show beside the code (`invalid_param_list`). */
export type YeastarErrorFields = Record<string, unknown>;

/** A face error carrying its Yeastar code (the DomainError code keeps logs and metrics face-neutral). */
export class YeastarError extends DomainError {
  constructor(
    readonly errcode: YeastarErrorCode,
    code: ErrorCode,
    message: string,
    readonly fields: YeastarErrorFields = {},
  ) {
    super(code, message);
  }
}

/**
 * A wrong `username`/`password` on get_token, as the published "Response Result" page shows it:
 * `{"errcode": -1, "errmsg": "FAILURE", "invalid_param_list": [{"field": "username or password",
 * "value": "error"}]}`.
 */
export const wrongClientCredentials = () =>
  new YeastarError(YeastarCode.Failure, ErrorCode.Unauthenticated, 'invalid client credentials', {
    invalid_param_list: [{ field: 'username or password', value: 'error' }],
  });

export const missingParameter = (name: string) =>
  new YeastarError(YeastarCode.ParameterSyntax, ErrorCode.ValidationFailed, `${name} is required`);
export const notFound = (what: string) =>
  new YeastarError(YeastarCode.DataNotFound, ErrorCode.NotFound, `${what} not found`);
export const tokenExpired = () =>
  new YeastarError(YeastarCode.TokenExpired, ErrorCode.Unauthenticated, 'invalid or expired access token');

const CODE_OF: Partial<Record<ErrorCode, YeastarErrorCode>> = {
  [ErrorCode.BadRequest]: YeastarCode.ParameterSyntax,
  [ErrorCode.ValidationFailed]: YeastarCode.ParameterSyntax,
  [ErrorCode.Unauthenticated]: YeastarCode.TokenExpired,
  [ErrorCode.Forbidden]: YeastarCode.AccessDenied,
  [ErrorCode.NotFound]: YeastarCode.DataNotFound,
  [ErrorCode.MethodNotAllowed]: YeastarCode.InterfaceNotExisted,
  [ErrorCode.Conflict]: YeastarCode.DuplicateKey,
  [ErrorCode.PayloadTooLarge]: YeastarCode.FileSizeExceeded,
  [ErrorCode.UnsupportedMediaType]: YeastarCode.ParameterError,
  [ErrorCode.Unprocessable]: YeastarCode.ParameterError,
  [ErrorCode.Internal]: YeastarCode.InternalError,
};

export function yeastarCodeOf(e: DomainError): YeastarErrorCode {
  if (e instanceof YeastarError) return e.errcode;
  // Yeastar publishes a code for an address blocked after failed logins, none for a request rate or a
  // busy account: those are the generic failure (with HTTP 429 and Retry-After)
  if (e.code === ErrorCode.RateLimited)
    return e.details?.reason === FAILED_LOGINS ? YeastarCode.AccountIpBlocked : YeastarCode.Failure;
  return CODE_OF[e.code] ?? YeastarCode.Failure;
}

/** `{errcode, errmsg}` of a code: the published message of that code. */
export function yeastarErrorObject(errcode: YeastarErrorCode): { errcode: number; errmsg: string } {
  return { errcode, errmsg: YEASTAR_MESSAGES[errcode] };
}

/**
 * The body of a failed call. A Yeastar PBX answers its API's failures with HTTP 200, the code and its
 * published message in the body; the face does the same so an unchanged client sees what it knows.
 */
export function yeastarErrorBody(e: DomainError): string {
  const fields = e instanceof YeastarError ? e.fields : {};
  return JSON.stringify({ ...yeastarErrorObject(yeastarCodeOf(e)), ...fields });
}
