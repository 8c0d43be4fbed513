// Every project's tests in one Jest run (npm test); `npx jest --selectProjects <name>` runs one of them.
// The apps are those of the service registry (libs/contracts/src/services.json), then every library
// with a jest.config.js, then the end-to-end suite: adding an app or a library adds no line here.
const fs = require('node:fs');
const path = require('node:path');
const { apps } = require('./libs/contracts/src/services.json');

const libs = fs
  .readdirSync(path.join(__dirname, 'libs'))
  .filter((l) => fs.existsSync(path.join(__dirname, 'libs', l, 'jest.config.js')))
  .sort();

// `npm run test:small|test:medium` need not even load the e2e project, nor test:e2e the others
const tier = require('./jest.preset').ONLY_TIER;
const wants = (tiers) => !tier || tiers.includes(tier);

module.exports = {
  // a global option: ignored inside `projects`, so the preset's value is repeated here
  testTimeout: require('./jest.preset').TEST_TIMEOUT_MS,
  projects: [
    ...(wants(['small', 'medium'])
      ? [
          ...apps.map((a) => `<rootDir>/apps/${a.name}/jest.config.js`),
          ...libs.map((l) => `<rootDir>/libs/${l}/jest.config.js`),
        ]
      : []),
    ...(wants(['e2e']) ? ['<rootDir>/e2e/jest.config.js'] : []),
  ],
};
