import { serviceEntry } from '@voxmail/contracts';

export const MAILBOX_SCHEMA = serviceEntry('mailbox').schema;
export const MAILBOX_CONFIG = Symbol('MAILBOX_CONFIG');
