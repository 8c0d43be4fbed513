export * from './data-source';
export * from './outbox-tables';
export * from './list-sql';
export * from './plain-rows';
export * from './sealed-secrets';
export * from './locks';
export * from './unavailable';
export * from './entity-repository';
