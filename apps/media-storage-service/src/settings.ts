// media-storage-service settings beyond the object store: declared and validated in libs/config (MediaConfig).
export type { MediaSettings } from '@voxmail/config';

export const MEDIA_SETTINGS = Symbol('MEDIA_SETTINGS');
/** Time allowed to mailbox-service's commands (VMBOX_COMMAND_TIMEOUT_MS). */
export const MAILBOX_TIMEOUT_MS = Symbol('MAILBOX_TIMEOUT_MS');
