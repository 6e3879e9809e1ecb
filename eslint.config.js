import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'reports/**', '**/.data/**', '**/.turbo/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Type-aware rules for the TypeScript sources: a promise nobody awaits or catches is how a
    // result gets lost silently (an unhandled rejection, a push that never settles its row).
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['*.ts'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    // Adapters (router, sweep, widget, demo) use core's public API only, never its internals:
    // that is what keeps them thin and core free to change inside.
    files: ['packages/express-router/**', 'packages/sweep/**', 'packages/widget/**', 'apps/demo/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['@jobcannon/*/src/*', '@jobcannon/*/dist/*', '**/core/src/**', '**/hubspot-emulator/src/**'], message: 'Import the package entry point, not its internals.' },
        ],
      }],
    },
  },
  {
    // Core is framework-free: no HTTP framework, UI or scheduler in here.
    files: ['packages/core/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['express', 'react', 'react-dom', 'node-cron'].map((name) => ({ name, message: 'core stays framework-free' })),
      }],
    },
  },
);
