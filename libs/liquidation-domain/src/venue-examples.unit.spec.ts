// Worked examples from public venue documentation and source (mechanics.md), reproduced by this lib.
import { Decimal } from '@ccp/money';
import { bankruptcyPrice, BankruptcyPriceInput } from './bankruptcy-price.policy';
import { breach, eventsOf, liquidate, ofType, position, recordFill, setParameters, single, when } from './liquidation.test-fixtures';

describe('bankruptcy price — BitMEX and Binance worked examples', () => {
  it.each<{ source: string; input: BankruptcyPriceInput; expected: string }>([
    {
      // bitmex.com/app/isolatedMarginExamples, "Profit Realisation Examples", example one: wallet 10,000 USDT,
      // buys 20 ETHUSDT at 1,000 (notional 20,000: 2% IM = 400 USDT); "liquidation and bankruptcy prices are 510 and 500".
      source: 'BitMEX — Karen, long 20 ETHUSDT @ 1,000, wallet 10,000 USDT → 500',
      input: { side: 'long', quantity: '20', entryPrice: '1000', contractSize: '1', cashBalance: '10000' },
      expected: '500',
    },
    {
      // Binance "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts":
      // LP = (WB − TMM1 + UPNL1 + cum − Side·Pos·EP) / (Pos·MMR − Side·Pos); isolated: TMM1 = UPNL1 = 0.
      // The bankruptcy price is LP with MMR = 0 and cum = 0: (WB − Side·Pos·EP) / (−Side·Pos).
      // Long 1 BTCUSDT @ 30,000 with 3,000 isolated (10×): (3,000 − 30,000) / (−1) = 27,000.
      source: 'Binance — isolated long 1 @ 30,000, WB 3,000 → 27,000',
      input: { side: 'long', quantity: '1', entryPrice: '30000', contractSize: '1', cashBalance: '3000' },
      expected: '27000',
    },
    {
      // Same formula, short (Side = −1): 2 BTCUSDT @ 50,000 with 5,000 isolated: (5,000 + 100,000) / 2 = 52,500.
      source: 'Binance — isolated short 2 @ 50,000, WB 5,000 → 52,500',
      input: { side: 'short', quantity: '2', entryPrice: '50000', contractSize: '1', cashBalance: '5000' },
      expected: '52500',
    },
    {
      // Binance cross margin: UPNL1 of the other contracts enters WB; long 1 @ 30,000, WB 3,000, other contracts −1,000.
      source: 'Binance — cross long 1 @ 30,000, WB 3,000, UPNL of other contracts −1,000 → 28,000',
      input: { side: 'long', quantity: '1', entryPrice: '30000', contractSize: '1', cashBalance: '3000', otherUnrealizedPnl: '-1000' },
      expected: '28000',
    },
    {
      source: 'BitMEX linear contract size: long 1,000 contracts × 0.01 @ 2,000, cash 100 → 1,990',
      input: { side: 'long', quantity: '1000', entryPrice: '2000', contractSize: '0.01', cashBalance: '100' },
      expected: '1990',
    },
    {
      source: 'a long whose cash covers the notional can never go bankrupt: the price is ≤ 0',
      input: { side: 'long', quantity: '1', entryPrice: '100', contractSize: '1', cashBalance: '150' },
      expected: '-50',
    },
  ])('$source', ({ input, expected }) => {
    expect(bankruptcyPrice(input)).toBe(expected);
  });

  it.each([
    // 100 − 100/3 = 66.666…: a long rounds toward +∞, a short (100 + 100/3 = 133.333…) toward −∞.
    { side: 'long' as const, expected: '66.66666667' },
    { side: 'short' as const, expected: '133.33333333' },
  ])('rounds a $side toward the account so closing at it never needs the fund (dYdX v4 rounds the bankruptcy quote toward +∞)', ({ side, expected }) => {
    const input: BankruptcyPriceInput = { side, quantity: '3', entryPrice: '100', contractSize: '1', cashBalance: '100' };
    const price = bankruptcyPrice(input);
    expect(price).toBe(expected);
    const s = side === 'long' ? 1 : -1;
    const equity = new Decimal(100).plus(new Decimal(3).times(new Decimal(price).minus(100)).times(s));
    expect(equity.gte(0)).toBe(true);
    expect(equity.lt('0.00000003')).toBe(true); // < q · c · 10⁻⁸
  });
});

