import {
  ALLOCATION_POLICY_VARIANTS,
  AllocationBasisCapturedPayload,
  AllocationPolicyName,
  AllocationPolicyParams,
  allocationPolicyParams,
  DefaultedPosition,
  invariant,
  LossAllocatedPayload,
  parseWith,
  rejection,
  RejectionError,
} from '@ccp/contracts';
import { canonicalDecimal } from '@ccp/money';
import { AllocationBasis, DefaultedPositionInput, prepareBasis, prepareDefaultedPositions } from './allocation-basis';
import { PolicyOutcome, toAllocationLines } from './allocation-outcome';
import { adlPolicy } from './adl.policy';
import { AllocationInputError, formatAmount, parseAmount } from './fixed-point';
import { partialTearUpPolicy } from './partial-tear-up.policy';
import { driftOpenInterestPolicy, socializedLossPolicy } from './socialized-loss.policy';
import { vmGainsHaircutPolicy } from './vm-gains-haircut.policy';
import { waterFillingPolicy } from './water-filling.policy';

export type PolicyKey =
  | 'socialized-loss:pro-rata-profit'
  | 'socialized-loss:drift-open-interest'
  | 'adl:bitmex'
  | 'adl:binance'
  | 'adl:hyperliquid'
  | 'adl:water-filling'
  | 'vm-gains-haircut:pro-rata-gain'
  | 'partial-tear-up:pro-rata-size';

export interface AllocationPolicyEntry {
  readonly key: PolicyKey;
  readonly policy: AllocationPolicyName;
  readonly variant: string;
  /** the parameters this policy reads, with their defaults (what AllocationPolicySet records) */
  readonly defaults: AllocationPolicyParams;
  readonly description: string;
  /** where the rule comes from (mechanics.md) */
  readonly source: string;
  readonly allocate: (basis: AllocationBasis, residual: bigint, positions: readonly DefaultedPositionInput[], params: AllocationPolicyParams) => PolicyOutcome;
}

/** The policy registry: name → pure policy function, description and source. */
export const ALLOCATION_POLICIES: Readonly<Record<PolicyKey, AllocationPolicyEntry>> = {
  'socialized-loss:pro-rata-profit': {
    key: 'socialized-loss:pro-rata-profit',
    policy: 'socialized-loss',
    variant: 'pro-rata-profit',
    defaults: { maxHaircutShare: '1' },
    description:
      'Residual charged to every profitable account pro rata to its profit (max(0, min(Σ unrealized PnL, equity))), never beyond profit × maxHaircutShare; cents by largest remainder.',
    source: 'Crypto clawbacks: OKX 2018 (~18% of whole-account profits), BitMEX 2015 (24% and 35% of daily-contract profits) — mechanics.md',
    allocate: (basis, residual, positions, params) => socializedLossPolicy(basis, residual, positions, params),
  },
  'socialized-loss:drift-open-interest': {
    key: 'socialized-loss:drift-open-interest',
    policy: 'socialized-loss',
    variant: 'drift-open-interest',
    defaults: {},
    description:
      "Residual charged to every holder (long and short) of the defaulted instruments pro rata to base size, not profit; exact to the cent, never beyond the account's equity.",
    source: 'Drift v2 controller/liquidation.rs::resolve_perp_bankruptcy: Δ = ceil(|loss| / (|long base| + |short base|)) on cumulative funding; Mango v4 per lot',
    allocate: (basis, residual, positions) => driftOpenInterestPolicy(basis, residual, positions, {}),
  },
  'adl:bitmex': {
    key: 'adl:bitmex',
    policy: 'adl',
    variant: 'bitmex',
    defaults: { closeWholePosition: false },
    description:
      'Opposite positions closed at the bankruptcy price, queue by PnL% × EffLev (PnL% > 0) else PnL% / EffLev, EffLev = |MarkValue| / (MarkValue − BankruptValue); charge = forgone profit.',
    source: 'BitMEX auto-deleveraging ranking (mechanics.md)',
    allocate: (basis, residual, positions, params) => adlPolicy(basis, residual, positions, { ranking: 'bitmex', closeWholePosition: params.closeWholePosition ?? false }),
  },
  'adl:binance': {
    key: 'adl:binance',
    policy: 'adl',
    variant: 'binance',
    defaults: { closeWholePosition: false },
    description:
      'Opposite positions closed at the bankruptcy price, queue by PnL% × MarginRatio, PnL% = max(0, UPnL) / max(1, WalletBalance), MarginRatio = MaintMargin / (WalletBalance + UPnL).',
    source: 'Binance Futures ADL (mechanics.md): fills at the bankruptcy price, no fee',
    allocate: (basis, residual, positions, params) => adlPolicy(basis, residual, positions, { ranking: 'binance', closeWholePosition: params.closeWholePosition ?? false }),
  },
  'adl:hyperliquid': {
    key: 'adl:hyperliquid',
    policy: 'adl',
    variant: 'hyperliquid',
    defaults: { closeWholePosition: false },
    description:
      'Opposite positions closed at the bankruptcy price, queue by (mark / entry) × (notional / account value) (entry / mark for shorts); closeWholePosition reproduces the queue closing whole positions.',
    source: 'Hyperliquid docs, Auto-deleveraging: sort key and "a user with no open positions will not socialize losses" (mechanics.md)',
    allocate: (basis, residual, positions, params) => adlPolicy(basis, residual, positions, { ranking: 'hyperliquid', closeWholePosition: params.closeWholePosition ?? false }),
  },
  'adl:water-filling': {
    key: 'adl:water-filling',
    policy: 'adl',
    variant: 'water-filling',
    defaults: {},
    description:
      'Opposite positions closed at the bankruptcy price, most levered (notional / equity) first, leverage equalized downward until the defaulted quantity is absorbed: the smallest maximum leverage any close of that quantity can leave; charge = forgone profit, pro rata to quantity closed.',
    source: 'Campbell, Hey, Moallemi, Nutz, "Risk-Based Auto-Deleveraging", arXiv 2603.15963 (2026): the minimax-leverage ("water-filling", "leverage-draining") ADL policy',
    allocate: (basis, residual, positions) => waterFillingPolicy(basis, residual, positions, {}),
  },
  'vm-gains-haircut:pro-rata-gain': {
    key: 'vm-gains-haircut:pro-rata-gain',
    policy: 'vm-gains-haircut',
    variant: 'pro-rata-gain',
    defaults: { maxHaircutShare: '1' },
    description: 'Variation-margin gains owed in the cycle (variationMarginGain > 0) cut pro rata, never beyond gain × maxHaircutShare.',
    source: 'CCP recovery tools: variation-margin gains haircutting (CME 2016 filing; CPMI-IOSCO recovery guidance) — design.md §1',
    allocate: (basis, residual, positions, params) => vmGainsHaircutPolicy(basis, residual, positions, params),
  },
  'partial-tear-up:pro-rata-size': {
    key: 'partial-tear-up:pro-rata-size',
    policy: 'partial-tear-up',
    variant: 'pro-rata-size',
    defaults: {},
    description:
      'Opposite positions of the defaulted instruments terminated at the mark (last settlement price) pro rata by size up to the defaulted quantity; residual charged pro rata to the quantity torn up, never beyond equity.',
    source: 'CCP recovery tools: partial tear-up (CME 2016 filing) — design.md §1',
    allocate: (basis, residual, positions) => partialTearUpPolicy(basis, residual, positions, {}),
  },
};

