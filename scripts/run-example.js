#!/usr/bin/env node
// `npm run example:<name>`: runs examples/<name>.ts (transpiled with swc, already in the workspace, so
// the example needs no extra tool).
const fs = require('node:fs');
const path = require('node:path');
const { transformFileSync } = require('@swc/core');

const ROOT = path.join(__dirname, '..');
const name = process.argv[2];
if (!name || !/^[a-z-]+$/.test(name)) {
  process.stderr.write('usage: node scripts/run-example.js <name>   (examples/<name>.ts)\n');
  process.exit(2);
}
const src = path.join(ROOT, 'examples', `${name}.ts`);
const out = path.join(ROOT, 'tmp', 'examples', `${name}.js`);
const { code } = transformFileSync(src, {
  jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
  module: { type: 'commonjs' },
});
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, code);
require(out);
