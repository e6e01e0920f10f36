export {
  catalogueJournal,
  ForeignNamespaceError,
  projectJournalRecords,
  ProjectionGapError,
  readLatestAnchors,
  readModelOwner,
  readProjectionPositions,
  type ProjectedJournal,
  type ProjectionPosition,
} from './projection/project-journal-records';
export { MARGIN_NOT_PROJECTED_TYPES, MARGIN_PROJECTED_TYPES } from './projection/margin.projector';
export { LIQUIDATION_NOT_PROJECTED_TYPES, LIQUIDATION_PROJECTED_TYPES } from './projection/liquidation.projector';
export { DEFAULT_FUND_NOT_PROJECTED_TYPES, DEFAULT_FUND_PROJECTED_TYPES, INSURANCE_FUND_ID, memberFundId, skinInTheGameFundId } from './projection/default-fund.projector';
export { LOSS_ALLOCATION_NOT_PROJECTED_TYPES, LOSS_ALLOCATION_PROJECTED_TYPES } from './projection/loss-allocation.projector';
export type * from './projection/default-case.parts';
export { defaultIdOf } from './projection/default-case.parts';
export { findAccount, findDefaultCase, listDefaults, readFunds } from './queries/read-model.queries';
export * from './queries/read-model.views';
export { ReadApiModule, type ReadApiOptions } from './http/read-api.module';
export { READ_API_PRODUCER, READ_MODEL_DATA_SOURCE } from './http/read-api.tokens';
export { READ_API_AUTH, type ReadApiAuth } from './http/read-api.auth';
export { buildOpenApiDocument, setupOpenApi, writeOpenApiDocument, READ_API_SCHEMAS, type OpenApiOptions } from './http/read-api.openapi';
export { ZodValidationPipe, validationIssues, type ValidationErrorBody, type ValidationIssue } from './http/zod-validation.pipe';
