import { z } from 'zod';
import { figureDecimal, identifier, nonNegativeDecimal, nonNegativeFigure, positiveDecimal, positiveFigure, side } from '../schema-primitives';
import { accountDefaultedPayload, allocationBasisRequestedPayload, liquidationCompletedPayload, liquidationFilledPayload, lossAllocatedPayload } from './wire';

/**
 * Commands and events owned by the margin journal (besides the wire events in wire.ts).
 * Amounts are USD (SETTLEMENT_ASSET) as canonical decimal strings in whole cents; prices, quantities,
 * contract sizes and margin rates carry at most 8 decimals (PRICE_SCALE, QUANTITY_SCALE). Every
 * failure message of a number mentions "decimal", so boundary parsing reports invalid_amount. Commands
 * carry inputs (at most 16 integer digits); the events' balances, PnL and positions are computed
 * figures (at most 38; schema-primitives.ts).
 */

const centsPattern = /^-?(0|[1-9]\d*)(\.\d{1,2})?$/;
const eightDecimalsPattern = /^-?(0|[1-9]\d*)(\.\d{1,8})?$/;

/** A positive USD amount in whole cents. */
export const marginPositiveUsd = positiveDecimal.refine((s) => centsPattern.test(s), 'at most 2 decimal places (whole cents of USD)');
/** A non-negative USD amount in whole cents (tier floors). */
export const marginNonNegativeUsd = nonNegativeDecimal.refine((s) => centsPattern.test(s), 'at most 2 decimal places (whole cents of USD)');
/** A price, quantity or contract size: positive, at most 8 decimals. */
export const marginPositiveScaled = positiveDecimal.refine((s) => eightDecimalsPattern.test(s), 'at most 8 decimal places');
/** A margin rate: a decimal fraction in (0, 1] with at most 8 decimals (0.1 = 10% of notional). */
export const marginRate = positiveDecimal.refine(
  (s) => eightDecimalsPattern.test(s) && (/^0(\.\d+)?$/.test(s) || /^1(\.0+)?$/.test(s)),
  'a decimal fraction in (0, 1] with at most 8 decimal places',
);

/**
 * One notional tier. Tiers are incremental (marginal): a tier's rates apply to the part of a position's
 * notional at or above its floor and below the next tier's floor; the base rates apply below the first
 * floor. This is Binance's bracket table written without its "maintenance amount" (the two forms give the
 * same requirement), and it keeps the requirement continuous and monotone in the price.
 */
export const marginTier = z
  .object({
    /** USD notional where the tier starts, > 0 and strictly increasing across tiers */
    notionalFloor: marginPositiveUsd,
    initialMarginRate: marginRate,
    maintenanceMarginRate: marginRate,
  })
  .strict();
export type MarginTier = z.infer<typeof marginTier>;

/**
 * Configured maxima of an instrument (optional; absent = no limit beyond the schema bound of every
 * decimal). Like an exchange's lot-size and price filters (Binance `LOT_SIZE.maxQty`,
 * `PRICE_FILTER.maxPrice`), they refuse inputs that cannot be meant — a fat-fingered or corrupted
 * trade, a broken price feed — before they land in the journal:
 * - `maxQuantity`: the largest quantity of one trade (ApplyTrade.quantity), in contracts;
 * - `maxPrice`: the highest price of a trade or a mark (ApplyTrade.price, ApplyMarkPrice.markPrice).
 * Closing fills, write-offs and loss allocations are never refused by them: they settle positions
 * already held.
 */
export const instrumentLimitFields = {
  maxQuantity: marginPositiveScaled.optional(),
  maxPrice: marginPositiveScaled.optional(),
};

// ── Commands ─────────────────────────────────────────────────────────────────────────────────────

export const registerMemberPayload = z.object({ memberId: identifier }).strict();
export type RegisterMemberPayload = z.infer<typeof registerMemberPayload>;

export const openAccountPayload = z.object({ accountId: identifier, memberId: identifier }).strict();
export type OpenAccountPayload = z.infer<typeof openAccountPayload>;

