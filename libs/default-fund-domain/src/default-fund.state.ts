import type { WaterfallPreset, WaterfallTranche } from '@ccp/contracts';
import { bigintSum } from '@ccp/money';
import { usd } from './usd-cents.util';
import type { DefaultFundState, MemberFund } from './default-fund.types';

export function initialDefaultFundState(): DefaultFundState {
  return {
    members: new Map(),
    insuranceFund: { balance: 0n, replenishmentDue: 0n },
    skinInTheGame: new Map(),
    waterfall: null,
    defaultsRun: new Set(),
    assessmentPeriodsReset: new Set(),
  };
}

export function newMemberFund(): MemberFund {
  return { contribution: 0n, replenishmentDue: 0n, requiredContribution: 0n, assessedInPeriod: 0n, defaulted: false };
}

/** Balances as decimal strings (USD), sorted by id, for read models and reports. */
export interface FundBalancesView {
  readonly insuranceFund: { readonly balance: string; readonly replenishmentDue: string };
  readonly skinInTheGame: readonly { readonly trancheId: string; readonly balance: string; readonly replenishmentDue: string }[];
  readonly members: readonly {
    readonly memberId: string;
    readonly contribution: string;
    readonly requiredContribution: string;
    readonly replenishmentDue: string;
    readonly assessedInPeriod: string;
    readonly defaulted: boolean;
  }[];
  /** Σ members' funded contributions */
  readonly totalContributions: string;
  readonly waterfall: { readonly preset: WaterfallPreset | null; readonly tranches: readonly WaterfallTranche[] } | null;
  readonly defaultsRun: number;
}

const byKey = <T>([a]: [string, T], [b]: [string, T]): number => (a < b ? -1 : a > b ? 1 : 0);

export function fundBalances(state: DefaultFundState): FundBalancesView {
  return {
    insuranceFund: { balance: usd(state.insuranceFund.balance), replenishmentDue: usd(state.insuranceFund.replenishmentDue) },
    skinInTheGame: [...state.skinInTheGame.entries()].sort(byKey).map(([trancheId, f]) => ({ trancheId, balance: usd(f.balance), replenishmentDue: usd(f.replenishmentDue) })),
    members: [...state.members.entries()].sort(byKey).map(([memberId, m]) => ({
      memberId,
      contribution: usd(m.contribution),
      requiredContribution: usd(m.requiredContribution),
      replenishmentDue: usd(m.replenishmentDue),
      assessedInPeriod: usd(m.assessedInPeriod),
      defaulted: m.defaulted,
    })),
    totalContributions: usd(bigintSum([...state.members.values()].map((m) => m.contribution))),
    waterfall: state.waterfall,
    defaultsRun: state.defaultsRun.size,
  };
}
