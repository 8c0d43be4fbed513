#!/usr/bin/env node
// Turns V8 .cpuprofile files (from BENCH_CPU_PROFILE) into Markdown tables of self time: the top
// functions and the top modules (npm package, node internals, or the workspace file), as shares of the
// busy (non-idle) samples. Usage: node bench/profile-summary.js <dir> [top=15]
'use strict';
const fs = require('node:fs');
const path = require('node:path');

function moduleOf(url) {
  if (!url) return '(native/V8)';
  if (url.startsWith('node:')) return 'node internals';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const dist = url.indexOf('/dist/');
  return dist >= 0 ? url.slice(dist + 6) : url.replace(/^file:\/\//, '');
}

function summarize(file, top) {
  const p = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + dt);
  }
  const fns = new Map();
  const mods = new Map();
  let busy = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    const f = n.callFrame;
    if (f.functionName === '(idle)') {
      idle += us;
      continue;
    }
    busy += us;
    const mod = f.url ? moduleOf(f.url) : f.functionName || '(native/V8)';
    const key = `${f.functionName || '(anonymous)'} — ${mod}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    mods.set(mod, (mods.get(mod) ?? 0) + us);
  }
  const table = (m, head) =>
    [
      `| ${head} | self % of busy |`,
      '| --- | ---: |',
      ...[...m]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([k, us]) => `| ${k.replace(/\|/g, '\\|')} | ${((100 * us) / busy).toFixed(1)} |`),
    ].join('\n');
  const total = busy + idle;
  return [
    `### ${path.basename(file)}`,
    '',
    `busy ${(busy / 1e6).toFixed(1)} s of ${(total / 1e6).toFixed(1)} s profiled (${((100 * busy) / total).toFixed(0)}% on CPU)`,
    '',
    table(mods, 'module'),
    '',
    table(fns, 'function — module:line'),
    '',
  ].join('\n');
}

const [dir, top = '15'] = process.argv.slice(2);
for (const f of fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .sort()) {
  process.stdout.write(summarize(path.join(dir, f), Number(top)) + '\n');
}