export const depositCollateralPayload = z.object({ accountId: identifier, amount: marginPositiveUsd }).strict();
export type DepositCollateralPayload = z.infer<typeof depositCollateralPayload>;

export const withdrawCollateralPayload = z.object({ accountId: identifier, amount: marginPositiveUsd }).strict();
export type WithdrawCollateralPayload = z.infer<typeof withdrawCollateralPayload>;

export const listInstrumentPayload = z
  .object({
    instrumentId: identifier,
    /** value of one contract per unit of price (1 for a linear perpetual quoted in USD) */
    contractSize: marginPositiveScaled,
    initialMarginRate: marginRate,
    maintenanceMarginRate: marginRate,
    tiers: z.array(marginTier).optional(),
    ...instrumentLimitFields,
  })
  .strict();
export type ListInstrumentPayload = z.infer<typeof listInstrumentPayload>;

/** New rates and tiers (replaced as a whole); a limit given replaces the one in force, a limit not given is kept. */
export const setMarginParametersPayload = z
  .object({
    instrumentId: identifier,
    initialMarginRate: marginRate,
    maintenanceMarginRate: marginRate,
    tiers: z.array(marginTier).optional(),
    ...instrumentLimitFields,
  })
  .strict();
export type SetMarginParametersPayload = z.infer<typeof setMarginParametersPayload>;

/** A fill of the account against the clearinghouse: `long` = the account bought, `short` = it sold. */
export const applyTradePayload = z
  .object({
    tradeId: identifier,
    accountId: identifier,
    instrumentId: identifier,
    side,
    quantity: marginPositiveScaled,
    price: marginPositiveScaled,
  })
  .strict();
export type ApplyTradePayload = z.infer<typeof applyTradePayload>;

export const applyMarkPricePayload = z
  .object({
    instrumentId: identifier,
    markPrice: marginPositiveScaled,
    /** the input's sequence number (filled by the engine); strictly increasing per instrument */
    markSeq: z.int().nonnegative(),
  })
  .strict();
export type ApplyMarkPricePayload = z.infer<typeof applyMarkPricePayload>;

/** Wire-driven: the payloads are the wire events' own. */
export const applyLiquidationFillPayload = liquidationFilledPayload;
export type ApplyLiquidationFillPayload = z.infer<typeof applyLiquidationFillPayload>;
export const writeOffDefaultedAccountPayload = accountDefaultedPayload;
export type WriteOffDefaultedAccountPayload = z.infer<typeof writeOffDefaultedAccountPayload>;
export const captureAllocationBasisPayload = allocationBasisRequestedPayload;
export type CaptureAllocationBasisPayload = z.infer<typeof captureAllocationBasisPayload>;
export const applyLossAllocationPayload = lossAllocatedPayload;
export type ApplyLossAllocationPayload = z.infer<typeof applyLossAllocationPayload>;
export const resolveBreachPayload = liquidationCompletedPayload;
export type ResolveBreachPayload = z.infer<typeof resolveBreachPayload>;

export const MARGIN_COMMAND_SCHEMAS = {
  RegisterMember: registerMemberPayload,
  OpenAccount: openAccountPayload,
  DepositCollateral: depositCollateralPayload,
  WithdrawCollateral: withdrawCollateralPayload,
  ListInstrument: listInstrumentPayload,
  SetMarginParameters: setMarginParametersPayload,
  ApplyTrade: applyTradePayload,
  ApplyMarkPrice: applyMarkPricePayload,
  ApplyLiquidationFill: applyLiquidationFillPayload,
  WriteOffDefaultedAccount: writeOffDefaultedAccountPayload,
  CaptureAllocationBasis: captureAllocationBasisPayload,
  ApplyLossAllocation: applyLossAllocationPayload,
  ResolveBreach: resolveBreachPayload,
} as const;
export type MarginCommandType = keyof typeof MARGIN_COMMAND_SCHEMAS;

// ── Events ───────────────────────────────────────────────────────────────────────────────────────

