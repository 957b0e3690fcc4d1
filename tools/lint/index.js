/**
 * The lint tool chain, from this workspace's own node_modules: typescript-eslint needs the TypeScript
 * compiler API, which TypeScript 7 (the project's compiler, a native binary) does not offer yet, so this
 * package depends on TypeScript 6 and npm installs typescript-eslint beside it here, out of the root's
 * reach. The root eslint.config.js imports everything through this module.
 */
import './use-typescript6.cjs';
export { default as js } from '@eslint/js';
export { default as globals } from 'globals';
export { default as tseslint } from 'typescript-eslint';
export { importX } from 'eslint-plugin-import-x';
export { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
export { default as reactHooks } from 'eslint-plugin-react-hooks';
