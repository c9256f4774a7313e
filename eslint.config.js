import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // schemas/*.check.mjs are generated (scripts/gen-schema.mjs).
    ignores: [
      'node_modules/',
      'dist/',
      'coverage/',
      '.cache/',
      'fixtures/',
      'test/fixtures/',
      'schemas/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The pure layers never touch the outside world: time, files and processes come in as arguments.
    files: ['src/plan/**/*.ts', 'src/graph/**/*.ts', 'src/schedule/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            'node:fs',
            'node:fs/promises',
            'node:child_process',
            'fs',
            'child_process',
            '@lydell/node-pty',
            'pidusage',
          ],
          patterns: ['../run/*', '../jobs/*', '../agent/*', '../cli/*'],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env' },
        { object: 'Date', property: 'now' },
      ],
    },
  },
);
