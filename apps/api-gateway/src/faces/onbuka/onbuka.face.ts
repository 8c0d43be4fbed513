// The Onbuka face's error rendering (onbuka-errors.ts), registered with common/faces.ts: the face's own
// coded answers (OnbukaError) as they are, any other error mapped to Onbuka's codes.
import { registerFace, retryAfter } from '../../common/faces';
import { onbukaError, onbukaStatusError } from './onbuka-errors';
import { OnbukaError } from './send-group';

export const ONBUKA_FACE = registerFace({
  name: 'onbuka',
  prefixes: ['/v3'],
  renderOwn(exception) {
    if (!(exception instanceof OnbukaError)) return undefined;
    const { status, body } = onbukaError(exception);
    return { status, body: JSON.stringify(body) };
  },
  renderError(e) {
    const { status, body } = onbukaError(e);
    return { status, body: JSON.stringify(body), headers: retryAfter(e) };
  },
  renderStatus: onbukaStatusError,
});
