// Lets a plain `node -r ./test/support/swc-register.js file.ts` run this repository's TypeScript, the
// way jest does (swc, CommonJS): the worker child processes of the kill tests start worker/main.ts
// through it, so they run exactly the production entry point without a build step.
'use strict';
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { transformSync } = require('@swc/core');

Module._extensions['.ts'] = function compileTypeScript(module, filename) {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    sourceMaps: 'inline',
    jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
