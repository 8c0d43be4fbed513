// The Yeastar OpenAPI error shape `{errcode, errmsg: "FAILURE"}` and the codes of Yeastar P-Series'
// published table ("Error Code and Error Message"), chosen once here from the platform's error codes.
import { DomainError, ErrorCode } from '@voxmail/contracts';

/** Yeastar P-Series' published codes (errmsg on failure is always "FAILURE", as the documents show). */
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
} as const;

export type YeastarErrorCode = (typeof YeastarCode)[keyof typeof YeastarCode];

/** A face error carrying its Yeastar code (the DomainError code keeps logs and metrics face-neutral). */
export class YeastarError extends DomainError {
  constructor(
    readonly errcode: YeastarErrorCode,
    code: ErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}

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
  return CODE_OF[e.code] ?? YeastarCode.Failure;
}

/**
 * The body of a failed call. A Yeastar PBX answers its API's failures with HTTP 200 and the code in the
 * body, and its clients read `errcode`; the face does the same so an unchanged client sees what it knows.
 */
export function yeastarErrorBody(e: DomainError): string {
  return JSON.stringify({ errcode: yeastarCodeOf(e), errmsg: 'FAILURE' });
}
