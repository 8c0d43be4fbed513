// The Kazoo face's error rendering, registered with common/faces.ts: the crossbar error envelope (pretty
// printed when asked); paths outside every face answer errors this way too.
import { prefixFaceOf, registerFace, retryAfter } from '../../common/faces';
import { kazooError, kazooErrorEnvelope, serialize } from './envelope';
import { wantsPretty } from './kazoo.interceptor';

export const KAZOO_FACE = registerFace({
  name: 'kazoo',
  prefixes: ['/v2'],
  fallback: true,
  renderError(e, req) {
    const { status, body } = kazooError(e, String(req.id), req.authToken);
    return { status, body: serialize(body, wantsPretty(req)), headers: retryAfter(e) };
  },
  renderStatus: (status, message, requestId) => ({
    status,
    body: serialize(kazooErrorEnvelope(status, message, { message }, requestId), false),
  }),
});

export const isKazooPath = (url: string | undefined): boolean => prefixFaceOf(url) === KAZOO_FACE.name;
