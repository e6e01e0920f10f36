import fc from 'fast-check';
import { canonicalJson, lossAllocatedPayload } from '@ccp/contracts';
import { exposuresOf, prepareBasis, prepareDefaultedPositions } from './allocation-basis';
import type { AllocationBasis, DefaultedExposure, Holding } from './allocation-basis';
import type { PolicyOutcome } from './allocation-outcome';
import { adlPolicy } from './adl.policy';
import { ADL_RANKINGS } from './adl-ranking';
import { counterfactual } from './allocation-policies';
import { ceilDiv, parseAmount, VALUE_PER_CENT } from './fixed-point';
import { permute, scenarioArb, basis, defaulted, participant } from './testing/allocation.fixtures';
import { leverageAtMost, maxLeverageAfter, MaxLeverage, waterFill, waterFillingPolicy } from './water-filling.policy';

const FC_RUNS = Number(process.env['FC_RUNS'] ?? 1000);
jest.setTimeout(120_000);

const opposite = (b: AllocationBasis, e: DefaultedExposure): Holding[] => b.holdings(e.position.instrumentId).filter((h) => h.position.side !== e.position.side);
const closedOn = (outcome: PolicyOutcome, instrumentId: string): Map<string, bigint> => {
  const m = new Map<string, bigint>();
  for (const a of outcome.allocations) if (a.instrumentId === instrumentId) m.set(a.accountId, (m.get(a.accountId) ?? 0n) + (a.quantityClosed ?? 0n));
  return m;
};
const asNumber = (l: MaxLeverage): number => (l.infinite ? Infinity : Number(l.num) / Number(l.den));

/**
 * Campbell, Hey, Moallemi, Nutz (arXiv 2603.15963): reduce the most levered first, equalize leverage
 * downward. A defaulted long of 10 BTC-PERP at mark 90, bankruptcy price 95 (L = 5 per contract);
 * residual 40 → 8 contracts to close. Shorts (leverage = notional / equity):
 *   s-a: 10 @ entry 100, cash 0 → upnl 100, equity 100, leverage 9
 *   s-b:  4 @ entry 200, cash −340 → upnl 440, equity 100, leverage 3.6
 *   s-c:  2 @ entry 140, cash 100 → upnl 100, equity 200, leverage 0.9
 * Water level: s-a alone would keep (10 − 8)/100 = 0.02 contracts per dollar, below s-b's 0.04, so
 * s-b joins: (14 − 8)/200 = 0.03 per dollar ≥ s-c's 0.01. s-a keeps 3 (closes 7), s-b keeps 3
 * (closes 1): both at leverage 3 × 90 / 100 = 2.7. Charges pro rata to the quantity closed: 35 and 5.
 * The Hyperliquid queue ranks s-a first (100/90 × 900/100 = 10 vs s-b 200/90 × 360/100 = 8) and
 * closes 8 of s-a, leaving s-b at leverage 3.6.
 */
const book = basis(
  [
    participant('s-a', { cash: '0', positions: [{ side: 'short', quantity: '10', entry: '100', mark: '90' }] }),
    participant('s-b', { cash: '-340', positions: [{ side: 'short', quantity: '4', entry: '200', mark: '90' }] }),
    participant('s-c', { cash: '100', positions: [{ side: 'short', quantity: '2', entry: '140', mark: '90' }] }),
    participant('l-a', { cash: '500', positions: [{ side: 'long', quantity: '3', entry: '80', mark: '90' }] }),
  ],
  { 'BTC-PERP': '90' },
);
const defaultedLong = prepareDefaultedPositions([defaulted({ side: 'long', quantity: '10', mark: '90', bankruptcyPrice: '95' })]);
const E8 = 100_000_000n;

