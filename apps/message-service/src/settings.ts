// message-service settings beyond the common ones: declared and validated in libs/config (MessageConfig).
export type { MessageSettings } from '@voxmail/config';

export const MESSAGE_SETTINGS = Symbol('MESSAGE_SETTINGS');
