// Every project's tests in one Jest run (npm test); `npx jest --selectProjects <name>` runs one of them.
module.exports = {
  // a global option: ignored inside `projects`, so the preset's value is repeated here
  testTimeout: require('./jest.preset').TEST_TIMEOUT_MS,
  projects: [
    '<rootDir>/apps/api-gateway/jest.config.js',
    '<rootDir>/apps/mailbox-service/jest.config.js',
    '<rootDir>/apps/message-service/jest.config.js',
    '<rootDir>/apps/media-storage-service/jest.config.js',
    '<rootDir>/apps/broadcast-dialer-service/jest.config.js',
    '<rootDir>/apps/notification-service/jest.config.js',
    '<rootDir>/libs/config/jest.config.js',
    '<rootDir>/libs/contracts/jest.config.js',
    '<rootDir>/libs/messaging/jest.config.js',
    '<rootDir>/libs/persistence/jest.config.js',
    '<rootDir>/libs/testing/jest.config.js',
    '<rootDir>/e2e/jest.config.js',
  ],
};
