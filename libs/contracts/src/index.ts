export * from './errors';
export * from './subjects';
export * from './events';
export * from './kazoo';
export * from './list-query';
export * from './validation';
export * from './schemas';
export * from './commands';