describe('water-filling ADL: worked example', () => {
  it('closes the most levered first and equalizes leverage downward (7 of s-a, 1 of s-b at 95; charges 35 and 5)', () => {
    const b = prepareBasis(book);
    const outcome = waterFillingPolicy(b, 4000n, defaultedLong, {});
    expect(outcome.allocations.map((a) => ({ accountId: a.accountId, amount: a.amount, quantityClosed: a.quantityClosed, closePrice: a.closePrice, side: a.side }))).toEqual([
      { accountId: 's-a', amount: 3500n, quantityClosed: 7n * E8, closePrice: 95n * E8, side: 'short' },
      { accountId: 's-b', amount: 500n, quantityClosed: 1n * E8, closePrice: 95n * E8, side: 'short' },
    ]);
    expect(outcome.unallocated).toBe(0n);
    expect(outcome.overshoot).toBe(0n);
    const [e] = exposuresOf(b, defaultedLong);
    const after = maxLeverageAfter(opposite(b, e!), closedOn(outcome, 'BTC-PERP'));
    // 3 contracts per 100 dollars of equity (10 000 cents), × mark 90 = leverage 2.7
    expect(after.num * 10_000n).toBe(after.den * 3n * E8);
  });

  it('leaves a lower maximum leverage than the Hyperliquid queue on the same basis (2.7 vs 3.6)', () => {
    const b = prepareBasis(book);
    const [e] = exposuresOf(b, defaultedLong);
    const queue = adlPolicy(b, 4000n, defaultedLong, { ranking: 'hyperliquid' });
    expect(queue.allocations.map((a) => [a.accountId, a.quantityClosed])).toEqual([['s-a', 8n * E8]]);
    const wf = maxLeverageAfter(opposite(b, e!), closedOn(waterFillingPolicy(b, 4000n, defaultedLong, {}), 'BTC-PERP'));
    const q = maxLeverageAfter(opposite(b, e!), closedOn(queue, 'BTC-PERP'));
    // units (1e-8 contracts) per cent × 1e-8 × mark 90 × 100 cents per dollar
    expect(asNumber(wf) * 9e-5).toBeCloseTo(2.7, 9);
    expect(asNumber(q) * 9e-5).toBeCloseTo(3.6, 9);
    expect(leverageAtMost(wf, q)).toBe(true);
    expect(leverageAtMost(q, wf)).toBe(false);
  });

  it('reduces an account with equity ≤ 0 first and in full (infinitely levered)', () => {
    const b = prepareBasis(
      basis(
        [
          participant('s-a', { cash: '0', positions: [{ side: 'short', quantity: '10', entry: '100', mark: '90' }] }),
          // upnl −20, cash 10 → equity −10
          participant('s-z', { cash: '10', positions: [{ side: 'short', quantity: '2', entry: '80', mark: '90' }] }),
        ],
        { 'BTC-PERP': '90' },
      ),
    );
    const outcome = waterFillingPolicy(b, 2500n, defaultedLong, {}); // 5 contracts
    expect(outcome.allocations.map((a) => [a.accountId, a.quantityClosed])).toEqual([
      ['s-a', 3n * E8],
      ['s-z', 2n * E8],
    ]);
  });

  it('hands back the contracts the floors closed too many to the holding whose leverage rises least', () => {
    // three equal holdings of 10 units (1e-8 contracts), equity 3 cents each; close 10 of the 30: the level is
    // 20 units per 9 cents, the floors keep ⌊20/9 × 3⌋ = 6 each (18), and the 2 units closed too many go
    // back one at a time to the lowest next leverage 7/3 — h-1, then h-2 (accountId breaks the tie)
    const b = prepareBasis(
      basis(
        ['h-1', 'h-2', 'h-3'].map((id) => participant(id, { equity: '0.03', positions: [{ side: 'short', quantity: '0.0000001', entry: '90', mark: '90' }] })),
        { 'BTC-PERP': '90' },
      ),
    );
    const holdings = b.holdings('BTC-PERP');
    const takes = waterFill(holdings, 10n);
    expect(takes.reduce((s, t) => s + t.quantity, 0n)).toBe(10n);
    // 30 units held, 20 kept: the fairest split keeps 7, 7, 6 (the tie goes to accountId order)
    expect(takes.map((t) => [t.holding.account.accountId, t.quantity])).toEqual([
      ['h-1', 3n],
      ['h-2', 3n],
      ['h-3', 4n],
    ]);
  });

  it('is registered as adl:water-filling and refuses closeWholePosition', () => {
    const once = counterfactual(book, '40', [defaulted({ side: 'long', quantity: '10', mark: '90', bankruptcyPrice: '95' })], 'adl:water-filling');
    expect(lossAllocatedPayload.parse(once)).toEqual(once);
    expect(once.policy).toBe('adl:water-filling');
    expect(once.allocations.map((l) => [l.accountId, l.amount, l.quantityClosed])).toEqual([
      ['s-a', '35', '7'],
      ['s-b', '5', '1'],
    ]);
    expect(() => counterfactual(book, '40', [], 'adl:water-filling', { closeWholePosition: true })).toThrow(/no parameter closeWholePosition/);
  });
});

