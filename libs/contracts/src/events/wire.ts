import { z } from 'zod';
import { figureDecimal, identifier, nonNegativeFigure, positiveFigure, side } from '../schema-primitives';

/**
 * The events that cross from one decider to another (design.md §2): each is produced by exactly one
 * journal and consumed as an input by another. Amounts are in the settlement asset (USD, minor unit
 * 0.01) as canonical decimal strings; quantities are in contracts of the instrument. Every decimal here
 * is a figure the deciders compute (schema-primitives.ts: at most 38 integer digits), also where a wire
 * payload arrives as a command.
 */

export const positionView = z
  .object({
    instrumentId: identifier,
    side,
    /** open quantity, > 0 */
    quantity: positiveFigure,
    entryPrice: positiveFigure,
    markPrice: positiveFigure,
    /** value of one contract per unit of price (1 for linear perpetuals quoted in USD) */
    contractSize: positiveFigure,
    /** unrealized PnL at markPrice */
    unrealizedPnl: figureDecimal,
    maintenanceMarginRequired: nonNegativeFigure,
  })
  .strict();
export type PositionView = z.infer<typeof positionView>;

/** margin → liquidation: the account is below maintenance margin at this mark. */
export const maintenanceBreachedPayload = z
  .object({
    accountId: identifier,
    memberId: identifier,
    /** deterministic: `${accountId}@${margin journal seq of the mark that caused it}` */
    breachId: identifier,
    /** collateral plus realized PnL: what the account holds before unrealized PnL */
    cashBalance: figureDecimal,
    equity: figureDecimal,
    maintenanceMarginRequired: nonNegativeFigure,
    positions: z.array(positionView).min(1),
  })
  .strict();
export type MaintenanceBreachedPayload = z.infer<typeof maintenanceBreachedPayload>;

/** liquidation → margin (close the position) and → default fund (fee to the insurance fund). */
export const liquidationFilledPayload = z
  .object({
    liquidationId: identifier,
    accountId: identifier,
    memberId: identifier,
    instrumentId: identifier,
    /** side of the position being closed */
    side,
    quantity: positiveFigure,
    fillPrice: positiveFigure,
    /** realized PnL of the closed quantity against its entry price */
    realizedPnl: figureDecimal,
    /** fee charged to the account and credited to the insurance fund, ≥ 0 */
    liquidationFee: nonNegativeFigure,
  })
  .strict();
export type LiquidationFilledPayload = z.infer<typeof liquidationFilledPayload>;

export const defaultedPosition = z
  .object({
    instrumentId: identifier,
    side,
    quantity: positiveFigure,
    markPrice: positiveFigure,
    /** price at which the account's equity is exactly zero (mechanics.md) */
    bankruptcyPrice: figureDecimal,
    contractSize: positiveFigure,
  })
  .strict();
export type DefaultedPosition = z.infer<typeof defaultedPosition>;

/**
 * liquidation → default fund (walk the waterfall) and → margin (write the account off).
 * closeOutLoss = marginApplied + deficit: the defaulter's own margin is consumed first.
 */
export const accountDefaultedPayload = z
  .object({
    /** deterministic: `default:${accountId}:${breachId}` */
    defaultId: identifier,
    accountId: identifier,
    memberId: identifier,
    /** the defaulter's margin (cash balance) consumed by the close-out, ≥ 0 */
    marginApplied: nonNegativeFigure,
    /** loss beyond the defaulter's margin, > 0: what the waterfall must cover */
    deficit: positiveFigure,
    /** the positions as they stood at the default, with bankruptcy prices (for ADL and the case file) */
    positions: z.array(defaultedPosition),
  })
  .strict();
export type AccountDefaultedPayload = z.infer<typeof accountDefaultedPayload>;

export const liquidationOutcome = z.enum([
  /** the partial step brought equity back to at least the remaining maintenance margin; positions remain */
  'restored',
  /** every position closed and equity after the close-out is ≥ 0 */
  'closed-out',
  /** every position closed and equity after the close-out is < 0: AccountDefaulted was emitted */
  'defaulted',
]);
export type LiquidationOutcome = z.infer<typeof liquidationOutcome>;

/**
 * liquidation → margin: the last event of every accepted LiquidateAccount — a summary for the case
 * file, the record by which the same breach is never liquidated twice, and margin's signal that the
 * breach it raised is resolved (an allocation basis is captured only when none is outstanding).
 */
export const liquidationCompletedPayload = z
  .object({
    breachId: identifier,
    accountId: identifier,
    memberId: identifier,
    outcome: liquidationOutcome,
    /** which step closed the positions: the partial step (partial mode) or the full close-out */
    step: z.enum(['partial', 'full']),
    executionModel: z.enum(['at-mark', 'impact', 'external-fills']),
    positionsClosed: z.number().int().positive(),
    /** sum of the fills' realized PnL (USD) */
    realizedPnl: figureDecimal,
    /** sum of the fills' liquidation fees (USD) */
    liquidationFees: nonNegativeFigure,
    /** cash balance + unrealized PnL of every position at mark, exact */
    equityBefore: figureDecimal,
    /** after fills and fees, remaining positions at mark, exact */
    equityAfter: figureDecimal,
    defaultId: identifier.nullable(),
  })
  .strict();
