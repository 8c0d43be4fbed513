import { serviceEntry } from '@voxmail/contracts';

export const NOTIFICATION_SCHEMA = serviceEntry('notification').schema;
export const NOTIFICATION_CONFIG = Symbol('NOTIFICATION_CONFIG');
