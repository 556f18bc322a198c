import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'data/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '.tmp/**'] },
  js.configs.recommended,
  // Type-checked: catches floating promises, promises handed where a callback returns nothing,
  // objects stringified as «[object Object]» (a File read from a form as text), and the like.
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.browser },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      // Solid's handlers may be async: what they return is ignored, and each catches its own errors.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      // Y.Text has a toString() at run time (its text) that its typings leave out.
      '@typescript-eslint/no-base-to-string': ['error', { ignoredTypeNames: ['Error', 'RegExp', 'URL', 'URLSearchParams', 'YText'] }],
    },
  },
  // The LMDB stores answer the async storage contract (store/contract.ts) from synchronous reads:
  // their methods are async without awaiting, so that a throw still reaches the caller as a rejection.
  {
    files: ['sync-server/store/*.ts', 'sync-server/documents/{blobRefs,blobStore,documentRecords,signatureImages,vaultLinks}.ts'],
    ignores: ['**/*.test.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  // Plain JavaScript outside the TypeScript project (the service worker, this file): no types to check.
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
);
