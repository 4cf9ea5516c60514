// Lint for src/, test/ and bench/: typescript-eslint's recommended rules with type information,
// so floating promises and misused async callbacks are found as well as the plain mistakes.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bin/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test()/describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // A variable a closure reads before its one assignment (a server's handler, a test's switch) stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Stand-ins and adapters implement promise-returning ports without always awaiting inside.
      '@typescript-eslint/require-await': 'off',
      // Koa types `next()` as Promise<any>: every middleware's `return next()` would be reported.
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Tests read JSON answers and the DOM (page.evaluate) as they come and pass assert's methods
    // around; the any-tracking rules are for the product's types, not for those.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      'no-regex-spaces': 'off',
      // Koa's app.callback() is handed to node:http's createServer, which ignores what it returns.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
);
