import { z } from 'zod';
import { identifier, nonNegativeDecimal, nonNegativeFigure, positiveDecimal, positiveFigure } from '../schema-primitives';
import { accountDefaultedPayload } from './wire';

/**
 * Commands and events owned by the default-fund journal (besides the wire events in wire.ts).
 * Amounts are USD (SETTLEMENT_ASSET) as canonical decimal strings with at most 2 decimals (cents);
 * multiples and shares are plain decimal strings. Nothing here is a float.
 */

/** An amount in whole cents: a failure message mentions "decimal", so boundary parsing reports invalid_amount. */
const centsPattern = /^-?(0|[1-9]\d*)(\.\d{1,2})?$/;
const centsMessage = 'at most 2 decimal places (whole cents of USD)';
export const defaultFundPositiveUsd = positiveDecimal.refine((s) => centsPattern.test(s), centsMessage);
export const defaultFundNonNegativeUsd = nonNegativeDecimal.refine((s) => centsPattern.test(s), centsMessage);
/** The same as computed figures (balances, tranche amounts, caps: sums of inputs; schema-primitives.ts), as the events carry them. */
export const defaultFundPositiveFigureUsd = positiveFigure.refine((s) => centsPattern.test(s), centsMessage);
export const defaultFundNonNegativeFigureUsd = nonNegativeFigure.refine((s) => centsPattern.test(s), centsMessage);
/** A multiple of a member's contribution (e.g. "2.75" for CME's 275%), at most 8 decimals. */
export const defaultFundMultiple = positiveDecimal.refine((s) => /^\d+(\.\d{1,8})?$/.test(s), 'a multiple with at most 8 decimal places');

// ── Waterfall tranches ────────────────────────────────────────────────────────────────────────────

/** Already applied by liquidation (AccountDefaulted.marginApplied): recorded, does not reduce the deficit. */
export const defaulterMarginTranche = z.object({ kind: z.literal('defaulter-margin') }).strict();
/** The defaulting member's own default-fund contribution. */
export const defaulterContributionTranche = z.object({ kind: z.literal('defaulter-contribution') }).strict();
/** One named tranche of the clearinghouse's own capital (SITG). */
export const skinInTheGameTranche = z.object({ kind: z.literal('skin-in-the-game'), trancheId: identifier }).strict();
/** Surviving members' contributions, consumed pro rata to contribution (largest remainder). */
export const mutualizedFundTranche = z.object({ kind: z.literal('mutualized-fund') }).strict();
/** Eurex: surviving members' fund and a second clearinghouse tranche, consumed pro rata together. */
export const mutualizedFundWithSkinInTheGameTranche = z.object({ kind: z.literal('mutualized-fund-with-skin-in-the-game'), trancheId: identifier }).strict();
/**
 * Cash calls on surviving members, pro rata to contribution. Per member and default at most
 * capMultiple × contribution; across defaults of one capped period (until AssessmentPeriodReset) at
 * most totalCapMultiple × contribution in all. CME Rule 802.G: 2.75 / 5.5; Eurex: 2 / 3.
 */
export const assessmentsTranche = z.object({ kind: z.literal('assessments'), capMultiple: defaultFundMultiple, totalCapMultiple: defaultFundMultiple }).strict();
/** The insurance fund (fed by deposits and liquidation fees). */
export const insuranceFundTranche = z.object({ kind: z.literal('insurance-fund') }).strict();
/** Terminal: whatever is left is forwarded to loss allocation (ADL, socialized loss, VMGH, tear-up). */
export const recoveryToolTranche = z.object({ kind: z.literal('recovery-tool') }).strict();

