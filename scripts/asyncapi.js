#!/usr/bin/env node
// `npm run asyncapi`: writes docs/asyncapi.json, the event catalogue, from libs/contracts.
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, ensureBuilt } = require('./lib/workspace');

ensureBuilt();
const { asyncApiDocument } = require('@voxmail/contracts');
const out = path.join(ROOT, 'docs', 'asyncapi.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
const json = JSON.stringify(asyncApiDocument(require('../package.json').version));
// formatted as the repository's prettier check expects it
const prettier = require('prettier');
prettier
  .resolveConfig(out)
  .then((options) => prettier.format(json, { ...options, filepath: out }))
  .then((text) => {
    fs.writeFileSync(out, text);
    process.stdout.write(`wrote ${path.relative(ROOT, out)}\n`);
  });
