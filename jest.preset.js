// Shared Jest settings: TypeScript sources compiled by SWC (no build needed), @voxmail/* mapped to libs/*/src.
const path = require('node:path');

const swc = {
  swcrc: false,
  sourceMaps: 'inline',
  module: { type: 'commonjs' },
  jsc: {
    target: 'es2022',
    keepClassNames: true,
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
  },
};

/**
 * Test tiers, told apart by file name:
 *   small  src/**\/*.spec.ts            pure logic, no infrastructure
 *   medium test/**\/*.medium-spec.ts    one service with its real PostgreSQL and NATS
 *   e2e    e2e/src/**\/*.e2e-spec.ts    the whole stack over HTTP (the e2e project)
 */
const TIERS = {
  small: '<rootDir>/src/**/*.spec.ts',
  medium: '<rootDir>/test/**/*.medium-spec.ts',
  e2e: '<rootDir>/src/**/*.e2e-spec.ts',
};

// medium and e2e tests start services against real PostgreSQL, NATS and S3
const TEST_TIMEOUT_MS = 30000;

/** The tier `npm run test:small|test:medium|test:e2e` asks for (scripts/test.js sets it), or none: all. */
const ONLY_TIER = process.env.VOXMAIL_TEST_TIER;

/** The Jest config of the project in `dir` (its jest.config.js passes __dirname). */
function projectConfig(dir, tiers = ['small', 'medium']) {
  const wanted = ONLY_TIER ? tiers.filter((t) => t === ONLY_TIER) : tiers;
  return {
    displayName: path.basename(dir),
    rootDir: dir,
    testEnvironment: 'node',
    // class-validator and TypeORM keep their metadata on globalThis by design; Jest 30's clean-up of
    // globals between files only produces warnings when a closing app still reads them
    testEnvironmentOptions: { globalsCleanup: 'off' },
    // a project without tests of the asked tier matches nothing (an empty list would mean Jest's default)
    testMatch: wanted.length ? wanted.map((t) => TIERS[t]) : ['<rootDir>/no-tests-of-this-tier'],
    transform: { '^.+\\.ts$': ['@swc/jest', swc] },
    moduleFileExtensions: ['ts', 'js', 'json'],
    // absolute, so the depth of a project folder does not matter
    moduleNameMapper: { '^@voxmail/(.*)$': path.join(__dirname, 'libs/$1/src/index.ts') },
    setupFiles: ['reflect-metadata'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    testTimeout: TEST_TIMEOUT_MS,
  };
}

module.exports = { projectConfig, swc, TIERS, TEST_TIMEOUT_MS, ONLY_TIER };
