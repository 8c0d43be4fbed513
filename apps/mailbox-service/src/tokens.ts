export const MAILBOX_SCHEMA = 'mailbox';
export const MAILBOX_CONFIG = Symbol('MAILBOX_CONFIG');