export const memberRegisteredPayload = z.object({ memberId: identifier }).strict();
export type MemberRegisteredPayload = z.infer<typeof memberRegisteredPayload>;

export const accountOpenedPayload = z.object({ accountId: identifier, memberId: identifier }).strict();
export type AccountOpenedPayload = z.infer<typeof accountOpenedPayload>;

export const collateralDepositedPayload = z
  .object({ accountId: identifier, memberId: identifier, amount: marginPositiveUsd, /** after the deposit */ cashBalance: figureDecimal })
  .strict();
export type CollateralDepositedPayload = z.infer<typeof collateralDepositedPayload>;

export const collateralWithdrawnPayload = z
  .object({ accountId: identifier, memberId: identifier, amount: marginPositiveUsd, /** after the withdrawal */ cashBalance: figureDecimal })
  .strict();
export type CollateralWithdrawnPayload = z.infer<typeof collateralWithdrawnPayload>;

/** The limits are present only when configured (an instrument without limits lists as it always did). */
export const instrumentListedPayload = z
  .object({
    instrumentId: identifier,
    contractSize: marginPositiveScaled,
    initialMarginRate: marginRate,
    maintenanceMarginRate: marginRate,
    tiers: z.array(marginTier),
    ...instrumentLimitFields,
  })
  .strict();
export type InstrumentListedPayload = z.infer<typeof instrumentListedPayload>;

/** The parameters in force from this event on, limits included (present only when a limit is in force). */
export const marginParametersSetPayload = z
  .object({
    instrumentId: identifier,
    initialMarginRate: marginRate,
    maintenanceMarginRate: marginRate,
    tiers: z.array(marginTier),
    ...instrumentLimitFields,
  })
  .strict();
export type MarginParametersSetPayload = z.infer<typeof marginParametersSetPayload>;

/** The account's open position in one instrument after an event, or null when flat. */
export const marginPositionAfter = z
  .object({
    side,
    quantity: positiveFigure,
    /** average entry price = entry cost ÷ quantity, half-even to 8 decimals (display; the cost is kept exact) */
    entryPrice: positiveFigure,
  })
  .strict()
  .nullable();
export type MarginPositionAfter = z.infer<typeof marginPositionAfter>;

export const tradeAppliedPayload = z
  .object({
    tradeId: identifier,
    accountId: identifier,
    memberId: identifier,
    instrumentId: identifier,
    side,
    quantity: marginPositiveScaled,
    price: marginPositiveScaled,
    /** PnL realized by the reducing part of the fill, half-even to the cent */
    realizedPnl: figureDecimal,
    position: marginPositionAfter,
    cashBalance: figureDecimal,
  })
  .strict();
export type TradeAppliedPayload = z.infer<typeof tradeAppliedPayload>;

export const markPriceAppliedPayload = z
  .object({ instrumentId: identifier, markPrice: marginPositiveScaled, markSeq: z.int().nonnegative() })
  .strict();
export type MarkPriceAppliedPayload = z.infer<typeof markPriceAppliedPayload>;

export const liquidationFillAppliedPayload = z
  .object({
    liquidationId: identifier,
    accountId: identifier,
    memberId: identifier,
    instrumentId: identifier,
    side,
    quantity: positiveFigure,
    fillPrice: positiveFigure,
    /** realized by margin against its exact entry cost, half-even to the cent (authoritative) */
    realizedPnl: figureDecimal,
    /** the realized PnL liquidation reported, kept for the audit trail */
    reportedRealizedPnl: figureDecimal,
    liquidationFee: nonNegativeFigure,
    position: marginPositionAfter,
    cashBalance: figureDecimal,
    /** still pending: positions remain and the account is still below maintenance at the marks in force */
    liquidationPending: z.boolean(),
  })
  .strict();
export type LiquidationFillAppliedPayload = z.infer<typeof liquidationFillAppliedPayload>;

export const writtenOffPosition = z
  .object({ instrumentId: identifier, side, quantity: positiveFigure, entryPrice: positiveFigure })
  .strict();