export type LiquidationCompletedPayload = z.infer<typeof liquidationCompletedPayload>;

/** default fund → loss allocation: what the waterfall could not cover. */
export const residualLossForwardedPayload = z
  .object({
    defaultId: identifier,
    accountId: identifier,
    memberId: identifier,
    deficit: positiveFigure,
    /** covered by the fund tranches */
    covered: nonNegativeFigure,
    /** deficit − covered, > 0 */
    residual: positiveFigure,
    positions: z.array(defaultedPosition),
  })
  .strict();
export type ResidualLossForwardedPayload = z.infer<typeof residualLossForwardedPayload>;

/** loss allocation → margin: capture who is profitable, by how much, with what leverage, now. */
export const allocationBasisRequestedPayload = z
  .object({
    defaultId: identifier,
    /** the defaulter, excluded from the basis */
    excludeAccountId: identifier,
  })
  .strict();
export type AllocationBasisRequestedPayload = z.infer<typeof allocationBasisRequestedPayload>;

export const basisParticipant = z
  .object({
    accountId: identifier,
    memberId: identifier,
    cashBalance: figureDecimal,
    equity: figureDecimal,
    /** realized + unrealized PnL over the current settlement cycle (variation-margin gains basis) */
    variationMarginGain: figureDecimal,
    positions: z.array(positionView),
  })
  .strict();
export type BasisParticipant = z.infer<typeof basisParticipant>;

/** margin → loss allocation: the basis at a precise position of margin's journal. */
export const allocationBasisCapturedPayload = z
  .object({
    defaultId: identifier,
    /** margin journal seq at capture (the record's own seq) is implicit; marks in force: */
    marks: z.record(identifier, positiveFigure),
    participants: z.array(basisParticipant),
  })
  .strict();
export type AllocationBasisCapturedPayload = z.infer<typeof allocationBasisCapturedPayload>;

export const allocationLine = z
  .object({
    accountId: identifier,
    memberId: identifier,
    /** cash taken from the account, > 0, in USD */
    amount: positiveFigure,
    /** for ADL and tear-up: the position reduced, and at what price */
    instrumentId: identifier.optional(),
    side: side.optional(),
    quantityClosed: positiveFigure.optional(),
    closePrice: positiveFigure.optional(),
  })
  .strict();
export type AllocationLine = z.infer<typeof allocationLine>;

export const fairnessFigures = z
  .object({
    participantsHit: z.number().int().nonnegative(),
    totalCharged: nonNegativeFigure,
    /** charged − residual (≥ 0): taken beyond what the default needed */
    overshoot: figureDecimal,
    /** largest single charge ÷ that participant's profit */
    largestHaircutShareOfProfit: nonNegativeFigure,
    largestHaircut: nonNegativeFigure,
    /** Gini coefficient of charges over the participants eligible (profitable) */
    gini: nonNegativeFigure,
    /** share of the total charged borne by the top decile of those charged */
    topDecileShare: nonNegativeFigure,
    /** notional force-closed (ADL, tear-up), 0 for cash haircuts */
    notionalClosed: nonNegativeFigure,
  })
  .strict();
export type FairnessFigures = z.infer<typeof fairnessFigures>;

/** loss allocation → margin: apply the haircuts or close the positions. */
export const lossAllocatedPayload = z
  .object({
    defaultId: identifier,
    policy: identifier,
    residual: positiveFigure,
    allocations: z.array(allocationLine),
    /** residual the policy could not place (e.g. total profit below the residual), ≥ 0 */
    unallocated: nonNegativeFigure,
    fairness: fairnessFigures,
  })
  .strict();
export type LossAllocatedPayload = z.infer<typeof lossAllocatedPayload>;

export const WIRE_EVENT_SCHEMAS = {
  MaintenanceBreached: maintenanceBreachedPayload,
  LiquidationFilled: liquidationFilledPayload,
  AccountDefaulted: accountDefaultedPayload,
  LiquidationCompleted: liquidationCompletedPayload,
  ResidualLossForwarded: residualLossForwardedPayload,
  AllocationBasisRequested: allocationBasisRequestedPayload,
  AllocationBasisCaptured: allocationBasisCapturedPayload,
  LossAllocated: lossAllocatedPayload,
} as const;
export type WireEventType = keyof typeof WIRE_EVENT_SCHEMAS;

/**
 * How a consuming decider turns a wire event it subscribes to into its own commands. The embedded
 * engine and the Kafka runtime both use these tables, so routing lives in the domain, once.
 */
export type WirePayloads = { [K in WireEventType]: z.infer<(typeof WIRE_EVENT_SCHEMAS)[K]> };
export type WireTranslator<C> = Partial<{
  [K in WireEventType]: (payload: WirePayloads[K], meta: { readonly occurredAt: string; readonly correlationId: string | null }) => readonly C[];
}>;