describe('water-filling ADL (property-based)', () => {
  it('conserves to the cent, closes exactly what the queue closes, never beyond a position, at the bankruptcy price, no overshoot', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const b = prepareBasis(s.basis);
        const residual = parseAmount(s.residual, 'residual');
        const positions = prepareDefaultedPositions(s.positions);
        const wf = waterFillingPolicy(b, residual, positions, {});
        const queue = adlPolicy(b, residual, positions, { ranking: 'hyperliquid' });
        const charged = wf.allocations.reduce((acc, a) => acc + a.amount, 0n);
        expect(wf.overshoot).toBe(0n);
        expect(charged + wf.unallocated).toBe(residual);
        expect(wf.unallocated).toBe(queue.unallocated);
        for (const e of exposuresOf(b, positions)) {
          const held = new Map(opposite(b, e).map((h) => [h.account.accountId, h.position.quantity]));
          const wfClosed = closedOn(wf, e.position.instrumentId);
          let total = 0n;
          let charge = 0n;
          for (const a of wf.allocations.filter((x) => x.instrumentId === e.position.instrumentId)) {
            const q = a.quantityClosed ?? 0n;
            expect(held.has(a.accountId)).toBe(true);
            expect(q > 0n && q <= held.get(a.accountId)!).toBe(true);
            expect(a.closePrice).toBe(e.position.bankruptcyPrice);
            // never worse than closing at the bankruptcy price: charge ≤ ⌈L × q⌉
            expect(a.amount * VALUE_PER_CENT < e.lossPerContract * q + VALUE_PER_CENT).toBe(true);
            total += q;
            charge += a.amount;
          }
          const queueTotal = [...closedOn(queue, e.position.instrumentId).values()].reduce((x, y) => x + y, 0n);
          expect(total).toBe(queueTotal);
          if (charge > 0n) expect(total).toBe(ceilDiv(charge * VALUE_PER_CENT, e.lossPerContract));
          expect(wfClosed.size).toBe(wf.allocations.filter((x) => x.instrumentId === e.position.instrumentId).length);
        }
      }),
      { numRuns: FC_RUNS },
    );
  });

  // Same quantity closed: the queues as they close only what is needed (closeWholePosition closes
  // more than the default requires, so its leverage is not a like-for-like comparison).
  it('never leaves a higher maximum leverage than any queue (BitMEX, Binance, Hyperliquid) closing the same quantity on the same basis', () => {
    fc.assert(
      fc.property(scenarioArb, fc.constantFrom(...ADL_RANKINGS), (s, ranking) => {
        const b = prepareBasis(s.basis);
        const residual = parseAmount(s.residual, 'residual');
        const positions = prepareDefaultedPositions(s.positions);
        const wf = waterFillingPolicy(b, residual, positions, {});
        const queue = adlPolicy(b, residual, positions, { ranking });
        for (const e of exposuresOf(b, positions)) {
          const pool = opposite(b, e);
          const w = maxLeverageAfter(pool, closedOn(wf, e.position.instrumentId));
          const q = maxLeverageAfter(pool, closedOn(queue, e.position.instrumentId));
          expect(leverageAtMost(w, q)).toBe(true);
        }
      }),
      { numRuns: FC_RUNS },
    );
  });

  it('is the minimum: no other way of closing the same quantity leaves a lower maximum leverage', () => {
    fc.assert(
      fc.property(scenarioArb, fc.array(fc.integer(), { minLength: 1, maxLength: 30 }), (s, keys) => {
        const b = prepareBasis(s.basis);
        const residual = parseAmount(s.residual, 'residual');
        const positions = prepareDefaultedPositions(s.positions);
        const wf = waterFillingPolicy(b, residual, positions, {});
        for (const e of exposuresOf(b, positions)) {
          const pool = opposite(b, e);
          const wfClosed = closedOn(wf, e.position.instrumentId);
          let needed = [...wfClosed.values()].reduce((x, y) => x + y, 0n);
          // another feasible reduction: walk the pool in a random order, min(remaining, held)
          const other = new Map<string, bigint>();
          for (const h of permute(pool, keys)) {
            if (needed === 0n) break;
            const take = h.position.quantity < needed ? h.position.quantity : needed;
            other.set(h.account.accountId, take);
            needed -= take;
          }
          expect(leverageAtMost(maxLeverageAfter(pool, wfClosed), maxLeverageAfter(pool, other))).toBe(true);
        }
      }),
      { numRuns: FC_RUNS },
    );
  });

  it('is deterministic and independent of the order of the basis', () => {
    fc.assert(
      fc.property(scenarioArb, fc.array(fc.integer(), { minLength: 1, maxLength: 30 }), (s, keys) => {
        const once = canonicalJson(counterfactual(s.basis, s.residual, s.positions, 'adl:water-filling'));
        const shuffled = { ...s.basis, participants: permute(s.basis.participants, keys) };
        expect(canonicalJson(counterfactual(s.basis, s.residual, s.positions, 'adl:water-filling'))).toBe(once);
        expect(canonicalJson(counterfactual(shuffled, s.residual, [...s.positions].reverse(), 'adl:water-filling'))).toBe(once);
      }),
      { numRuns: FC_RUNS },
    );
  });
});
