import type { FairnessFigures } from '@ccp/contracts';
import type { AllocationBasis, BasisAccount } from './allocation-basis';
import type { AllocationCharge } from './allocation-outcome';
import { compareIds, divHalfEven, formatAmount, ratioString, VALUE_PER_CENT } from './fixed-point';

/**
 * Fairness figures of one allocation (the FairnessFigures schema of wire.ts), after Chitra
 * (arXiv 2512.01112): overshoot, largest single haircut and its share of the winner's profit,
 * concentration (Gini, top decile) and notional force-closed.
 *
 * Definitions (charges are summed per account first):
 * - participantsHit: accounts charged at least one cent;
 * - totalCharged: Σ charges; overshoot: totalCharged + unallocated − residual, i.e. what was taken
 *   beyond what the default needed (0 unless ADL closes whole positions);
 * - largestHaircut: the largest per-account charge (ties: accountId ascending), and
 *   largestHaircutShareOfProfit = that charge ÷ that account's *profit reference* — the account's
 *   profit (`BasisAccount.profit`) for every policy but VMGH, whose reference is the cycle's
 *   variation-margin gain. A charged account with no profit reference is divided by one cent, a
 *   deliberately large figure that flags a charge beyond any profit;
 * - gini: Gini coefficient of the per-account charges over the *eligible population* — every
 *   account with a positive profit reference, plus any account charged (zeros included):
 *   G = (2 Σ i·x₍ᵢ₎ − (n + 1) Σ x) ÷ (n Σ x), x ascending, i = 1…n; 0 when nothing is charged;
 * - topDecileShare: Σ of the ⌈hit ÷ 10⌉ largest charges ÷ totalCharged (0 when nothing is charged);
 * - notionalClosed: Σ quantityClosed × closePrice × contractSize over the closes sent on the wire,
 *   rounded half-even to the cent.
 * Ratios carry RATIO_PLACES = 6 decimals, rounded half-even. O(n log n) in bigint.
 */
export interface FairnessInput {
  readonly basis: AllocationBasis;
  readonly residual: bigint;
  readonly unallocated: bigint;
  readonly allocations: readonly AllocationCharge[];
  /** the profit a charge is measured against (cents ≥ 0) */
  readonly profitOf: (account: BasisAccount) => bigint;
}

export const accountProfit = (account: BasisAccount): bigint => account.profit;
export const variationMarginGainOf = (account: BasisAccount): bigint => (account.variationMarginGain > 0n ? account.variationMarginGain : 0n);

export function computeFairness(input: FairnessInput): FairnessFigures {
  const { basis, residual, unallocated, allocations, profitOf } = input;
  const perAccount = new Map<string, bigint>();
  let totalCharged = 0n;
  let notionalValue = 0n;
  for (const c of allocations) {
    if (c.amount <= 0n) continue;
    perAccount.set(c.accountId, (perAccount.get(c.accountId) ?? 0n) + c.amount);
    totalCharged += c.amount;
    if (c.quantityClosed !== undefined && c.closePrice !== undefined && c.contractSize !== undefined) {
      notionalValue += c.quantityClosed * c.closePrice * c.contractSize;
    }
  }

  let largestAccount: string | null = null;
  let largestHaircut = 0n;
  for (const [accountId, charged] of perAccount) {
    if (charged > largestHaircut || (charged === largestHaircut && largestAccount !== null && compareIds(accountId, largestAccount) < 0)) {
      largestHaircut = charged;
      largestAccount = accountId;
    }
  }
  let largestShare = 0n;
  let largestShareDen = 1n;
  if (largestAccount !== null) {
    const account = basis.byAccountId.get(largestAccount);
    const profit = account === undefined ? 0n : profitOf(account);
    largestShare = largestHaircut;
    largestShareDen = profit > 0n ? profit : 1n;
  }

  // Eligible population: positive profit reference, or charged.
  const charges: bigint[] = [];
  for (const account of basis.accounts) {
    const charged = perAccount.get(account.accountId) ?? 0n;
    if (charged > 0n || profitOf(account) > 0n) charges.push(charged);
  }
  charges.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const gini = giniOfSorted(charges);

  const hit = perAccount.size;
  let topDecile = '0';
  if (totalCharged > 0n) {
    const top = [...perAccount.values()].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)).slice(0, Math.ceil(hit / 10));
    topDecile = ratioString(
      top.reduce((s, x) => s + x, 0n),
      totalCharged,
    );
  }

  return {
    participantsHit: hit,
    totalCharged: formatAmount(totalCharged),
    overshoot: formatAmount(totalCharged + unallocated - residual),
    largestHaircutShareOfProfit: ratioString(largestShare, largestShareDen),
    largestHaircut: formatAmount(largestHaircut),
    gini,
    topDecileShare: topDecile,
    notionalClosed: formatAmount(divHalfEven(notionalValue, VALUE_PER_CENT)),
  };
}

/** Gini of non-negative values sorted ascending, as a 6-decimal half-even string. */
export function giniOfSorted(sortedAscending: readonly bigint[]): string {
  const n = BigInt(sortedAscending.length);
  let sum = 0n;
  let weighted = 0n;
  sortedAscending.forEach((x, i) => {
    sum += x;
    weighted += BigInt(i + 1) * x;
  });
  if (n === 0n || sum === 0n) return '0';
  return ratioString(2n * weighted - (n + 1n) * sum, n * sum);
}
