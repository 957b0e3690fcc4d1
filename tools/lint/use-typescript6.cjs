/**
 * Every `require('typescript')` in the lint process gets this package's TypeScript 6. npm installs
 * typescript-eslint here, beside TypeScript 6, but hoists helpers whose peer range the root's
 * TypeScript 7 satisfies (ts-api-utils) to the root node_modules, where they would load TypeScript 7:
 * its JavaScript entry only reports a version (no compiler API yet), and they crash on it.
 * Loaded first by index.js, before typescript-eslint.
 */
const Module = require('node:module');

const typescript6 = require.resolve('typescript');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'typescript' ? typescript6 : resolve.call(this, request, ...rest);
};
