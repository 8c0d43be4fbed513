// Errors of the Onbuka face's handlers and guard, in Onbuka's shape (onbuka.face.ts).
import { faceErrorFilter } from '../../common/faces';
import { ONBUKA_FACE } from './onbuka.face';

export const OnbukaExceptionFilter = faceErrorFilter(ONBUKA_FACE);
