export const MESSAGE_SCHEMA = 'message';
