export const MEDIA_SCHEMA = 'media';
