// The account manager face's error rendering (Laravel's shape, flexisip.errors.ts), registered with
// common/faces.ts.
import { registerFace, retryAfter } from '../../common/faces';
import { flexisipError } from './flexisip.errors';

export const FLEXISIP_FACE = registerFace({
  name: 'flexisip',
  prefixes: ['/api'],
  renderError(e) {
    const { status, body } = flexisipError(e);
    return { status, body: JSON.stringify(body), headers: retryAfter(e) };
  },
  renderStatus: (status, message) => ({ status, body: JSON.stringify({ message }) }),
});
