export {
  createDataSource,
  databaseUrlFromEnv,
  DEFAULT_DATABASE_URL,
  migrate,
  MIGRATIONS_TABLE,
  PERSISTENCE_ENTITIES,
  PERSISTENCE_MIGRATIONS,
  type PersistenceOptions,
} from './data-source';
export { AccountReadModelEntity } from './entities/account.read-model.entity';
export { DefaultCaseEntity } from './entities/default-case.entity';
export { FundBalanceReadModelEntity } from './entities/fund-balance.read-model.entity';
export { JournalPositionEntity } from './entities/journal-position.entity';
export { SnapshotEntity } from './entities/snapshot.entity';
export { InitialSchema1795392000000 } from './migrations/1795392000000-initial-schema.migration';
export { advanceNextOffset, readNextOffset, type PartitionKey } from './journal-position.store';
export { latestSnapshot, saveSnapshot, type Snapshot } from './snapshot.store';
export type { JsonObject, JsonValue } from './json-value';
