// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Module boundaries from shared/DESIGN.md: engines never import services, nothing imports cli.
const engines = ['k8s', 'policy', 'report', 'model', 'image', 'vuln', 'risk', 'simcluster'];
const services = ['store', 'central', 'sensor', 'collector', 'simcluster'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'bin/**', '.palisade/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  ...engines.map((engine) => ({
    files: [`src/${engine}/**/*.ts`],
    rules: {
      'no-restricted-imports': /** @type {import('eslint').Linter.RuleEntry} */ ([
        'error',
        {
          patterns: [
            {
              group: [...services, 'cli'].map((s) => `**/${s}/**`),
              message: 'engines never import services or the CLI (shared/DESIGN.md)',
            },
          ],
        },
      ]),
    },
  })),
  {
    // node:test's describe/it return promises that the runner itself awaits.
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
