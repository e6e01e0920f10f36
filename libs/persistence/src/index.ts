export {
  createDataSource,
  databaseUrlFromEnv,
  DEFAULT_DATABASE_URL,
  migrate,
  readModelSchemaOf,
  MIGRATIONS_TABLE,
  PERSISTENCE_ENTITIES,
  PERSISTENCE_MIGRATIONS,
  type PersistenceOptions,
} from './data-source';
export { AccountReadModelEntity, type AccountPositionRow, type AccountStatus } from './entities/account.read-model.entity';
export { DefaultCaseEntity } from './entities/default-case.entity';
export { FundBalanceReadModelEntity, type FundKind } from './entities/fund-balance.read-model.entity';
export { JournalPositionEntity } from './entities/journal-position.entity';
export { ParameterReadModelEntity } from './entities/parameter.read-model.entity';
export { JournalAnchorEntity } from './entities/journal-anchor.entity';
export { ReadModelOwnerEntity } from './entities/read-model-owner.entity';
export { ReadModelPositionEntity } from './entities/read-model-position.entity';
export { FoldSnapshotEntity } from './entities/snapshot.entity';
export { InitialSchema1795392000000 } from './migrations/1795392000000-initial-schema.migration';
export { ReadModels1795478400000 } from './migrations/1795478400000-read-models.migration';
export { NamespacedReadModels1795651200000 } from './migrations/1795651200000-namespaced-read-models.migration';
export { FoldSnapshots1796256000000 } from './migrations/1796256000000-fold-snapshots.migration';
export { advanceNextOffset, readNextOffset, type PartitionKey } from './journal-position.store';
export { foldSnapshots, saveFoldSnapshot, type StoredFoldSnapshot } from './snapshot.store';
export type { JsonObject, JsonValue } from './json-value';
