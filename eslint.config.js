// Flat config shared by every package and app: typescript-eslint's recommended type-aware rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/.nx/**',
      '**/coverage/**',
      '**/test-results/**',
      'tools/gcs-emulator/**',
      '**/*.d.ts',
      // Temporary files other tools write beside their config while nx runs lint in parallel with them:
      // tsup's bundled config, vite's timestamped config, the README example a test runs.
      '**/*.bundled_*.mjs',
      '**/*.timestamp-*.mjs',
      '**/.readme-example-*',
      // create-vertexkit's built templates: copies of the apps' files (linted there) and of its overlays.
      'packages/create-vertexkit/templates/**',
      'packages/create-vertexkit/.templates-*/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ['*.js', '*.mjs', '*.ts'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // node:test's test() returns a promise the runner awaits; the projects create-vertexkit writes use it as is.
    files: ['packages/create-vertexkit/overlays/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
