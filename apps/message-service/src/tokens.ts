import { serviceEntry } from '@voxmail/contracts';

export const MESSAGE_SCHEMA = serviceEntry('message').schema;
/** The service's configuration (database URL names the projections' durable consumers). */
export const MESSAGE_SERVICE_CONFIG = Symbol('MESSAGE_SERVICE_CONFIG');
