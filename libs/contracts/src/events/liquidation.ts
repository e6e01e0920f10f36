// Commands and events owned by the liquidation journal (besides the wire events in wire.ts).
import { z } from 'zod';
import { DECIMAL_STRING, Decimal } from '@ccp/money';
import { identifier, nonNegativeDecimal, positiveDecimal } from '../schema-primitives';
import { maintenanceBreachedPayload } from './wire';

// Refinements run after a failed format check too (zod 4), so each one re-tests the format first.
const isDecimal = (s: string): boolean => DECIMAL_STRING.test(s);
const decimalDigits = (s: string): number => (s.includes('.') ? s.length - s.indexOf('.') - 1 : 0);

/** A fraction in (0, 1]: the share of a large position closed in the partial step. */
const fractionOfPosition = positiveDecimal.refine((s) => !isDecimal(s) || new Decimal(s).lte(1), 'must be a decimal fraction no greater than 1');
/** A rate in [0, 1): fee rates and slippage caps. */
const rateBelowOne = nonNegativeDecimal.refine((s) => !isDecimal(s) || new Decimal(s).lt(1), 'must be a decimal rate below 1');
/** A price or quantity as the clearing domain holds it: at most 8 decimals (PRICE_SCALE, QUANTITY_SCALE). */
const eightDecimals = (schema: z.ZodType<string>) =>
  schema.refine((s) => !isDecimal(s) || decimalDigits(s) <= 8, 'must be a decimal with at most 8 fractional digits');

/**
 * How liquidation prices a close-out (deterministic; design.md §2):
 * - `at-mark`: every close fills at the position's mark price;
 * - `impact`: linear impact — slippage = min(maxSlippage, impactPerNotional × closed mark notional / 1,000,000 USD);
 *   a long is sold at mark × (1 − slippage), a short bought at mark × (1 + slippage);
 * - `external-fills`: the latest price recorded per instrument with `RecordExternalFill`
 *   (e.g. an auction or a venue's real liquidation fills).
 */
export const liquidationExecutionModel = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('at-mark') }).strict(),
  z
    .object({
      kind: z.literal('impact'),
      /** slippage (as a fraction of mark) per 1,000,000 USD of notional closed, e.g. "0.001" */
      impactPerNotional: nonNegativeDecimal,
      /** cap on the slippage, a fraction of mark in [0, 1) */
      maxSlippage: rateBelowOne,
    })
    .strict(),
  z.object({ kind: z.literal('external-fills') }).strict(),
]);
export type LiquidationExecutionModel = z.infer<typeof liquidationExecutionModel>;
export type LiquidationExecutionModelKind = LiquidationExecutionModel['kind'];

const liquidationParametersShape = z
  .object({
    /** `full` closes every position; `partial` closes `partialFraction` of large positions first (Hyperliquid: 20%) */
    mode: z.enum(['full', 'partial']),
    /** required in partial mode: the share of a large position closed first, in (0, 1] */
    partialFraction: fractionOfPosition.optional(),
    /** a position is large when its mark notional (USD) exceeds this; default "0" (every position is large) */
    partialNotionalThreshold: nonNegativeDecimal.optional(),
    /**
     * fee rate on the fill notional, charged to the account and credited to the insurance fund — the
     * role of dYdX v4's MaxLiquidationFeePpm ("0.005" = 5,000 ppm); the fee is further capped by the
     * equity the account has left after the close-out, so it is only ever taken from positive equity.
     */
    liquidationFeeRate: rateBelowOne,
    executionModel: liquidationExecutionModel,
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.mode === 'partial' && p.partialFraction === undefined) {
      ctx.addIssue({ code: 'custom', path: ['partialFraction'], message: 'required when mode is partial' });
    }
  });

// ── commands ──────────────────────────────────────────────────────────────────────────────────

export const setLiquidationParametersPayload = liquidationParametersShape;
export type SetLiquidationParametersPayload = z.infer<typeof setLiquidationParametersPayload>;

/** An observed liquidation fill price for an instrument (external-fills model); the latest one wins. */
export const recordExternalFillPayload = z
  .object({
    instrumentId: identifier,
    price: eightDecimals(positiveDecimal),
    /** size of the observed fill, informational */
    quantity: eightDecimals(positiveDecimal).optional(),
  })
  .strict();
export type RecordExternalFillPayload = z.infer<typeof recordExternalFillPayload>;

/** Close out a breached account: the MaintenanceBreached snapshot, unchanged. */
export const liquidateAccountPayload = maintenanceBreachedPayload;
export type LiquidateAccountPayload = z.infer<typeof liquidateAccountPayload>;

// ── events (the wire events LiquidationFilled and AccountDefaulted are in wire.ts) ───────────

/** The parameters in force from this event on (canonical decimals). */
export const liquidationParametersSetPayload = liquidationParametersShape;
export type LiquidationParametersSetPayload = z.infer<typeof liquidationParametersSetPayload>;

export const externalFillRecordedPayload = recordExternalFillPayload;
export type ExternalFillRecordedPayload = z.infer<typeof externalFillRecordedPayload>;


export const LIQUIDATION_COMMAND_SCHEMAS = {
  SetLiquidationParameters: setLiquidationParametersPayload,
  RecordExternalFill: recordExternalFillPayload,
  LiquidateAccount: liquidateAccountPayload,
} as const;
export type LiquidationCommandType = keyof typeof LIQUIDATION_COMMAND_SCHEMAS;

export const LIQUIDATION_EVENT_SCHEMAS = {
  LiquidationParametersSet: liquidationParametersSetPayload,
  ExternalFillRecorded: externalFillRecordedPayload,
} as const;
export type LiquidationEventType = keyof typeof LIQUIDATION_EVENT_SCHEMAS;
