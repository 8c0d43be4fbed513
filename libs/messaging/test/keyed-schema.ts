// The medium tests' schema for commands under keys: a data source on its own schema, with the command
// commit guard (deadlines, idempotency keys) and the idempotency_keys table, plus the test's own tables.
import { DataSource } from 'typeorm';
import { createDataSource, idempotencyTableUp } from '@voxmail/persistence';
import { CommandCommitGuard } from '../src';

export async function keyedSchema(schema: string, ...tables: string[]): Promise<DataSource> {
  const ds = createDataSource({
    url: process.env.DATABASE_URL!,
    schema,
    entities: [],
    migrations: [],
    subscribers: [CommandCommitGuard],
  });
  await ds.initialize();
  await ds.query(`CREATE SCHEMA "${schema}"`);
  for (const sql of [...idempotencyTableUp(schema), ...tables]) await ds.query(sql);
  return ds;
}
