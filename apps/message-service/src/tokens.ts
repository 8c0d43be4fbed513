export const MESSAGE_SCHEMA = 'message';
/** The service's configuration (database URL names the projections' durable consumers). */
export const MESSAGE_SERVICE_CONFIG = Symbol('MESSAGE_SERVICE_CONFIG');
