import { lossAllocatedPayload } from '@ccp/contracts';
import { prepareBasis, prepareDefaultedPositions } from './allocation-basis';
import { adlPolicy } from './adl.policy';
import { rankQueue } from './adl-ranking';
import { counterfactual } from './allocation-policies';
import { basis, defaulted, participant } from './testing/allocation.fixtures';

/**
 * BitMEX ADL ranking (mechanics.md): PnL% × EffLev if PnL% > 0 else PnL% / EffLev,
 * EffLev = |MarkValue| / (MarkValue − BankruptValue) = |mark notional| / equity, PnL% = upnl / |entry value|.
 * A defaulted long of 10 BTC-PERP at mark 90, bankruptcy price 95: each contract closed at 95 instead
 * of 90 costs its short counterparty 5.
 */
const bitmexBook = basis(
  [
    // PnL% = 40/400 = 0.1, EffLev = 360/100 = 3.6 → 0.36
    participant('short-s1', { cash: '60', positions: [{ side: 'short', quantity: '4', entry: '100', mark: '90' }] }),
    // PnL% = 25/475, EffLev = 450/45 = 10 → 0.526315789…
    participant('short-s2', { cash: '20', positions: [{ side: 'short', quantity: '5', entry: '95', mark: '90' }] }),
    // losing: PnL% = −50/850, EffLev = 900/950 → −0.062091503…
    participant('short-s3', { cash: '1000', positions: [{ side: 'short', quantity: '10', entry: '85', mark: '90' }] }),
    // PnL% = 60/240 = 0.25, EffLev = 180/60 = 3 → 0.75
    participant('short-s4', { cash: '0', positions: [{ side: 'short', quantity: '2', entry: '120', mark: '90' }] }),
    // same side as the defaulter: never in the queue
    participant('long-l1', { cash: '500', positions: [{ side: 'long', quantity: '3', entry: '80', mark: '90' }] }),
  ],
  { 'BTC-PERP': '90' },
);
const defaultedLong = prepareDefaultedPositions([defaulted({ side: 'long', quantity: '10', mark: '90', bankruptcyPrice: '95' })]);

const closes = (outcome: ReturnType<typeof adlPolicy>) =>
  outcome.allocations.map((a) => ({ accountId: a.accountId, amount: a.amount, quantityClosed: a.quantityClosed, closePrice: a.closePrice, side: a.side }));

describe('ADL ranking keys', () => {
  it('BitMEX: ranks the opposite side by PnL% × EffLev, losers by PnL% / EffLev (scores to 18 decimals, floor)', () => {
    const b = prepareBasis(bitmexBook);
    const queue = b.holdings('BTC-PERP').filter((h) => h.position.side === 'short');
    const ranked = rankQueue(queue, 'bitmex').map((r) => [r.holding.account.accountId, r.score]);
    expect(ranked).toEqual([
      ['short-s4', 750_000_000_000_000_000n],
      ['short-s2', 526_315_789_473_684_210n],
      ['short-s1', 360_000_000_000_000_000n],
      ['short-s3', -62_091_503_267_973_857n],
    ]);
  });

  it('Binance: ranks by PnL% × MarginRatio, PnL% = max(0, UPnL) / max(1, wallet), MarginRatio = MM / (wallet + UPnL)', () => {
    const b = prepareBasis(
      basis([
        // PnL% = 500/1000 = 0.5, MR = 50/1500 → 0.016667
        participant('bn-a', { cash: '1000', positions: [{ side: 'short', quantity: '10', entry: '150', mark: '100', maintenanceMargin: '50' }] }),
        // PnL% = 100/100 = 1, MR = 40/200 = 0.2 → 0.2
        participant('bn-b', { cash: '100', positions: [{ side: 'short', quantity: '1', entry: '200', mark: '100', maintenanceMargin: '40' }] }),
        // wallet 0.5 → max(1, 0.5) = 1: PnL% = 2/1 = 2, MR = 1/2.5 = 0.4 → 0.8
        participant('bn-c', { cash: '0.5', positions: [{ side: 'short', quantity: '0.02', entry: '200', mark: '100', maintenanceMargin: '1' }] }),
        // losing: PnL% = 0 → 0
        participant('bn-d', { cash: '100', positions: [{ side: 'short', quantity: '1', entry: '90', mark: '100', maintenanceMargin: '5' }] }),
      ]),
    );
    const ranked = rankQueue(b.holdings('BTC-PERP'), 'binance').map((r) => [r.holding.account.accountId, r.score]);
    expect(ranked).toEqual([
      ['bn-c', 800_000_000_000_000_000n],
      ['bn-b', 200_000_000_000_000_000n],
      ['bn-a', 16_666_666_666_666_666n],
      ['bn-d', 0n],
    ]);
  });

  it('Hyperliquid: sorts by (mark / entry) × (notional / account value); equal keys by accountId; entry / mark for shorts', () => {
    const b = prepareBasis(
      basis([
        // 100/50 × 100/50 = 4
        participant('hl-a', { cash: '0', positions: [{ side: 'long', quantity: '1', entry: '50', mark: '100' }] }),
        // 100/90 × 1000/500 = 2.2222…
        participant('hl-b', { cash: '400', positions: [{ side: 'long', quantity: '10', entry: '90', mark: '100' }] }),
        // 1 × 500/100 = 5
        participant('hl-c', { cash: '100', positions: [{ side: 'long', quantity: '5', entry: '100', mark: '100' }] }),
        // 100/200 × 100/10 = 5: ties with hl-c, accountId decides
        participant('hl-d', { cash: '110', positions: [{ side: 'long', quantity: '1', entry: '200', mark: '100' }] }),
        // no open position: never absorbs (Hyperliquid's invariant)
        participant('hl-flat', { cash: '1000000' }),
      ]),
    );
    const longs = rankQueue(b.holdings('BTC-PERP'), 'hyperliquid').map((r) => [r.holding.account.accountId, r.score]);
    expect(longs).toEqual([
      ['hl-c', 5_000_000_000_000_000_000n],
      ['hl-d', 5_000_000_000_000_000_000n],
      ['hl-a', 4_000_000_000_000_000_000n],
      ['hl-b', 2_222_222_222_222_222_222n],
    ]);
    const shorts = prepareBasis(
      basis([
        // short entry 110, mark 100: entry/mark = 1.1 × 100/20 = 5.5 (gains like a long 100 → 110)
        participant('hs-a', { cash: '10', positions: [{ side: 'short', quantity: '1', entry: '110', mark: '100' }] }),
        // losing short entry 90, mark 100: 0.9 × 100/20 = 4.5
        participant('hs-b', { cash: '30', positions: [{ side: 'short', quantity: '1', entry: '90', mark: '100' }] }),
      ]),
    );
    expect(rankQueue(shorts.holdings('BTC-PERP'), 'hyperliquid').map((r) => [r.holding.account.accountId, r.score])).toEqual([
      ['hs-a', 5_500_000_000_000_000_000n],
      ['hs-b', 4_500_000_000_000_000_000n],
    ]);
  });

  it('queues accounts with equity ≤ 0 after every solvent one, whatever their score', () => {
    const b = prepareBasis(
      basis([
        participant('broke', { cash: '-500', positions: [{ side: 'short', quantity: '1', entry: '200', mark: '100' }] }),
        participant('solvent', { cash: '1000', positions: [{ side: 'short', quantity: '1', entry: '90', mark: '100' }] }),
      ]),
    );
    for (const ranking of ['bitmex', 'binance', 'hyperliquid'] as const) {
      expect(rankQueue(b.holdings('BTC-PERP'), ranking).map((r) => r.holding.account.accountId)).toEqual(['solvent', 'broke']);
    }
  });
});