export type WrittenOffPosition = z.infer<typeof writtenOffPosition>;

export const accountWrittenOffPayload = z
  .object({
    defaultId: identifier,
    accountId: identifier,
    memberId: identifier,
    /** the cash balance set to zero (negative when realized losses already exceeded collateral) */
    cashWrittenOff: figureDecimal,
    /** the deficit liquidation declared; the default fund owns it now */
    deficit: positiveFigure,
    positions: z.array(writtenOffPosition),
  })
  .strict();
export type AccountWrittenOffPayload = z.infer<typeof accountWrittenOffPayload>;

export const appliedAllocationLine = z
  .object({
    accountId: identifier,
    memberId: identifier,
    /** the policy's charge: the whole value the account gives up, valued at the basis marks */
    amount: positiveFigure,
    /** what leaves the account's cash: amount − closeCharge (negative = a credit) */
    cashDebit: figureDecimal,
    /** value the close price itself takes versus the basis mark, half-even to the cent; 0 without a close */
    closeCharge: figureDecimal,
    /** PnL realized by the close at closePrice (0 without a close) */
    realizedPnl: figureDecimal,
    instrumentId: identifier.optional(),
    side: side.optional(),
    quantityClosed: positiveFigure.optional(),
    closePrice: positiveFigure.optional(),
    /** the mark the close charge was measured against (the basis mark for this default, else the mark in force) */
    referenceMark: positiveFigure.optional(),
    cashBalance: figureDecimal,
  })
  .strict();
export type AppliedAllocationLine = z.infer<typeof appliedAllocationLine>;

export const lossAllocationAppliedPayload = z
  .object({
    defaultId: identifier,
    policy: identifier,
    lines: z.array(appliedAllocationLine),
    /** Σ amount of the lines */
    totalCharged: nonNegativeFigure,
  })
  .strict();
export type LossAllocationAppliedPayload = z.infer<typeof lossAllocationAppliedPayload>;

/** The liquidation of a breach margin raised is over (liquidation's LiquidationCompleted). */
export const breachResolvedPayload = z
  .object({
    breachId: identifier,
    accountId: identifier,
    outcome: z.enum(['restored', 'closed-out', 'defaulted']),
    /** breaches raised by margin whose liquidation is still under way after this one */
    breachesOutstanding: z.int().nonnegative(),
  })
  .strict();
export type BreachResolvedPayload = z.infer<typeof breachResolvedPayload>;

/**
 * A basis was asked for while liquidations margin raised were still under way: it is captured when
 * the last of them resolves, so the basis never depends on how the liquidation and loss-allocation
 * topics interleave (docs/adr/0006).
 */
export const allocationBasisDeferredPayload = z
  .object({
    defaultId: identifier,
    excludeAccountId: identifier,
    breachesOutstanding: z.int().positive(),
  })
  .strict();
export type AllocationBasisDeferredPayload = z.infer<typeof allocationBasisDeferredPayload>;

/** Payload schemas of the margin journal's own events (MaintenanceBreached and AllocationBasisCaptured are wire events). */
export const MARGIN_EVENT_SCHEMAS = {
  MemberRegistered: memberRegisteredPayload,
  AccountOpened: accountOpenedPayload,
  CollateralDeposited: collateralDepositedPayload,
  CollateralWithdrawn: collateralWithdrawnPayload,
  InstrumentListed: instrumentListedPayload,
  MarginParametersSet: marginParametersSetPayload,
  TradeApplied: tradeAppliedPayload,
  MarkPriceApplied: markPriceAppliedPayload,
  LiquidationFillApplied: liquidationFillAppliedPayload,
  AccountWrittenOff: accountWrittenOffPayload,
  LossAllocationApplied: lossAllocationAppliedPayload,
  BreachResolved: breachResolvedPayload,
  AllocationBasisDeferred: allocationBasisDeferredPayload,
} as const;
export type MarginOwnEventType = keyof typeof MARGIN_EVENT_SCHEMAS;
