// Lint rules that keep the architecture visible (docs/adr/0001-workspace.md).
// Layers, lowest first: money → contracts → domain → engine / audit → runtime → service, cli.
// Domain, contracts and money never import a framework, a broker client or an ORM.
import nx from '@nx/eslint-plugin';

const frameworkFree = [
  '@nestjs/*',
  'kafkajs',
  'typeorm',
  'pg',
  '@opentelemetry/*',
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/node_modules', '**/dist', '**/.tools', 'infra/kafka/.cache', 'tmp', 'out'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:money', onlyDependOnLibsWithTags: [], bannedExternalImports: frameworkFree },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:money'], bannedExternalImports: frameworkFree },
            {
              sourceTag: 'type:domain',
              onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:money'],
              bannedExternalImports: [...frameworkFree, 'node:fs', 'fs', 'node:net', 'net', 'node:http', 'http'],
            },
            {
              sourceTag: 'type:engine',
              onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:money'],
              bannedExternalImports: frameworkFree,
            },
            {
              sourceTag: 'type:audit',
              onlyDependOnLibsWithTags: ['type:engine', 'type:domain', 'type:contracts', 'type:money'],
              bannedExternalImports: ['@nestjs/*', 'typeorm', 'pg'],
            },
            {
              sourceTag: 'type:infra',
              onlyDependOnLibsWithTags: ['type:infra', 'type:contracts', 'type:money'],
              bannedExternalImports: ['@nestjs/*'],
            },
            {
              sourceTag: 'type:runtime',
              // runtime libs compose each other (the Kafka runtime mounts the read models and telemetry)
              onlyDependOnLibsWithTags: ['type:runtime', 'type:infra', 'type:engine', 'type:domain', 'type:contracts', 'type:money'],
            },
            {
              sourceTag: 'type:service',
              onlyDependOnLibsWithTags: ['type:runtime', 'type:infra', 'type:domain', 'type:contracts', 'type:money'],
            },
            {
              sourceTag: 'type:cli',
              onlyDependOnLibsWithTags: ['type:audit', 'type:engine', 'type:infra', 'type:domain', 'type:contracts', 'type:money'],
            },
            {
              sourceTag: 'type:bench',
              onlyDependOnLibsWithTags: ['type:cli', 'type:audit', 'type:engine', 'type:runtime', 'type:infra', 'type:domain', 'type:contracts', 'type:money'],
            },
            { sourceTag: 'scope:margin', onlyDependOnLibsWithTags: ['scope:margin', 'scope:shared'] },
            { sourceTag: 'scope:liquidation', onlyDependOnLibsWithTags: ['scope:liquidation', 'scope:shared'] },
            { sourceTag: 'scope:default-fund', onlyDependOnLibsWithTags: ['scope:default-fund', 'scope:shared'] },
            { sourceTag: 'scope:loss-allocation', onlyDependOnLibsWithTags: ['scope:loss-allocation', 'scope:shared'] },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      // noUncheckedIndexedAccess makes `!` the honest way to say "this index exists"; invariants assert the rest.
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='constructor'][property.name='name']", message: 'Name types with string literals, never constructor.name (style.md §5).' },
      ],
    },
  },
  {
    // Determinism (design.md §3): deciders take time and ids from their inputs.
    files: ['libs/*-domain/src/**/*.ts', 'libs/contracts/src/**/*.ts', 'libs/money/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Take time from the command (occurredAt), never the clock.' },
        { object: 'Math', property: 'random', message: 'Derive ids and choices from inputs (e.g. a seeded generator passed in).' },
        { object: 'process', property: 'env', message: 'Parameters are events; configuration is read by the shell, not the domain.' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'new Date() reads the clock; take time from the command.' },
        { selector: "MemberExpression[object.name='constructor'][property.name='name']", message: 'Name types with string literals, never constructor.name (style.md §5).' },
      ],
    },
  },
];
