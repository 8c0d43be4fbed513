// The Kazoo face's errors: every error of a Kazoo route as the crossbar error envelope (kazoo.face.ts);
// nothing internal reaches the client.
import { faceErrorFilter } from '../../common/faces';
import { KAZOO_FACE } from './kazoo.face';

export const KazooExceptionFilter = faceErrorFilter(KAZOO_FACE);
