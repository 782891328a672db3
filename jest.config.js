// Tests run TypeScript through swc. got 14 and its dependencies ship ES modules only, so they are
// transformed too; everything else in node_modules is loaded as is.
const esmOnly = ['got', '@sindresorhus', 'byte-counter', 'cacheable-lookup', 'cacheable-request', 'get-stream', '@sec-ant',
  'is-stream', 'keyv', '@keyv', 'mimic-response', 'normalize-url', 'responselike', 'lowercase-keys', 'decompress-response',
  'form-data-encoder', 'p-cancelable'];
module.exports = {
  // Worker and SDK logs go to a file per test file, printed only for a failed test (test/support/test-logs.ts).
  testEnvironment: '<rootDir>/test/support/quiet-environment.ts',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  transformIgnorePatterns: [`node_modules/(?!(${esmOnly.join('|')})/)`],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 120000,
};
