// One TypeORM data source per service, bound to the service's own PostgreSQL schema.
import { DataSource, DataSourceOptions as TypeOrmOptions } from 'typeorm';

export interface DataSourceOptions {
  url: string;
  schema: string;
  entities: NonNullable<TypeOrmOptions['entities']>;
  migrations: NonNullable<TypeOrmOptions['migrations']>;
  poolSize?: number;
  /** Time allowed to open one connection (DATABASE_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs?: number;
  applicationName?: string;
  /** TypeORM subscribers (libs/messaging's commit guard: command deadlines and idempotency keys). */
  subscribers?: NonNullable<TypeOrmOptions['subscribers']>;
}

export function createDataSource(o: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: o.url,
    schema: o.schema,
    entities: o.entities,
    migrations: o.migrations,
    subscribers: o.subscribers ?? [],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'all',
    synchronize: false,
    logging: false,
    applicationName: o.applicationName ?? o.schema,
    extra: { max: o.poolSize ?? 10, connectionTimeoutMillis: o.connectTimeoutMs ?? 5000 },
  });
}

/**
 * Runs the service's pending migrations. Replicas starting together serialize on an advisory lock
 * named after the schema, so only one applies them and the others find nothing left to do.
 */
export async function runMigrations(ds: DataSource, schema: string): Promise<string[]> {
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    await qr.query('SELECT pg_advisory_lock(hashtext($1))', [`voxmail-migrations:${schema}`]);
    await qr.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const done = await ds.runMigrations({ transaction: 'all' });
    return done.map((m) => m.name);
  } finally {
    await qr
      .query('SELECT pg_advisory_unlock(hashtext($1))', [`voxmail-migrations:${schema}`])
      .catch(() => undefined);
    await qr.release();
  }
}
