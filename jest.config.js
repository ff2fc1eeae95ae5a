// One Jest run covers every package. Tests import workspace packages from their sources
// (moduleNameMapper), so `pnpm test` needs no build first.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/examples', '<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }],
  },
  moduleNameMapper: {
    '^@polybus/core/transport$': '<rootDir>/packages/core/src/kit/index.ts',
    '^@polybus/core/testing$': '<rootDir>/packages/core/src/testing/index.ts',
    '^@polybus/core/bridge$': '<rootDir>/packages/core/src/bridge/index.ts',
    '^@polybus/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
  },
  testTimeout: 60_000,
  // Integration tests share real brokers; two workers match the machines' two cores.
  maxWorkers: 2,
  // A broker client socket left open by a failing test must not keep CI waiting for ever.
  forceExit: true,
};
