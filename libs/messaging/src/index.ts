export * from './request-context';
export * from './logging';
export * from './metrics';
export * from './nats';
export * from './outbox';
export * from './consumer';
export * from './rpc';
export * from './service-kit';
