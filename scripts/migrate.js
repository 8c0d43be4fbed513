#!/usr/bin/env node
// `npm run migrate`: applies every service's pending migrations to DATABASE_URL (each in its own schema),
// the same way each service does at start.
const path = require('node:path');
const { ROOT, say, ensureInstalled, ensureBuilt } = require('./lib/workspace');

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Where each service's compiled module exports its schema name, entities and migrations. */
const SERVICES = [
  { name: 'mailbox-service', module: 'mailbox.module', prefix: 'MAILBOX', schemaFrom: 'tokens' },
  { name: 'message-service', module: 'message.module', prefix: 'MESSAGE' },
  { name: 'media-storage-service', module: 'media.module', prefix: 'MEDIA' },
  { name: 'broadcast-dialer-service', module: 'dialer.module', prefix: 'DIALER' },
];

function load(service) {
  const dir = path.join(ROOT, 'dist', 'apps', service.name, 'src');
  const mod = require(path.join(dir, service.module));
  const schemaSource = service.schemaFrom ? require(path.join(dir, service.schemaFrom)) : mod;
  const schema = schemaSource[`${service.prefix}_SCHEMA`];
  const entities = mod[`${service.prefix}_ENTITIES`];
  const migrations = mod[`${service.prefix}_MIGRATIONS`];
  if (typeof schema !== 'string' || !Array.isArray(entities) || !Array.isArray(migrations)) {
    throw new Error(
      `${service.name}: ${service.module} does not export ${service.prefix}_SCHEMA/_ENTITIES/_MIGRATIONS`,
    );
  }
  return { schema, entities, migrations };
}

async function main() {
  ensureInstalled();
  ensureBuilt();
  require('reflect-metadata');
  const { createDataSource, runMigrations } = require('@voxmail/persistence');
  const url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  say(`migrating ${url.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@')}`);
  let failed = false;
  for (const service of SERVICES) {
    const { schema, entities, migrations } = load(service);
    const ds = createDataSource({
      url,
      schema,
      entities,
      migrations,
      applicationName: `voxmail-migrate-${schema}`,
    });
    try {
      await ds.initialize();
      const applied = await runMigrations(ds, schema);
      say(
        applied.length
          ? `${schema}: applied ${applied.join(', ')}`
          : `${schema}: up to date (${migrations.length} migration${migrations.length === 1 ? '' : 's'})`,
      );
    } catch (e) {
      failed = true;
      say(`${schema}: FAILED ${e.message}`);
    } finally {
      if (ds.isInitialized) await ds.destroy();
    }
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`npm run migrate failed: ${e.message}\n`);
    process.exit(1);
  },
);
