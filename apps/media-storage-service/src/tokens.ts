import { serviceEntry } from '@voxmail/contracts';

export const MEDIA_SCHEMA = serviceEntry('media').schema;
