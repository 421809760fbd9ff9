// One lint configuration for the monorepo. Besides the usual TypeScript rules it
// enforces two architectural rules from docs/ARCHITECTURE.md:
// - settings are read only in an app's src/env.ts (process.env elsewhere is an error);
// - packages depend only on packages below them (core ← adapters ← channels ← apps);
// - the Kafka client library is imported only by packages/kafka (its KafkaClient,
//   kafkaAdmin, readTopic, StageConsumer, MessagePublisher stand for it elsewhere), so
//   the client can be swapped in one package (issue 19, item 2). Tests and benches may
//   still drive kafkajs directly.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// One rule entry per file set: ESLint's flat config replaces a rule's options for a
// file when a later block sets the same rule, so the Kafka client restriction rides in
// every block that sets no-restricted-imports.
const kafkaClientOnlyInKafka = {
  name: 'kafkajs',
  message:
    "Only packages/kafka imports the Kafka client: use @herald/kafka's KafkaClient, kafkaAdmin, withKafkaAdmin, readTopic, StageConsumer or MessagePublisher.",
};

// @platformatic/kafka (HERALD_KAFKA_CLIENT=platformatic) is held to the same rule.
const kafkaClientsOnlyInKafka = [
  kafkaClientOnlyInKafka,
  { ...kafkaClientOnlyInKafka, name: '@platformatic/kafka' },
];

const layer = (files, allowed, why, { kafkaClient = false } = {}) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: kafkaClient ? [] : kafkaClientsOnlyInKafka,
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
      'packages/{rules,templates,ratelimit,delivery,store,telemetry,runtime,schema-registry,subscriber-auth}/src/**',
    ],
    ['core'],
    'This package may depend on @herald/core only.',
  ),
  layer(['packages/kafka/src/**'], ['core'], 'This package may depend on @herald/core only.', {
    kafkaClient: true,
  }),
  layer(
    ['packages/routing/src/**'],
    ['core', 'rules', 'kafka', 'delivery'],
    "@herald/routing (the router's algorithm) may depend on @herald/core, rules, kafka and delivery only.",
  ),
  layer(
    ['packages/inbox/src/**'],
    ['core', 'store'],
    '@herald/inbox may depend on @herald/core and @herald/store only.',
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
          paths: [kafkaClientOnlyInKafka],
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
