/**
 * Builders and fast-check arbitraries for the loss-allocation unit tests (not exported from the lib).
 * Builders take human numbers as decimal strings and derive unrealized PnL and equity the way margin
 * does: upnl = (mark − entry) × q × cs for a long, (entry − mark) × q × cs for a short, to the cent;
 * equity = cash + Σ upnl.
 */
import fc from 'fast-check';
import type { AllocationBasisCapturedPayload, BasisParticipant, DefaultedPosition, PositionView, Side } from '@ccp/contracts';
import { canonicalDecimal, Decimal, fromMinor } from '@ccp/money';

export interface PositionSpec {
  instrumentId?: string;
  side: Side;
  quantity: string;
  entry: string;
  mark: string;
  contractSize?: string;
  maintenanceMargin?: string;
}

export function position(spec: PositionSpec): PositionView {
  const cs = spec.contractSize ?? '1';
  const diff = new Decimal(spec.mark).minus(spec.entry);
  const pnl = (spec.side === 'long' ? diff : diff.neg()).times(spec.quantity).times(cs).toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN);
  return {
    instrumentId: spec.instrumentId ?? 'BTC-PERP',
    side: spec.side,
    quantity: spec.quantity,
    entryPrice: spec.entry,
    markPrice: spec.mark,
    contractSize: cs,
    unrealizedPnl: canonicalDecimal(pnl),
    maintenanceMarginRequired: spec.maintenanceMargin ?? '0',
  };
}

export interface ParticipantSpec {
  cash?: string;
  /** overrides cash + Σ upnl */
  equity?: string;
  variationMarginGain?: string;
  positions?: PositionSpec[];
  memberId?: string;
}

export function participant(accountId: string, spec: ParticipantSpec = {}): BasisParticipant {
  const positions = (spec.positions ?? []).map(position);
  const cash = spec.cash ?? '0';
  const equity = spec.equity ?? canonicalDecimal(positions.reduce((s, p) => s.plus(p.unrealizedPnl), new Decimal(cash)));
  return {
    accountId,
    memberId: spec.memberId ?? `m-${accountId}`,
    cashBalance: cash,
    equity,
    variationMarginGain: spec.variationMarginGain ?? '0',
    positions,
  };
}

/** A participant whose only feature is its profit: one long with unrealized PnL = profit, cash 0. */
export function profitable(accountId: string, profit: string, instrumentId = 'PROFIT-PERP'): BasisParticipant {
  const entry = new Decimal(1_000_000);
  return participant(accountId, { positions: [{ instrumentId, side: 'long', quantity: '1', entry: entry.toFixed(), mark: entry.plus(profit).toFixed() }] });
}

export function basis(participants: BasisParticipant[], marks: Record<string, string> = {}, defaultId = 'default:acct-x:7'): AllocationBasisCapturedPayload {
  return { defaultId, marks, participants };
}

export function defaulted(spec: { instrumentId?: string; side: Side; quantity: string; mark: string; bankruptcyPrice: string; contractSize?: string }): DefaultedPosition {
  return {
    instrumentId: spec.instrumentId ?? 'BTC-PERP',
    side: spec.side,
    quantity: spec.quantity,
    markPrice: spec.mark,
    bankruptcyPrice: spec.bankruptcyPrice,
    contractSize: spec.contractSize ?? '1',
  };
}

// ---------------------------------------------------------------------------------------------
// Arbitraries: small random bases over two instruments, with defaulted positions and a residual.

export const INSTRUMENTS = ['BTC-PERP', 'ETH-PERP'] as const;
const MARKS: Record<(typeof INSTRUMENTS)[number], bigint> = { 'BTC-PERP': 3_000_000n, 'ETH-PERP': 20_000n }; // cents

const cents = (n: bigint): string => fromMinor(n, 2);

const positionArb = (instrumentId: (typeof INSTRUMENTS)[number]) =>
  fc.record({
    side: fc.constantFrom<Side>('long', 'short'),
    // quantity in 1e-4 contracts: 0.0001 … 50
    quantity: fc.bigInt({ min: 1n, max: 500_000n }),
    // entry within ±40% of the mark, in cents
    entryBps: fc.integer({ min: -4000, max: 4000 }),
    maintenanceMargin: fc.bigInt({ min: 0n, max: 500_000n }),
  }).map(({ side, quantity, entryBps, maintenanceMargin }): PositionSpec => {
    const mark = MARKS[instrumentId];
    const entry = mark + (mark * BigInt(entryBps)) / 10_000n;
    return {
      instrumentId,
      side,
      quantity: fromMinor(quantity, 4),
      entry: cents(entry > 0n ? entry : 1n),
      mark: cents(mark),
      maintenanceMargin: cents(maintenanceMargin),
    };
  });

export const participantArb = (accountId: string) =>
  fc
    .record({
      cash: fc.bigInt({ min: -50_000n, max: 50_000_000n }),
      vmGain: fc.bigInt({ min: -5_000_000n, max: 5_000_000n }),
      btc: fc.option(positionArb('BTC-PERP'), { nil: undefined }),
      eth: fc.option(positionArb('ETH-PERP'), { nil: undefined }),
    })
    .map(({ cash, vmGain, btc, eth }) =>
      participant(accountId, {
        cash: cents(cash),
        variationMarginGain: cents(vmGain),
        positions: [btc, eth].filter((p): p is PositionSpec => p !== undefined),
      }),
    );

export const participantsArb = fc
  .uniqueArray(fc.stringMatching(/^acct-[a-z0-9]{1,4}$/), { minLength: 1, maxLength: 25 })
  .chain((ids) => fc.tuple(...ids.map((id) => participantArb(id))));

export const defaultedArb = fc
  .subarray([...INSTRUMENTS], { minLength: 1 })
  .chain((instruments) =>
    fc.tuple(
      ...instruments.map((instrumentId) =>
        fc
          .record({
            side: fc.constantFrom<Side>('long', 'short'),
            quantity: fc.bigInt({ min: 1n, max: 2_000_000n }),
            // bankruptcy price relative to the mark: mostly beyond it (a loss), sometimes not
            beyondBps: fc.integer({ min: -500, max: 3000 }),
          })
          .map(({ side, quantity, beyondBps }) => {
            const mark = MARKS[instrumentId];
            const delta = (mark * BigInt(beyondBps)) / 10_000n;
            const bankruptcy = side === 'long' ? mark + delta : mark - delta;
            return defaulted({ instrumentId, side, quantity: fromMinor(quantity, 4), mark: cents(mark), bankruptcyPrice: cents(bankruptcy) });
          }),
      ),
    ),
  );

export interface Scenario {
  basis: AllocationBasisCapturedPayload;
  positions: DefaultedPosition[];
  residual: string;
}

export const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    participants: participantsArb,
    positions: defaultedArb,
    residual: fc.oneof(fc.bigInt({ min: 1n, max: 10_000n }), fc.bigInt({ min: 1n, max: 5_000_000_000n })),
  })
  .map(({ participants, positions, residual }) => ({
    basis: basis(participants, { 'BTC-PERP': cents(MARKS['BTC-PERP']), 'ETH-PERP': cents(MARKS['ETH-PERP']) }),
    positions,
    residual: cents(residual),
  }));

/** A deterministic permutation of `items` driven by fast-check generated keys. */
export function permute<T>(items: readonly T[], keys: readonly number[]): T[] {
  return items
    .map((item, i) => ({ item, key: keys[i % Math.max(keys.length, 1)] ?? 0, i }))
    .sort((a, b) => a.key - b.key || b.i - a.i)
    .map((x) => x.item);
}
