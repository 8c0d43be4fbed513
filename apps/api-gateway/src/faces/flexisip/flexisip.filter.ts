// The account manager face's errors: every error of a Flexisip route in Laravel's shape
// (flexisip.face.ts); nothing internal reaches the client.
import { faceErrorFilter } from '../../common/faces';
import { FLEXISIP_FACE } from './flexisip.face';

export const FlexisipExceptionFilter = faceErrorFilter(FLEXISIP_FACE);
