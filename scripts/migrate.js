#!/usr/bin/env node
// `npm run migrate`: applies every service's pending migrations to DATABASE_URL (each in its own schema),
// the same way each service does at start.
const path = require('node:path');
const { ROOT, say, ensureInstalled, ensureBuilt } = require('./lib/workspace');
const { SERVICES } = require('./lib/registry');

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A service's schema (from the registry) and the entities and migrations its compiled module exports. */
function load(service) {
  const mod = require(path.join(ROOT, 'dist', 'apps', service.name, 'src', service.module));
  const entities = mod[`${service.exportPrefix}_ENTITIES`];
  const migrations = mod[`${service.exportPrefix}_MIGRATIONS`];
  if (!Array.isArray(entities) || !Array.isArray(migrations)) {
    throw new Error(
      `${service.name}: ${service.module} does not export ${service.exportPrefix}_ENTITIES/_MIGRATIONS`,
    );
  }
  return { schema: service.schema, entities, migrations };
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
