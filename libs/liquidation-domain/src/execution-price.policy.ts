import { assertNever, invariant, LiquidationExecutionModel, PRICE_SCALE, Side } from '@ccp/contracts';
import { add, div, fromUnits, min, mul, ONE, parseRatio, Ratio, sub, toUnits } from './rational.math';

/** One million USD: the notional unit of the impact model's `impactPerNotional`. */
const ONE_MILLION: Ratio = { n: 1_000_000n, d: 1n };

export interface ExecutionInput {
  readonly side: Side;
  readonly markPrice: Ratio;
  readonly contractSize: Ratio;
  /** contracts closed by this fill, > 0 */
  readonly closeQuantity: Ratio;
  /** latest recorded external fill price for the instrument (external-fills model) */
  readonly externalPrice: Ratio | undefined;
}

/**
 * The fill price of a liquidation close, in 10⁻⁸ ticks, deterministic for each model:
 * - at-mark: the mark (already at most 8 decimals);
 * - impact: slippage = min(maxSlippage, impactPerNotional × (closeQuantity × contractSize × mark) / 1,000,000);
 *   a long is sold at mark × (1 − slippage) rounded toward −∞, a short bought at mark × (1 + slippage)
 *   rounded toward +∞ — both against the liquidated account, at least one tick;
 * - external-fills: the recorded price (the caller rejects a missing one as unknown_instrument).
 */
export function executionPriceTicks(model: LiquidationExecutionModel, input: ExecutionInput): bigint {
  switch (model.kind) {
    case 'at-mark':
      return toUnits(input.markPrice, PRICE_SCALE, 'floor');
    case 'impact': {
      const notional = mul(mul(input.closeQuantity, input.contractSize), input.markPrice);
      const slippage = min(parseRatio(model.maxSlippage), div(mul(parseRatio(model.impactPerNotional), notional), ONE_MILLION));
      const ticks =
        input.side === 'long'
          ? toUnits(mul(input.markPrice, sub(ONE, slippage)), PRICE_SCALE, 'floor')
          : toUnits(mul(input.markPrice, add(ONE, slippage)), PRICE_SCALE, 'ceil');
      return ticks < 1n ? 1n : ticks;
    }
    case 'external-fills': {
      invariant(input.externalPrice !== undefined, 'external-fills model without a recorded price');
      return toUnits(input.externalPrice, PRICE_SCALE, 'floor');
    }
    default:
      return assertNever(model, 'execution model');
  }
}

export const ticksToPrice = (ticks: bigint): Ratio => fromUnits(ticks, PRICE_SCALE);
