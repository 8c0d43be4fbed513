// The embedded S3 server in a process of its own, for `npm run bench`: in production the object store is
// a separate server, so the bench must not make its own process (which also drives the load) receive every
// byte the apps store. Prints one JSON line {endpoint, accessKey, secretKey} once listening; stops on SIGTERM.
'use strict';
const { randomBytes } = require('node:crypto');
const { testingLib } = require('../scripts/lib/workspace');

async function main() {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: node bench/s3-server.js <data folder>');
  const { startEmbeddedS3 } = testingLib();
  const s3 = await startEmbeddedS3({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    accessKey: 'VOXBENCH' + randomBytes(6).toString('hex').toUpperCase(),
    secretKey: randomBytes(30).toString('base64url'),
  });
  const stop = () =>
    s3.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write(
    JSON.stringify({ endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey }) + '\n',
  );
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
