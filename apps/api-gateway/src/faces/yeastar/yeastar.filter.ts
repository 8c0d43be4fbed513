// The face's error filters: every failure of `/openapi/v1.0`, and of the play links, in the document's
// shape (yeastar.face.ts), nothing internal.
import { faceErrorFilter } from '../../common/faces';
import { YEASTAR_FACE, YEASTAR_LINK_FACE } from './yeastar.face';

export const YeastarExceptionFilter = faceErrorFilter(YEASTAR_FACE);
export const YeastarDownloadFilter = faceErrorFilter(YEASTAR_LINK_FACE);
