// ESLint 9 flat config: typescript-eslint's recommended rules and Nx module boundaries between projects.
const js = require('@eslint/js');
const nx = require('@nx/eslint-plugin');
const tseslint = require('typescript-eslint');

const unusedVars = [
  'error',
  {
    argsIgnorePattern: '^_',
    varsIgnorePattern: '^_',
    caughtErrorsIgnorePattern: '^_',
    ignoreRestSiblings: true,
  },
];

/**
 * Apps depend on libs only, libs on libs only, shared libs on shared libs only; e2e may use anything.
 * The rule also refuses relative or absolute imports that cross a project's root, and imports of apps.
 */
const boundaries = (extra = {}) => [
  'error',
  {
    enforceBuildableLibDependency: false,
    allow: [],
    depConstraints: [
      { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
      { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
      { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['*'] },
      { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
    ],
    ...extra,
  },
];

module.exports = tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/.nx/**',
      '**/.voxmail-data/**',
      '**/coverage/**',
      '**/tmp/**',
    ],
  },
  {
    // and the web app's JSX (apps/web, Preact; type-checked by its own browser tsconfig)
    files: ['**/*.ts', 'apps/web/**/*.tsx'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': unusedVars,
      '@nx/enforce-module-boundaries': boundaries(),
    },
  },
  {
    // ES modules of tool configs (Vite's).
    files: ['**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module', ecmaVersion: 2022, globals: { URL: 'readonly' } },
  },
  {
    // "No `any` in domain code" (CONVENTIONS.md): tests and the test harness read arbitrary JSON replies.
    files: ['**/*.spec.ts', '**/*.medium-spec.ts', '**/*.e2e-spec.ts', 'libs/testing/src/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // End-to-end tests start the apps in the test process, through each app's bootstrap entry point.
    files: ['e2e/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries({ allow: ['^(\\.\\./)+apps/[a-z-]+/src/bootstrap$'] }),
    },
  },
  {
    // Plain Node scripts and tool configs (CommonJS).
    files: ['**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: {
      sourceType: 'commonjs',
      ecmaVersion: 2022,
      globals: {
        require: 'readonly',
        module: 'writable',
        exports: 'writable',
        __dirname: 'readonly',
        __filename: 'readonly',
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        fetch: 'readonly',
        AbortSignal: 'readonly',
        URL: 'readonly',
      },
    },
    rules: { 'no-unused-vars': unusedVars },
  },
);
