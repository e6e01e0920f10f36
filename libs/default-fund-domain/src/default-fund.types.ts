import type {
  AssessmentCalledPayload,
  AssessmentPeriodResetPayload,
  Command,
  ContributionRecordedPayload,
  ContributionWithdrawnPayload,
  CreditLiquidationFeePayload,
  DefaultCoveredPayload,
  DefaultFundSizedPayload,
  DepositInsuranceFundPayload,
  DomainEvent,
  InsuranceFundDepositedPayload,
  LiquidationFeeCreditedPayload,
  RecordContributionPayload,
  ReplenishmentCalledPayload,
  ResetAssessmentPeriodPayload,
  ResidualLossForwardedPayload,
  RunWaterfallPayload,
  SetSkinInTheGamePayload,
  SetWaterfallPayload,
  SizeDefaultFundPayload,
  SkinInTheGameSetPayload,
  WaterfallConfiguredPayload,
  WaterfallPreset,
  WaterfallTranche,
  WaterfallTrancheAppliedPayload,
  WithdrawContributionPayload,
} from '@ccp/contracts';

export type DefaultFundCommand =
  | Command<'RecordContribution', RecordContributionPayload>
  | Command<'WithdrawContribution', WithdrawContributionPayload>
  | Command<'DepositInsuranceFund', DepositInsuranceFundPayload>
  | Command<'CreditLiquidationFee', CreditLiquidationFeePayload>
  | Command<'SetSkinInTheGame', SetSkinInTheGamePayload>
  | Command<'SetWaterfall', SetWaterfallPayload>
  | Command<'ResetAssessmentPeriod', ResetAssessmentPeriodPayload>
  | Command<'RunWaterfall', RunWaterfallPayload>
  | Command<'SizeDefaultFund', SizeDefaultFundPayload>;

export type DefaultFundEvent =
  | DomainEvent<'ContributionRecorded', ContributionRecordedPayload>
  | DomainEvent<'ContributionWithdrawn', ContributionWithdrawnPayload>
  | DomainEvent<'InsuranceFundDeposited', InsuranceFundDepositedPayload>
  | DomainEvent<'LiquidationFeeCredited', LiquidationFeeCreditedPayload>
  | DomainEvent<'SkinInTheGameSet', SkinInTheGameSetPayload>
  | DomainEvent<'WaterfallConfigured', WaterfallConfiguredPayload>
  | DomainEvent<'AssessmentPeriodReset', AssessmentPeriodResetPayload>
  | DomainEvent<'WaterfallTrancheApplied', WaterfallTrancheAppliedPayload>
  | DomainEvent<'AssessmentCalled', AssessmentCalledPayload>
  | DomainEvent<'ReplenishmentCalled', ReplenishmentCalledPayload>
  | DomainEvent<'DefaultCovered', DefaultCoveredPayload>
  | DomainEvent<'ResidualLossForwarded', ResidualLossForwardedPayload>
  | DomainEvent<'DefaultFundSized', DefaultFundSizedPayload>;

export type DefaultFundEventType = DefaultFundEvent['type'];

/** Amounts below are bigint counts of cents (SETTLEMENT_ASSET, scale 2). */
export interface MemberFund {
  /** funded default-fund contribution now */
  contribution: bigint;
  /** consumed by defaults and not yet restored (replenishment called, not yet paid) */
  replenishmentDue: bigint;
  /** from the latest DefaultFundSized (Cover 2); withdrawals may not go below it */
  requiredContribution: bigint;
  /** assessments called in the current capped period (reset by AssessmentPeriodReset) */
  assessedInPeriod: bigint;
  /** had an account default: excluded from the survivors' fund and from assessments afterwards */
  defaulted: boolean;
}

export interface FundBalance {
  balance: bigint;
  replenishmentDue: bigint;
}

export interface DefaultFundState {
  readonly members: Map<string, MemberFund>;
  readonly insuranceFund: FundBalance;
  /** clearinghouse capital (SITG) by trancheId */
  readonly skinInTheGame: Map<string, FundBalance>;
  waterfall: { readonly preset: WaterfallPreset | null; readonly tranches: readonly WaterfallTranche[] } | null;
  /** defaults whose waterfall has run (duplicate detection) */
  readonly defaultsRun: Set<string>;
  /** capped periods already closed (duplicate detection) */
  readonly assessmentPeriodsReset: Set<string>;
}
