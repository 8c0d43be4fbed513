export * from './embedded-s3';
export * from './infra';
export * from './stack';
export * from './audio';
export * from './webhook-receiver';
export * from './sipp';
export * from './chaos';
export * from './kazoo';
