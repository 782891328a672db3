// Tests run TypeScript through swc. got 14 and its dependencies ship ES modules only, so they are
// transformed too; everything else in node_modules is loaded as is.
const esmOnly = ['got', '@sindresorhus', '@szmarczak', 'cacheable-lookup', 'cacheable-request', 'decompress-response',
  'form-data-encoder', 'http2-wrapper', 'lowercase-keys', 'p-cancelable', 'responselike', 'mimic-response',
  'normalize-url', 'keyv', 'quick-lru', 'resolve-alpn', 'type-fest', 'chunk-data', 'byte-counter', 'get-stream', 'is-stream'];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  transformIgnorePatterns: [`node_modules/(?!(${esmOnly.join('|')})/)`],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 120000,
};