describe('insurance-fund delta — dYdX v4 x/clob/keeper/liquidations.go GetLiquidationInsuranceFundDelta', () => {
  // dYdX: delta = fill quote − bankruptcy quote; if delta ≤ 0 the fund pays |delta|; if > 0 the account pays
  // min(delta, MaxLiquidationFeePpm × |fill quote| / 1e6), MaxLiquidationFeePpm = 5,000 (LiquidationsConfig_Default).
  // Here: fee = min(liquidationFeeRate × fill notional, equity left) with liquidationFeeRate = 0.005, and the
  // fund's side of a default is −deficit, so the insurance-fund delta is fee − deficit.
  const dydxDelta = (fillQuote: Decimal, bankruptcyQuote: Decimal): Decimal => {
    const delta = fillQuote.minus(bankruptcyQuote);
    if (delta.lte(0)) return delta;
    return Decimal.min(delta, fillQuote.abs().times(5000).div(1_000_000));
  };

  it.each([
    // long 1 BTC @ 50,000, cash 1,000: bankruptcy price 49,000, bankruptcy quote +49,000 (a sell receives quote)
    { side: 'long' as const, fill: '49500', expectedDelta: '247.5' }, // delta 500 capped at 5,000 ppm × 49,500 = 247.50
    { side: 'long' as const, fill: '49100', expectedDelta: '100' }, // delta 100 below the cap 245.50
    { side: 'long' as const, fill: '49000', expectedDelta: '0' }, // at the bankruptcy price nobody pays
    { side: 'long' as const, fill: '48800', expectedDelta: '-200' }, // the fund covers 200
    // short 1 BTC @ 50,000, cash 1,000: bankruptcy price 51,000; a buy pays quote, so quotes are negative
    { side: 'short' as const, fill: '50600', expectedDelta: '253' }, // −50,600 − (−51,000) = 400, capped at 253
    { side: 'short' as const, fill: '51300', expectedDelta: '-300' },
  ])('$side closed at $fill → insurance-fund delta $expectedDelta', ({ side, fill, expectedDelta }) => {
    const snapshot = breach({ cashBalance: '1000', positions: [position({ instrumentId: 'BTC-PERP', side, entryPrice: '50000', markPrice: fill })] });
    const events = eventsOf(when([setParameters({ liquidationFeeRate: '0.005', executionModel: { kind: 'external-fills' } }), recordFill('BTC-PERP', fill)], liquidate(snapshot)));
    const fee = ofType(events, 'LiquidationFilled').reduce((acc, e) => acc.plus(e.payload.liquidationFee), new Decimal(0));
    const deficit = ofType(events, 'AccountDefaulted').reduce((acc, e) => acc.plus(e.payload.deficit), new Decimal(0));
    const ours = fee.minus(deficit);

    const bankruptcy = new Decimal(bankruptcyPrice({ side, quantity: '1', entryPrice: '50000', contractSize: '1', cashBalance: '1000' }));
    const sign = side === 'long' ? 1 : -1; // sell receives (+), buy pays (−)
    const theirs = dydxDelta(new Decimal(fill).times(sign), bankruptcy.times(sign));
    expect(ours.toString()).toBe(new Decimal(expectedDelta).toString());
    expect(theirs.toString()).toBe(new Decimal(expectedDelta).toString());
  });
});

describe('partial liquidation — Hyperliquid closes 20% of a large position first (mechanics.md)', () => {
  it('a 490,000 USD long is reduced by 20% and, restored, keeps 80%', () => {
    const params = setParameters({ mode: 'partial', partialFraction: '0.2', partialNotionalThreshold: '100000', liquidationFeeRate: '0.0005' });
    const snapshot = breach({ cashBalance: '14000', positions: [position({ instrumentId: 'BTC-PERP', quantity: '10', markPrice: '49000', maintenanceMarginRequired: '4900' })] });
    const events = eventsOf(when([params], liquidate(snapshot)));
    expect(ofType(events, 'LiquidationFilled').map((e) => e.payload.quantity)).toEqual(['2']);
    expect(single(events, 'LiquidationCompleted').payload.outcome).toBe('restored');
  });
});
