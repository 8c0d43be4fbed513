#!/usr/bin/env node
// `npm run deploy:generate`: writes docker-compose.yml and deploy/k8s from the service registry.
const fs = require('node:fs');
const path = require('node:path');
const { ROOT } = require('./lib/workspace');
const { generatedFiles } = require('./lib/deploy');

generatedFiles().then((files) => {
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(ROOT, rel);
    const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    if (before === text) continue;
    fs.writeFileSync(file, text);
    process.stdout.write(`wrote ${rel}\n`);
  }
});
