import { accountProfit, BasisAccount, variationMarginGainOf } from '@ccp/loss-allocation-domain';

/**
 * What a policy's haircut is measured against, as its fairness figures measure it (fairness.ts):
 * the cycle's variation-margin gain for VMGH, the account's profit for every other policy.
 */
export function profitReferenceOf(policyKey: string): (account: BasisAccount) => bigint {
  return policyKey.startsWith('vm-gains-haircut:') ? variationMarginGainOf : accountProfit;
}

export const profitReferenceName = (policyKey: string): 'variation-margin gain' | 'profit' =>
  policyKey.startsWith('vm-gains-haircut:') ? 'variation-margin gain' : 'profit';
