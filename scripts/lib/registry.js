// The service registry (libs/contracts/src/services.json) for the plain-JS scripts, which run before the build.
const path = require('node:path');
const { ROOT } = require('./workspace');

const APPS = require(path.join(ROOT, 'libs', 'contracts', 'src', 'services.json')).apps;
const SERVICES = APPS.filter((a) => a.kind === 'service');
const GATEWAY = APPS.find((a) => a.kind === 'gateway');

module.exports = { APPS, SERVICES, GATEWAY };
