#!/usr/bin/env node
// `npm run config:docs`: writes README.md's configuration table (between its config:start/config:end
// markers) from the apps' configuration schemas in libs/config. A test fails when the two differ.
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, ensureBuilt } = require('./lib/workspace');

ensureBuilt();
const { withConfigTable } = require('@voxmail/config');
const file = path.join(ROOT, 'README.md');
const text = withConfigTable(fs.readFileSync(file, 'utf8'));
// aligned as the repository's prettier check expects it
const prettier = require('prettier');
prettier
  .resolveConfig(file)
  .then((options) => prettier.format(text, { ...options, filepath: file }))
  .then((formatted) => {
    fs.writeFileSync(file, formatted);
    process.stdout.write(`wrote the configuration table of ${path.relative(ROOT, file)}\n`);
  });