export const waterfallTranche = z.discriminatedUnion('kind', [
  defaulterMarginTranche,
  defaulterContributionTranche,
  skinInTheGameTranche,
  mutualizedFundTranche,
  mutualizedFundWithSkinInTheGameTranche,
  assessmentsTranche,
  insuranceFundTranche,
  recoveryToolTranche,
]);
export type WaterfallTranche = z.infer<typeof waterfallTranche>;
export type WaterfallTrancheKind = WaterfallTranche['kind'];
export const WATERFALL_TRANCHE_KINDS = [
  'defaulter-margin',
  'defaulter-contribution',
  'skin-in-the-game',
  'mutualized-fund',
  'mutualized-fund-with-skin-in-the-game',
  'assessments',
  'insurance-fund',
  'recovery-tool',
] as const satisfies readonly WaterfallTrancheKind[];

export const WATERFALL_PRESETS = ['ccp', 'perpetual-exchange'] as const;
export const waterfallPreset = z.enum(WATERFALL_PRESETS);
export type WaterfallPreset = z.infer<typeof waterfallPreset>;

// ── Commands ─────────────────────────────────────────────────────────────────────────────────────

export const recordContributionPayload = z.object({ memberId: identifier, amount: defaultFundPositiveUsd }).strict();
export type RecordContributionPayload = z.infer<typeof recordContributionPayload>;

export const withdrawContributionPayload = z.object({ memberId: identifier, amount: defaultFundPositiveUsd }).strict();
export type WithdrawContributionPayload = z.infer<typeof withdrawContributionPayload>;

export const depositInsuranceFundPayload = z.object({ amount: defaultFundPositiveUsd }).strict();
export type DepositInsuranceFundPayload = z.infer<typeof depositInsuranceFundPayload>;

/** From the wire event LiquidationFilled when its liquidationFee > 0. */
export const creditLiquidationFeePayload = z
  .object({ liquidationId: identifier, accountId: identifier, memberId: identifier, amount: defaultFundPositiveUsd })
  .strict();
export type CreditLiquidationFeePayload = z.infer<typeof creditLiquidationFeePayload>;

export const skinInTheGameAmount = z.object({ trancheId: identifier, amount: defaultFundNonNegativeUsd }).strict();
/** Sets the balance of each listed SITG tranche (tranches not listed keep theirs). */
export const setSkinInTheGamePayload = z.object({ tranches: z.array(skinInTheGameAmount).min(1) }).strict();
export type SetSkinInTheGamePayload = z.infer<typeof setSkinInTheGamePayload>;

/** Exactly one of preset / tranches. */
export const setWaterfallPayload = z.object({ preset: waterfallPreset.optional(), tranches: z.array(waterfallTranche).min(1).optional() }).strict();
export type SetWaterfallPayload = z.infer<typeof setWaterfallPayload>;

/** The capped period (Eurex) / cooling-off period (CME) ends: cumulative assessments start again from 0. */
export const resetAssessmentPeriodPayload = z.object({ periodId: identifier }).strict();
export type ResetAssessmentPeriodPayload = z.infer<typeof resetAssessmentPeriodPayload>;

/** From the wire event AccountDefaulted: walk the waterfall for this default. */
export const runWaterfallPayload = accountDefaultedPayload;
export type RunWaterfallPayload = z.infer<typeof runWaterfallPayload>;

export const memberStressLoss = z.object({ memberId: identifier, stressLoss: defaultFundNonNegativeUsd, margin: defaultFundNonNegativeUsd }).strict();
/** One stress scenario: each member's (clearing group's) stressed loss and the margin it holds. */
export const sizeDefaultFundPayload = z.object({ scenarioId: identifier, stressLosses: z.array(memberStressLoss).min(1) }).strict();
export type SizeDefaultFundPayload = z.infer<typeof sizeDefaultFundPayload>;

export const DEFAULT_FUND_COMMAND_SCHEMAS = {
  RecordContribution: recordContributionPayload,
  WithdrawContribution: withdrawContributionPayload,
  DepositInsuranceFund: depositInsuranceFundPayload,
  CreditLiquidationFee: creditLiquidationFeePayload,
  SetSkinInTheGame: setSkinInTheGamePayload,
  SetWaterfall: setWaterfallPayload,
  ResetAssessmentPeriod: resetAssessmentPeriodPayload,
  RunWaterfall: runWaterfallPayload,
  SizeDefaultFund: sizeDefaultFundPayload,
} as const;
export type DefaultFundCommandType = keyof typeof DEFAULT_FUND_COMMAND_SCHEMAS;

