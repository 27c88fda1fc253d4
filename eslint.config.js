import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'data/', 'node_modules/', 'coverage/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': 'off',
    },
  },
  {
    // The emulator stands alone: it must never reach into the product.
    files: ['emulator/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/src/**', '../src/*'], message: 'emulator/ imports nothing from src/' }] }],
    },
  },
  {
    // The pure core: no I/O, no clock, no environment.
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['stripe', 'fastify', 'kysely', 'better-sqlite3', 'pg', 'node:fs*', 'node:net', 'node:http*', '../store/*', '../stripe/*', '../http/*', '../worker/*', '../ingest/*'], message: 'domain/ does no I/O' },
        ],
      }],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'pass time in' },
        { object: 'process', property: 'env', message: 'configuration is read once in cli/' },
      ],
    },
  },
  {
    // The edges call operations: they may name the store's and Stripe's types, never use their values. The CLI's
    // composition root (cli/runtime.ts) is where configuration becomes a store and a Stripe client (decision 009).
    files: ['src/http/**/*.ts', 'src/adapters/**/*.ts', 'src/cli/**/*.ts'],
    ignores: ['src/cli/runtime.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/store/*', '**/store/**', '**/stripe/*', '**/stripe/**', 'stripe'], allowTypeImports: true, message: 'http/, adapters/ and cli/ call operations/; only types come from store/ and stripe/ (values: cli/runtime.ts)' },
        ],
      }],
    },
  },
);
