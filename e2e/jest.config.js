const { projectConfig } = require('../jest.preset');

// every answer of the gateway is checked against docs/openapi (src/openapi.setup.ts)
const config = projectConfig(__dirname, ['e2e']);
module.exports = { ...config, setupFilesAfterEnv: ['<rootDir>/src/openapi.setup.ts'] };
