// The Yeastar face's error rendering, registered with common/faces.ts. A Yeastar PBX answers its API's
// failures with 200 and the code in the body (yeastar.errors.ts), but 429 over a fair-share limit (issue
// 24); the play links (`yeastar_link`) answer with their HTTP status as well.
import { DomainError, ErrorCode, HTTP_STATUS_OF } from '@voxmail/contracts';
import { registerFace, retryAfter } from '../../common/faces';
import { YeastarCode, yeastarErrorBody, yeastarErrorObject } from './yeastar.errors';

const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: ErrorCode.BadRequest,
  404: ErrorCode.NotFound,
  405: ErrorCode.MethodNotAllowed,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.UnsupportedMediaType,
};

const renderStatus = (status: number, message: string) => ({
  status,
  body: yeastarErrorBody(new DomainError(STATUS_CODES[status] ?? ErrorCode.BadRequest, message)),
});

export const YEASTAR_FACE = registerFace({
  name: 'yeastar',
  prefixes: ['/openapi/v1.0', '/openapi'],
  renderError(e, _req, routed) {
    // outside the face's controllers: a 404 is the router's, an unknown call
    if (!routed && e.code === ErrorCode.NotFound)
      return { status: 200, body: JSON.stringify(yeastarErrorObject(YeastarCode.InterfaceNotExisted)) };
    // over a fair-share limit: 429 for clients that look, wherever it is refused (issue 24)
    const limited = e.code === ErrorCode.RateLimited;
    return {
      status: limited ? 429 : 200,
      body: yeastarErrorBody(e),
      headers: !routed || limited ? retryAfter(e) : undefined,
    };
  },
  renderStatus,
});

export const YEASTAR_LINK_FACE = registerFace({
  name: 'yeastar_link',
  prefixes: ['/api/download'],
  renderError: (e, _req, routed) => ({
    status: HTTP_STATUS_OF[e.code],
    body: yeastarErrorBody(e),
    headers: routed ? undefined : retryAfter(e),
  }),
  renderStatus,
});
