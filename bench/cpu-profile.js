// Preloaded into an app by `BENCH_CPU_PROFILE=<dir> npm run bench`: SIGUSR2 starts the V8 CPU profiler,
// the next SIGUSR2 writes <dir>/<app>-<pid>.cpuprofile. Only the load is profiled, not start-up or
// shutdown (node's --cpu-prof writes nothing when Nest re-raises SIGTERM).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const inspector = require('node:inspector');

const dir = process.env.BENCH_CPU_PROFILE;
const name = process.env.BENCH_APP_NAME || 'app';
const session = new inspector.Session();
session.connect();
let running = false;
process.on('SIGUSR2', () => {
  if (!running) {
    session.post('Profiler.enable', () =>
      session.post('Profiler.setSamplingInterval', { interval: 200 }, () =>
        session.post('Profiler.start', () => (running = true)),
      ),
    );
    return;
  }
  session.post('Profiler.stop', (err, { profile }) => {
    running = false;
    if (err) return;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(profile));
  });
});
