// media-storage-service settings beyond the object store: declared and validated in libs/config (MediaConfig).
export type { MediaSettings } from '@voxmail/config';

export const MEDIA_SETTINGS = Symbol('MEDIA_SETTINGS');
