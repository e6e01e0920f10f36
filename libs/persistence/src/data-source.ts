import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { AccountReadModelEntity } from './entities/account.read-model.entity';
import { DefaultCaseEntity } from './entities/default-case.entity';
import { FundBalanceReadModelEntity } from './entities/fund-balance.read-model.entity';
import { JournalPositionEntity } from './entities/journal-position.entity';
import { ParameterReadModelEntity } from './entities/parameter.read-model.entity';
import { JournalAnchorEntity } from './entities/journal-anchor.entity';
import { ReadModelOwnerEntity } from './entities/read-model-owner.entity';
import { ReadModelPositionEntity } from './entities/read-model-position.entity';
import { FoldSnapshotEntity } from './entities/snapshot.entity';
import { InitialSchema1795392000000 } from './migrations/1795392000000-initial-schema.migration';
import { ReadModels1795478400000 } from './migrations/1795478400000-read-models.migration';
import { NamespacedReadModels1795651200000 } from './migrations/1795651200000-namespaced-read-models.migration';
import { FoldSnapshots1796256000000 } from './migrations/1796256000000-fold-snapshots.migration';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/ccp';

export const PERSISTENCE_ENTITIES = [
  JournalPositionEntity,
  FoldSnapshotEntity,
  AccountReadModelEntity,
  FundBalanceReadModelEntity,
  DefaultCaseEntity,
  ReadModelPositionEntity,
  ReadModelOwnerEntity,
  JournalAnchorEntity,
  ParameterReadModelEntity,
] as const;

/** In order; a new migration is appended, never edited once committed. */
export const PERSISTENCE_MIGRATIONS = [InitialSchema1795392000000, ReadModels1795478400000, NamespacedReadModels1795651200000, FoldSnapshots1796256000000] as const;

export const MIGRATIONS_TABLE = 'typeorm_migrations';

export function databaseUrlFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env['DATABASE_URL']?.trim() || DEFAULT_DATABASE_URL;
}

export interface PersistenceOptions {
  /** postgres://user@host:port/database (default: DATABASE_URL, else the local ccp database) */
  readonly url?: string;
  /** a PostgreSQL schema to hold every table (default: the server's search_path, i.e. public) */
  readonly schema?: string;
  readonly applicationName?: string;
  readonly poolSize?: number;
  readonly logging?: boolean;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The one way to reach PostgreSQL: TypeORM with the schema owned by migrations (`synchronize`
 * is off, always; docs/adr/0003-postgres-and-migrations.md). Call `initialize()` on the result.
 */
export function createDataSource(options: PersistenceOptions = {}): DataSource {
  const schema = options.schema;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`schema must match ${SCHEMA_NAME.source}; got '${schema}'`);
  }
  const dataSourceOptions: DataSourceOptions = {
    type: 'postgres',
    url: options.url ?? databaseUrlFromEnv(),
    applicationName: options.applicationName ?? 'ccp',
    poolSize: options.poolSize ?? 5,
    synchronize: false,
    migrationsRun: false,
    dropSchema: false,
    entities: [...PERSISTENCE_ENTITIES],
    migrations: [...PERSISTENCE_MIGRATIONS],
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'each',
    logging: options.logging ?? false,
    // Raw SQL in migrations uses unqualified names: the search_path puts them in the schema.
    ...(schema !== undefined ? { schema, extra: { options: `-c search_path=${schema}` } } : {}),
  };
  return new DataSource(dataSourceOptions);
}

/**
 * Creates the data source's schema if it has one, applies pending migrations, returns their names.
 * Safe to call from several processes at once (the four services migrate their schema at start):
 * a session-level advisory lock per schema, held on a connection of its own, serializes them, so
 * the first applies and the rest find nothing pending. Needs a pool of at least two connections.
 */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const schema = dataSource.options.type === 'postgres' ? dataSource.options.schema : undefined;
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query(`SELECT pg_advisory_lock(hashtext($1))`, [`ccp.migrations:${schema ?? '(search_path)'}`]);
    try {
      if (schema !== undefined) await lock.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((migration) => migration.name);
    } finally {
      await lock.query(`SELECT pg_advisory_unlock(hashtext($1))`, [`ccp.migrations:${schema ?? '(search_path)'}`]).catch(() => undefined);
    }
  } finally {
    await lock.release();
  }
}

/**
 * The PostgreSQL schema that holds a topic namespace's read models when none is configured: the
 * server's default for the un-namespaced catalogue, else `ccp_` + the namespace made an identifier
 * + 8 hex digits of its SHA-256 (so `a.b` and `a_b` never share a schema). One namespace per schema
 * is what the read models' owner row enforces; this makes it the default rather than an accident.
 */
export function readModelSchemaOf(namespace: string): string | undefined {
  if (namespace === '') return undefined;
  const readable = namespace.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40);
  const digest = createHash('sha256').update(namespace).digest('hex').slice(0, 8);
  return `ccp_${readable ? `${readable}_` : ''}${digest}`;
}