describe('ADL accounting: close at the bankruptcy price, charge the forgone profit, exact to the cent', () => {
  it.each([
    {
      name: 'residual 30 needs 6 contracts at 5 each: s4 closes its 2, s2 closes 4 of its 5 (min(remaining, position), dYdX v4 deleveraging.go)',
      residual: 3_000n,
      closeWholePosition: false,
      expected: [
        { accountId: 'short-s2', amount: 2_000n, quantityClosed: 400_000_000n, closePrice: 9_500_000_000n, side: 'short' },
        { accountId: 'short-s4', amount: 1_000n, quantityClosed: 200_000_000n, closePrice: 9_500_000_000n, side: 'short' },
      ],
      unallocated: 0n,
      overshoot: 0n,
    },
    {
      name: 'closeWholePosition (Hyperliquid-like queue): s2 closes all 5, 7 contracts × 5 = 35 charged, overshoot 5',
      residual: 3_000n,
      closeWholePosition: true,
      expected: [
        { accountId: 'short-s2', amount: 2_500n, quantityClosed: 500_000_000n, closePrice: 9_500_000_000n, side: 'short' },
        { accountId: 'short-s4', amount: 1_000n, quantityClosed: 200_000_000n, closePrice: 9_500_000_000n, side: 'short' },
      ],
      unallocated: 0n,
      overshoot: 500n,
    },
    {
      name: 'residual 75 beyond what 10 defaulted contracts absorb (10 × 5 = 50): 25 unallocated, s1 reached for 3 of 4',
      residual: 7_500n,
      closeWholePosition: false,
      expected: [
        { accountId: 'short-s1', amount: 1_500n, quantityClosed: 300_000_000n, closePrice: 9_500_000_000n, side: 'short' },
        { accountId: 'short-s2', amount: 2_500n, quantityClosed: 500_000_000n, closePrice: 9_500_000_000n, side: 'short' },
        { accountId: 'short-s4', amount: 1_000n, quantityClosed: 200_000_000n, closePrice: 9_500_000_000n, side: 'short' },
      ],
      unallocated: 2_500n,
      overshoot: 0n,
    },
  ])('$name', ({ residual, closeWholePosition, expected, unallocated, overshoot }) => {
    const outcome = adlPolicy(prepareBasis(bitmexBook), residual, defaultedLong, { ranking: 'bitmex', closeWholePosition });
    expect(closes(outcome)).toEqual(expected);
    expect(outcome.unallocated).toBe(unallocated);
    expect(outcome.overshoot).toBe(overshoot);
  });

  it('splits cents by quantity taken: 10.00 at 3 per contract needs ⌈3.33333333…⌉ = 3.33333334 contracts', () => {
    const b = prepareBasis(
      basis([
        // Hyperliquid key 1 × 100/10 = 10: first, closes its whole 1 contract
        participant('x', { cash: '10', positions: [{ side: 'long', quantity: '1', entry: '100', mark: '100' }] }),
        // 1 × 500/100 = 5: closes the remaining 2.33333334
        participant('y', { cash: '100', positions: [{ side: 'long', quantity: '5', entry: '100', mark: '100' }] }),
      ]),
    );
    // defaulted short, mark 100 above its bankruptcy price 97: longs closed at 97 forgo 3 a contract
    const dp = prepareDefaultedPositions([defaulted({ side: 'short', quantity: '20', mark: '100', bankruptcyPrice: '97' })]);
    const outcome = adlPolicy(b, 1_000n, dp, { ranking: 'hyperliquid' });
    // 1000 cents by quantity 1 : 2.33333334 → exact 299.99999994 and 700.00000006: floors 299 + 700,
    // the last cent to x's larger remainder → 3.00 and 7.00; forgone profit 3.00 and 7.00000002
    expect(closes(outcome)).toEqual([
      { accountId: 'x', amount: 300n, quantityClosed: 100_000_000n, closePrice: 9_700_000_000n, side: 'long' },
      { accountId: 'y', amount: 700n, quantityClosed: 233_333_334n, closePrice: 9_700_000_000n, side: 'long' },
    ]);
  });

  it('splits the residual across two defaulted positions pro rata to their loss at the mark', () => {
    const b = prepareBasis(
      basis(
        [
          participant('btc-short', { cash: '10000', positions: [{ instrumentId: 'BTC-PERP', side: 'short', quantity: '10', entry: '100', mark: '90' }] }),
          participant('eth-long', { cash: '10000', positions: [{ instrumentId: 'ETH-PERP', side: 'long', quantity: '100', entry: '10', mark: '12' }] }),
        ],
        { 'BTC-PERP': '90', 'ETH-PERP': '12' },
      ),
    );
    const dp = prepareDefaultedPositions([
      defaulted({ instrumentId: 'BTC-PERP', side: 'long', quantity: '10', mark: '90', bankruptcyPrice: '93' }), // loss 30
      defaulted({ instrumentId: 'ETH-PERP', side: 'short', quantity: '60', mark: '12', bankruptcyPrice: '11.5' }), // loss 30
    ]);
    const outcome = adlPolicy(b, 3_000n, dp, { ranking: 'bitmex' });
    expect(closes(outcome)).toEqual([
      { accountId: 'btc-short', amount: 1_500n, quantityClosed: 500_000_000n, closePrice: 9_300_000_000n, side: 'short' },
      { accountId: 'eth-long', amount: 1_500n, quantityClosed: 3_000_000_000n, closePrice: 1_150_000_000n, side: 'long' },
    ]);
  });

  it('prices the loss at the mark in force at capture, and absorbs nothing once the mark is back inside the bankruptcy price', () => {
    // the default carried mark 96, but the basis captured 90: 5 a contract is still there to absorb
    const dp = prepareDefaultedPositions([defaulted({ side: 'long', quantity: '10', mark: '96', bankruptcyPrice: '95' })]);
    const outcome = adlPolicy(prepareBasis(bitmexBook), 3_000n, dp, { ranking: 'bitmex' });
    expect(outcome.unallocated).toBe(0n);
    const recovered = adlPolicy(prepareBasis({ ...bitmexBook, marks: { 'BTC-PERP': '96' } }), 3_000n, dp, { ranking: 'bitmex' });
    expect(recovered.allocations).toEqual([]);
    expect(recovered.unallocated).toBe(3_000n);
  });

  it('renders a valid LossAllocated payload with closes and fairness (counterfactual)', () => {
    const payload = counterfactual(bitmexBook, '30', [defaulted({ side: 'long', quantity: '10', mark: '90', bankruptcyPrice: '95' })], 'adl:bitmex', { closeWholePosition: true });
    expect(lossAllocatedPayload.parse(payload)).toEqual(payload);
    expect(payload.allocations).toEqual([
      { accountId: 'short-s2', memberId: 'm-short-s2', amount: '25', instrumentId: 'BTC-PERP', side: 'short', quantityClosed: '5', closePrice: '95' },
      { accountId: 'short-s4', memberId: 'm-short-s4', amount: '10', instrumentId: 'BTC-PERP', side: 'short', quantityClosed: '2', closePrice: '95' },
    ]);
    expect(payload.fairness.overshoot).toBe('5');
    expect(payload.fairness.totalCharged).toBe('35');
    expect(payload.fairness.notionalClosed).toBe('665'); // 7 contracts × 95
    expect(payload.fairness.largestHaircutShareOfProfit).toBe('1'); // s2: 25 of its 25 profit
  });
});
