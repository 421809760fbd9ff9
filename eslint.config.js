// One lint configuration for the monorepo. Besides the usual TypeScript rules it
// enforces two architectural rules from docs/ARCHITECTURE.md:
// - settings are read only in an app's src/env.ts (process.env elsewhere is an error);
// - packages depend only on packages below them (core ← adapters ← channels ← apps).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (files, allowed, why) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: `^@herald/(?!(${allowed.join('|')})$)`,
            message: `${why} See "Dependency direction" in docs/ARCHITECTURE.md.`,
          },
        ],
      },
    ],
  },
});

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '.local/**',
      '.turbo/**',
      'bench-results/**',
      'helm/herald/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        Buffer: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message:
            "Read settings only in the app's src/env.ts (validated once at start-up) and pass them down.",
        },
      ],
    },
  },
  {
    // Where reading the environment is the point.
    files: [
      'apps/*/src/env.ts',
      'apps/*/src/main.ts',
      'tooling/**',
      'scripts/**',
      'examples/**',
      '**/*.spec.ts',
      '**/test/**',
      '**/bench/**',
      '*.config.js',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  layer(['packages/core/**'], [], '@herald/core depends on no other Herald package.'),
  layer(
    [
      'packages/{rules,templates,ratelimit,delivery,kafka,store,telemetry,runtime,schema-registry}/src/**',
    ],
    ['core'],
    'This package may depend on @herald/core only.',
  ),
  layer(
    ['packages/routing/src/**'],
    ['core', 'rules', 'kafka', 'delivery'],
    "@herald/routing (the router's algorithm) may depend on @herald/core, rules, kafka and delivery only.",
  ),
  layer(
    ['packages/operations/src/**'],
    ['core', 'rules', 'templates', 'kafka', 'store', 'delivery', 'telemetry', 'telemetry/lag'],
    '@herald/operations (what the CLI and the API share) may depend on core, rules, templates, kafka, store, delivery and telemetry only.',
  ),
  layer(
    ['packages/channels/src/**'],
    ['core'],
    "@herald/channels may depend on @herald/core only (provider limits are core's providerLimits).",
  ),
  {
    files: ['apps/**', 'packages/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '../../apps/*',
                '@herald/router',
                '@herald/worker',
                '@herald/auditor',
                '@herald/api',
                '@herald/cli',
              ],
              message: 'Nothing imports from an app; move shared logic into a package.',
            },
          ],
        },
      ],
    },
    ignores: ['**/test/**', 'packages/**/src/**'],
  },
);