// ── Events ───────────────────────────────────────────────────────────────────────────────────────

export const contributionRecordedPayload = z
  .object({
    memberId: identifier,
    amount: defaultFundPositiveFigureUsd,
    /** the member's funded contribution after the deposit */
    balanceAfter: defaultFundNonNegativeFigureUsd,
    /** the part of the deposit that discharged an outstanding replenishment call */
    replenished: defaultFundNonNegativeFigureUsd,
  })
  .strict();
export type ContributionRecordedPayload = z.infer<typeof contributionRecordedPayload>;

export const contributionWithdrawnPayload = z.object({ memberId: identifier, amount: defaultFundPositiveFigureUsd, balanceAfter: defaultFundNonNegativeFigureUsd }).strict();
export type ContributionWithdrawnPayload = z.infer<typeof contributionWithdrawnPayload>;

export const insuranceFundDepositedPayload = z
  .object({ amount: defaultFundPositiveFigureUsd, balanceAfter: defaultFundNonNegativeFigureUsd, replenished: defaultFundNonNegativeFigureUsd })
  .strict();
export type InsuranceFundDepositedPayload = z.infer<typeof insuranceFundDepositedPayload>;

export const liquidationFeeCreditedPayload = z
  .object({
    liquidationId: identifier,
    accountId: identifier,
    memberId: identifier,
    amount: defaultFundPositiveFigureUsd,
    balanceAfter: defaultFundNonNegativeFigureUsd,
    replenished: defaultFundNonNegativeFigureUsd,
  })
  .strict();
export type LiquidationFeeCreditedPayload = z.infer<typeof liquidationFeeCreditedPayload>;

export const skinInTheGameSetPayload = z.object({ tranches: z.array(skinInTheGameAmount).min(1) }).strict();
export type SkinInTheGameSetPayload = z.infer<typeof skinInTheGameSetPayload>;

/** The explicit ordered tranche list in force from now on (a preset is expanded here). */
export const waterfallConfiguredPayload = z.object({ preset: waterfallPreset.nullable(), tranches: z.array(waterfallTranche).min(1) }).strict();
export type WaterfallConfiguredPayload = z.infer<typeof waterfallConfiguredPayload>;

export const assessmentPeriodResetPayload = z.object({ periodId: identifier }).strict();
export type AssessmentPeriodResetPayload = z.infer<typeof assessmentPeriodResetPayload>;

export const trancheContributor = z.object({ memberId: identifier, amount: defaultFundPositiveFigureUsd }).strict();
export type TrancheContributor = z.infer<typeof trancheContributor>;

/**
 * One tranche reached by the walk. `effect`: `recorded` (defaulter-margin: already applied by
 * liquidation, does not reduce the deficit), `covered` (reduces the deficit by `amount`),
 * `forwarded` (recovery-tool: `amount` is the residual sent to loss allocation).
 * Σ amount over covered and forwarded tranches = deficit, to the cent.
 */
export const waterfallTrancheAppliedPayload = z
  .object({
    defaultId: identifier,
    /** 1-based position of the tranche in the waterfall in force */
    order: z.number().int().min(1),
    kind: z.enum(WATERFALL_TRANCHE_KINDS),
    trancheId: identifier.optional(),
    effect: z.enum(['recorded', 'covered', 'forwarded']),
    /** what the tranche could have given when reached */
    capacity: defaultFundNonNegativeFigureUsd,
    amount: defaultFundNonNegativeFigureUsd,
    /** deficit still uncovered before and after this tranche */
    remainingBefore: defaultFundNonNegativeFigureUsd,
    remainingAfter: defaultFundNonNegativeFigureUsd,
    /** members who paid (amount > 0), by memberId; for defaulter-contribution, the defaulter */
    contributors: z.array(trancheContributor).optional(),
    /** mutualized-fund-with-skin-in-the-game: the clearinghouse tranche's part of `amount` */
    skinInTheGameAmount: defaultFundNonNegativeFigureUsd.optional(),
  })
  .strict();