/** `adl` → its default variant's key; `adl:binance` → itself; anything else → undefined. */
export function resolvePolicyKey(name: string): PolicyKey | undefined {
  if (name in ALLOCATION_POLICIES) return name as PolicyKey;
  if (name in ALLOCATION_POLICY_VARIANTS) {
    const policy = name as AllocationPolicyName;
    return `${policy}:${ALLOCATION_POLICY_VARIANTS[policy][0]}` as PolicyKey;
  }
  return undefined;
}

/** The parameters a policy reads, defaults filled in, decimals canonical; unknown ones refused. */
export function normalizePolicyParams(key: PolicyKey, params: AllocationPolicyParams): AllocationPolicyParams {
  const entry = ALLOCATION_POLICIES[key];
  const normalized: { maxHaircutShare?: string; closeWholePosition?: boolean } = {};
  for (const name of Object.keys(params) as (keyof AllocationPolicyParams)[]) {
    if (params[name] !== undefined && !(name in entry.defaults)) throw new AllocationInputError('malformed', `params.${name}`, `${key} has no parameter ${name}`);
  }
  if ('maxHaircutShare' in entry.defaults) normalized.maxHaircutShare = canonicalDecimal(params.maxHaircutShare ?? entry.defaults.maxHaircutShare ?? '1');
  if ('closeWholePosition' in entry.defaults) normalized.closeWholePosition = params.closeWholePosition ?? entry.defaults.closeWholePosition ?? false;
  return normalized;
}

/** Runs a policy on prepared inputs and renders the LossAllocated payload. */
export function runAllocation(
  defaultId: string,
  key: PolicyKey,
  basis: AllocationBasis,
  residual: bigint,
  positions: readonly DefaultedPositionInput[],
  params: AllocationPolicyParams,
): { payload: LossAllocatedPayload; outcome: PolicyOutcome } {
  const entry: AllocationPolicyEntry | undefined = ALLOCATION_POLICIES[key];
  invariant(entry !== undefined, `policy ${key} is registered`);
  const outcome = entry.allocate(basis, residual, positions, normalizePolicyParams(key, params));
  const payload: LossAllocatedPayload = {
    defaultId,
    policy: key,
    residual: formatAmount(residual),
    allocations: toAllocationLines(outcome.allocations),
    unallocated: formatAmount(outcome.unallocated),
    fairness: outcome.fairness,
  };
  return { payload, outcome };
}

/**
 * Counterfactual for the audit: the allocation a recorded default would have had under another
 * policy — pure, touches no journal. `basis` is the recorded AllocationBasisCaptured payload,
 * `residual` and `positions` those of ResidualLossForwarded; `policyName` a registry key or a bare
 * policy name (its default variant). Throws a RejectionError on unusable input.
 */
export function counterfactual(
  basis: AllocationBasisCapturedPayload,
  residual: string,
  positions: readonly DefaultedPosition[],
  policyName: string,
  params: AllocationPolicyParams = {},
): LossAllocatedPayload {
  const key = resolvePolicyKey(policyName);
  if (key === undefined) throw new RejectionError(rejection('malformed', 'policyName', `unknown allocation policy ${policyName}`));
  const parsedParams = parseWith(allocationPolicyParams, params, 'params');
  if (!parsedParams.ok) throw new RejectionError(parsedParams.rejection);
  try {
    const residualCents = parseAmount(residual, 'residual');
    if (residualCents <= 0n) throw new AllocationInputError('invalid_amount', 'residual', 'the residual must be greater than zero');
    return runAllocation(basis.defaultId, key, prepareBasis(basis, { path: 'basis' }), residualCents, prepareDefaultedPositions(positions, 'positions'), parsedParams.value).payload;
  } catch (error) {
    if (error instanceof AllocationInputError) throw new RejectionError(rejection(error.code, error.path, error.message));
    throw error;
  }
}
