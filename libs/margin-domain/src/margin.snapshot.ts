import { types } from 'node:util';
import { canonicalJson } from '@ccp/contracts';
import { contractSize, price, quantity, usd } from './fixed-point.util';
import { LiquidationPriceIndex } from './liquidation-price.index';
import type { MarginState } from './margin.types';
import { compareIds } from './margin.views';

/**
 * A canonical-JSON-able picture of the whole state, index included (for snapshots, audits and the
 * tests that prove decide never mutates). Sorted by id so equal states give equal bytes.
 */
export function snapshotMarginState(state: MarginState): unknown {
  const sorted = <T>(m: Map<string, T>): [string, T][] => [...m].sort((a, b) => compareIds(a[0], b[0]));
  return {
    members: [...state.members].sort(compareIds),
    nextOrdinal: state.nextOrdinal,
    accounts: sorted(state.accounts).map(([id, a]) => {
      return {
        accountId: id,
        memberId: a.memberId,
        ordinal: a.ordinal,
        cash: usd(a.cash),
        netDeposits: usd(a.netDeposits),
        liquidationPending: a.liquidationPending,
        defaulted: a.defaulted,
        indexKey: a.indexedIn === null ? null : String(a.indexKey),
        positions: a.positions.map((p) => ({
          instrumentId: p.instrument.instrumentId,
          quantity: quantity(p.quantity),
          entryCost: p.entryCost.toString(),
        })),
      };
    }),
    instruments: sorted(state.instruments).map(([id, i]) => {
      const ids = (s: Set<{ accountId: string }>) => [...s].map((a) => a.accountId).sort(compareIds);
      return {
        instrumentId: id,
        contractSize: contractSize(i.contractSize),
        parameters: i.parameters,
        ...(i.limits.maxQuantity === null && i.limits.maxPrice === null
          ? {}
          : { limits: { maxQuantity: i.limits.maxQuantity === null ? null : quantity(i.limits.maxQuantity), maxPrice: i.limits.maxPrice === null ? null : price(i.limits.maxPrice) } }),
        markPrice: i.markPrice === null ? null : price(i.markPrice),
        markSeq: i.markSeq,
        lastTradePrice: i.lastTradePrice === null ? null : price(i.lastTradePrice),
        holders: ids(i.holders),
        crossHolders: ids(i.crossHolders),
        longIndex: i.longIndex.entries().map((e) => `${e.accountId}@${String(e.key)}`),
        shortIndex: i.shortIndex.entries().map((e) => `${e.accountId}@${String(e.key)}`),
      };
    }),
    tradeIds: [...state.tradeIds].sort(compareIds),
    basisMarks: sorted(state.basisMarks).map(([id, marks]) => ({ defaultId: id, marks: Object.fromEntries([...marks].map(([k, v]) => [k, price(v)])) })),
    appliedAllocations: [...state.appliedAllocations].sort(compareIds),
    breachesOutstanding: [...state.breachesOutstanding].sort(compareIds),
    deferredBases: state.deferredBases.map((d) => ({ ...d })),
  };
}

/** The canonical bytes of the snapshot. */
export const marginStateDigest = (state: MarginState): string => canonicalJson(snapshotMarginState(state));

/**
 * A margin state as it comes out of a structured clone (a snapshot's bytes): the same graph, but
 * the liquidation-price indexes are plain objects again. Gives them back their class (the accounts'
 * `indexedIn` point to the same objects, so they are restored with them).
 */
export function restoreMarginState(raw: unknown): MarginState {
  const state = raw as MarginState;
  if (!types.isMap(state?.accounts) || !types.isMap(state.instruments)) throw new Error('not a margin state (accounts, instruments)');
  for (const instrument of state.instruments.values()) {
    for (const index of [instrument.longIndex, instrument.shortIndex]) {
      if (!(index instanceof LiquidationPriceIndex)) Object.setPrototypeOf(index, LiquidationPriceIndex.prototype);
    }
  }
  return state;
}