export type WaterfallTrancheAppliedPayload = z.infer<typeof waterfallTrancheAppliedPayload>;

export const assessmentCalledPayload = z
  .object({
    defaultId: identifier,
    memberId: identifier,
    amount: defaultFundPositiveFigureUsd,
    /** the most this member could be assessed in this default: min(per-default cap, what the period cap leaves) */
    cap: defaultFundNonNegativeFigureUsd,
    /** assessed in the current capped period, this call included, and the period's cap */
    cumulativeAssessed: defaultFundPositiveFigureUsd,
    cumulativeCap: defaultFundNonNegativeFigureUsd,
  })
  .strict();
export type AssessmentCalledPayload = z.infer<typeof assessmentCalledPayload>;

/** After a default: restore what it consumed. Survivors restore contributions; the clearinghouse its funds. */
export const replenishmentCalledPayload = z
  .object({
    defaultId: identifier,
    fund: z.enum(['default-fund', 'insurance-fund', 'skin-in-the-game']),
    /** default-fund: the member called */
    memberId: identifier.optional(),
    /** skin-in-the-game: the tranche */
    trancheId: identifier.optional(),
    amount: defaultFundPositiveFigureUsd,
  })
  .strict();
export type ReplenishmentCalledPayload = z.infer<typeof replenishmentCalledPayload>;

export const defaultCoveredPayload = z.object({ defaultId: identifier, accountId: identifier, memberId: identifier, deficit: defaultFundPositiveFigureUsd }).strict();
export type DefaultCoveredPayload = z.infer<typeof defaultCoveredPayload>;

export const largestStressExposure = z.object({ memberId: identifier, stressLossOverMargin: defaultFundPositiveFigureUsd }).strict();
export const memberFundShare = z
  .object({
    memberId: identifier,
    stressLossOverMargin: defaultFundNonNegativeFigureUsd,
    /** SLOM ÷ Σ SLOM, 8 decimals, half-even (informational; requiredContribution is exact) */
    share: nonNegativeDecimal,
    requiredContribution: defaultFundNonNegativeFigureUsd,
  })
  .strict();
export const concentrationFlag = z
  .object({
    memberId: identifier,
    share: nonNegativeDecimal,
    /** Eurex: early warning from 40% of the fund, supplementary margin above 90% */
    level: z.enum(['early-warning', 'supplementary-margin']),
  })
  .strict();

export const defaultFundSizedPayload = z
  .object({
    scenarioId: identifier,
    /** Cover 2: Σ of the two largest stress losses over margin */
    cover2Requirement: defaultFundNonNegativeFigureUsd,
    largestTwo: z.array(largestStressExposure).max(2),
    memberShares: z.array(memberFundShare),
    concentration: z.array(concentrationFlag),
  })
  .strict();
export type DefaultFundSizedPayload = z.infer<typeof defaultFundSizedPayload>;

/** Schemas of the default-fund events that are not wire events (ResidualLossForwarded is in wire.ts). */
export const DEFAULT_FUND_EVENT_SCHEMAS = {
  ContributionRecorded: contributionRecordedPayload,
  ContributionWithdrawn: contributionWithdrawnPayload,
  InsuranceFundDeposited: insuranceFundDepositedPayload,
  LiquidationFeeCredited: liquidationFeeCreditedPayload,
  SkinInTheGameSet: skinInTheGameSetPayload,
  WaterfallConfigured: waterfallConfiguredPayload,
  AssessmentPeriodReset: assessmentPeriodResetPayload,
  WaterfallTrancheApplied: waterfallTrancheAppliedPayload,
  AssessmentCalled: assessmentCalledPayload,
  ReplenishmentCalled: replenishmentCalledPayload,
  DefaultCovered: defaultCoveredPayload,
  DefaultFundSized: defaultFundSizedPayload,
} as const;
export type DefaultFundOwnEventType = keyof typeof DEFAULT_FUND_EVENT_SCHEMAS;
