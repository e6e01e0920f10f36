import type { WireTranslator } from '@ccp/contracts';
import type { DefaultFundCommand } from './default-fund.types';

/**
 * The wire events the default fund consumes (design.md §2), and the commands they become:
 * - LiquidationFilled with liquidationFee > 0 → CreditLiquidationFee (fees feed the insurance fund);
 * - AccountDefaulted → RunWaterfall (walk the waterfall for this default; correlation = defaultId).
 */
export const defaultFundWireInputs: WireTranslator<DefaultFundCommand> = {
  LiquidationFilled: (p, meta) =>
    /^0(\.0*)?$/.test(p.liquidationFee)
      ? []
      : [
          {
            type: 'CreditLiquidationFee',
            payload: { liquidationId: p.liquidationId, accountId: p.accountId, memberId: p.memberId, amount: p.liquidationFee },
            meta: { occurredAt: meta.occurredAt, correlationId: meta.correlationId },
          },
        ],
  AccountDefaulted: (p, meta) => [{ type: 'RunWaterfall', payload: p, meta: { occurredAt: meta.occurredAt, correlationId: p.defaultId } }],
};
