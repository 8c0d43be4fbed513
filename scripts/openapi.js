#!/usr/bin/env node
// `npm run openapi`: writes docs/openapi/{face}.json, the OpenAPI 3.1 document of each face, generated from
// the gateway's route table and the schemas that validate requests (apps/api-gateway/src/ops/openapi.ts),
// and the TypeScript types of the Kazoo document for openapi-fetch clients (examples/kazoo-client/schema.d.ts,
// by openapi-typescript; e2e/src/kazoo-client-example.e2e-spec.ts fails when it differs from the document).
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, ensureBuilt } = require('./lib/workspace');
const { kazooClientTypes, KAZOO_CLIENT_TYPES } = require('./lib/kazoo-client-types');

ensureBuilt();
require('reflect-metadata');
const { openApiDocuments } = require(path.join(ROOT, 'dist/apps/api-gateway/src/ops/openapi'));
const dir = path.join(ROOT, 'docs', 'openapi');
fs.mkdirSync(dir, { recursive: true });
const docs = openApiDocuments(require('../package.json').version);

// formatted as the repository's prettier check expects it
const prettier = require('prettier');
(async () => {
  for (const [face, doc] of Object.entries(docs)) {
    const out = path.join(dir, `${face}.json`);
    const options = await prettier.resolveConfig(out);
    fs.writeFileSync(out, await prettier.format(JSON.stringify(doc), { ...options, filepath: out }));
    process.stdout.write(`wrote ${path.relative(ROOT, out)} (${Object.keys(doc.paths).length} paths)\n`);
  }
  const types = path.join(ROOT, KAZOO_CLIENT_TYPES);
  fs.mkdirSync(path.dirname(types), { recursive: true });
  fs.writeFileSync(types, await kazooClientTypes(docs.kazoo));
  process.stdout.write(`wrote ${path.relative(ROOT, types)}\n`);
})().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
