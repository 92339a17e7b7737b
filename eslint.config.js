// @ts-check
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';

/**
 * Import boundaries (VS Code-style layering; test/architecture/boundaries.test.ts checks the same rules):
 *   electron/core  ↛ electron, main, preload, renderer
 *   renderer       ↛ anything of the core but the contract's types ($contract/…), node:*, electron
 *   electron/main  ↛ renderer
 */
const coreBoundary = {
  paths: [
    {
      name: 'electron',
      message: 'electron/core is plain Node: hosts (main, CLI, tests) bring Electron, the core never does.',
    },
  ],
  patterns: [
    {
      group: ['**/main/**', '**/preload/**', '**/renderer/**'],
      message: 'electron/core must not depend on its hosts.',
    },
  ],
};

/**
 * Writes to the cache take the write lock as their transaction begins (store/db.ts, writeTransaction says why): a
 * deferred transaction that writes fails with "database is locked" when another connection commits meanwhile.
 */
const cacheTransactionRules = [
  {
    selector: "CallExpression[callee.property.name='transaction']",
    message:
      'Use writeTransaction(db, fn) from store/db.ts: ' +
      'a deferred transaction that writes fails on a lock instead of waiting.',
  },
  {
    selector: 'CallExpression[callee.property.name=/^(exec|prepare)$/][arguments.0.value=/^\\s*BEGIN/i]',
    message: 'Use writeTransaction(db, fn), or beginReadSnapshot(db) on a read-only connection (store/db.ts).',
  },
  {
    selector: 'CallExpression[callee.property.name=/^(exec|prepare)$/][arguments.0.quasis.0.value.raw=/^\\s*BEGIN/i]',
    message: 'Use writeTransaction(db, fn), or beginReadSnapshot(db) on a read-only connection (store/db.ts).',
  },
];

export default ts.config(
  { ignores: ['out/**', 'node_modules/**', 'bench/results*.json', 'test-results/**'] },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['electron/core/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', coreBoundary],
      'no-restricted-syntax': ['error', ...cacheTransactionRules],
    },
  },
  {
    files: ['electron/main/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/renderer/**'], message: 'Main talks to the renderer over IPC only.' }] },
      ],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte', 'renderer/**/*.svelte.ts'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'], projectService: false },
    },
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer only talks to the core through window.rollbook.' }],
          patterns: [
            { group: ['node:*'], message: 'The renderer runs in a sandboxed page: no Node APIs.' },
            {
              group: ['**/electron/**'],
              message: 'The renderer sees the core only through its contract: import types from `$contract/…`.',
            },
            {
              group: ['$contract/*'],
              allowTypeImports: true,
              message: 'Import the contract as types only (`import type`); runtime calls go through window.rollbook.',
            },
          ],
        },
      ],
    },
  },
);
