/* eslint-disable @typescript-eslint/no-non-null-assertion -- specs index into arrays and maps they have just built */
import { WIRE_EVENT_SCHEMAS } from '@ccp/contracts';
import { accountView } from './margin.views';
import { findBreaches, naiveScanBreaches } from './breach.scan';
import { apply, attempt, btcSetup, command, deposit, given, list, liquidationFill, mark, member, open, trade, typesOf } from './margin.test-support';

/**
 * Worked linear-perpetual examples, computed by hand in the comments. The margin model is the one
 * crypto perpetual venues publish: notional = |qty| × mark × contract size, initial/maintenance margin
 * = notional × rate, breach when equity < maintenance (Binance USDⓈ-M "Margin and liquidation";
 * BitMEX "Liquidation" guide; dYdX v4 `x/clob/keeper/liquidations.go` checks the same inequality).
 */
describe('worked example: long 1 BTC at 60,000, IM 10%, MM 5%', () => {
  // cash 8,000; buy 1 BTC-PERP (contract size 1) at 60,000.
  // Liquidation price: 8,000 + (P − 60,000) = 0.05 × P ⇒ 0.95 P = 52,000 ⇒ P = 54,736.842105…
  const setup = () => {
    const state = given([...btcSetup('8000'), trade('T1', 'A1', 'BTC-PERP', 'long', '1', '60000')]);
    return state;
  };

  it('before any mark values the position at the trade price: equity 8,000, IM 6,000, MM 3,000', () => {
    expect(accountView(setup(), 'A1')).toMatchObject({ cashBalance: '8000', equity: '8000', initialMarginRequired: '6000', maintenanceMarginRequired: '3000', availableToWithdraw: '2000' });
  });

  it('mark 55,000: unrealized −5,000, equity 3,000 ≥ MM 2,750 (but < IM 5,500): no breach, no withdrawal', () => {
    const state = setup();
    const events = apply(state, mark('BTC-PERP', '55000', 1));
    expect(typesOf(events)).toEqual(['MarkPriceApplied']);
    expect(accountView(state, 'A1')).toMatchObject({
      equity: '3000',
      maintenanceMarginRequired: '2750',
      initialMarginRequired: '5500',
      availableToWithdraw: '0',
      positions: [{ instrumentId: 'BTC-PERP', side: 'long', quantity: '1', entryPrice: '60000', markPrice: '55000', unrealizedPnl: '-5000', maintenanceMarginRequired: '2750' }],
    });
    expect(attempt(state, command('WithdrawCollateral', { accountId: 'A1', amount: '0.01' }))).toMatchObject({ rejection: { code: 'insufficient_collateral' } });
  });

  it('mark 54,736.85: equity 2,736.85 = MM ⌈2,736.8425⌉ = 2,736.85 — equal is not a breach', () => {
    const state = setup();
    expect(typesOf(apply(state, mark('BTC-PERP', '54736.85', 2)))).toEqual(['MarkPriceApplied']);
  });

  it('mark 54,736.84: equity 2,736.84 < MM ⌈2,736.842⌉ = 2,736.85 — breach, once, with the wire payload', () => {
    const state = setup();
    const events = apply(state, mark('BTC-PERP', '54736.84', 3));
    expect(typesOf(events)).toEqual(['MarkPriceApplied', 'MaintenanceBreached']);
    const breach = events[1]!;
    expect(breach.stream).toBe('A1');
    expect(breach.payload).toEqual({
      accountId: 'A1',
      memberId: 'M1',
      breachId: 'A1@3',
      cashBalance: '8000',
      equity: '2736.84',
      maintenanceMarginRequired: '2736.85',
      positions: [
        { instrumentId: 'BTC-PERP', side: 'long', quantity: '1', entryPrice: '60000', markPrice: '54736.84', contractSize: '1', unrealizedPnl: '-5263.16', maintenanceMarginRequired: '2736.85' },
      ],
    });
    expect(WIRE_EVENT_SCHEMAS.MaintenanceBreached.safeParse(breach.payload).success).toBe(true);
    // a further fall while the liquidation is pending emits no second breach
    expect(typesOf(apply(state, mark('BTC-PERP', '50000', 4)))).toEqual(['MarkPriceApplied']);
    expect(accountView(state, 'A1')?.liquidationPending).toBe(true);
    // the fill closes 1 at 54,500: realized 54,500 − 60,000 = −5,500; fee 50; cash 8,000 − 5,500 − 50 = 2,450; flat ⇒ cleared
    const fill = apply(state, liquidationFill('A1', 'BTC-PERP', 'long', '1', '54500', '50'));
    expect(fill[0]!.payload).toMatchObject({ realizedPnl: '-5500', cashBalance: '2450', position: null, liquidationPending: false });
    expect(accountView(state, 'A1')).toMatchObject({ cashBalance: '2450', equity: '2450', liquidationPending: false, positions: [] });
  });

  it('the mirror: short 1 at 60,000 breaches above 68,000 ÷ 1.05 = 64,761.904…', () => {
    // at 64,761.90: equity 8,000 − 4,761.90 = 3,238.10, MM ⌈3,238.095⌉ = 3,238.10 — not a breach
    // at 64,761.91: equity 3,238.09, MM ⌈3,238.0955⌉ = 3,238.10 — breach
    const state = given([...btcSetup('8000'), trade('T1', 'A1', 'BTC-PERP', 'short', '1', '60000')]);
    expect(typesOf(apply(state, mark('BTC-PERP', '64761.90', 1)))).toEqual(['MarkPriceApplied']);
    expect(typesOf(apply(state, mark('BTC-PERP', '64761.91', 2)))).toEqual(['MarkPriceApplied', 'MaintenanceBreached']);
  });

  it('the index examines only the account whose bound the mark crosses', () => {
    // 100 longs at 60,000 with cash 8,000 + i: liquidation prices (52,000 − i) / 0.95, from 54,736.84 down
    const commands = [member('M1'), list('BTC-PERP', '0.1', '0.05')];
    for (let i = 0; i < 100; i += 1) commands.push(open(`A${i}`, 'M1'), deposit(`A${i}`, String(8000 + i * 10)), trade(`T${i}`, `A${i}`, 'BTC-PERP', 'long', '1', '60000'));
    const state = given(commands);
    // mark 54,730: breached iff (52,000 − 10 i) / 0.95 > 54,730 ⇔ 10 i < 6.5 ⇔ i = 0 only
    const indexed = findBreaches(state, 'BTC-PERP', '54730');
    expect(indexed.accountIds).toEqual(['A0']);
    expect(indexed.examined).toBeLessThanOrEqual(2);
    expect(naiveScanBreaches(state, 'BTC-PERP', '54730')).toEqual({ accountIds: ['A0'], examined: 100 });
  });
});

describe('worked example: tiered (incremental) maintenance margin', () => {
  // Base IM 2% / MM 1% below 100,000 USD notional; from 100,000 IM 5% / MM 2.5%.
  // Long 2 BTC at 60,000: notional 120,000 ⇒ MM = 100,000 × 1% + 20,000 × 2.5% = 1,000 + 500 = 1,500.
  // Binance writes the same bracket as 120,000 × 2.5% − maintenance amount 1,500 (= 100,000 × (2.5% − 1%)) = 1,500.
  // IM = 100,000 × 2% + 20,000 × 5% = 2,000 + 1,000 = 3,000.
  it('charges each bracket its own rate', () => {
    const state = given([
      member('M1'),
      list('BTC-PERP', '0.02', '0.01', '1', [{ notionalFloor: '100000', initialMarginRate: '0.05', maintenanceMarginRate: '0.025' }]),
      open('A1', 'M1'),
      deposit('A1', '5000'),
      trade('T1', 'A1', 'BTC-PERP', 'long', '2', '60000'),
    ]);
    expect(accountView(state, 'A1')).toMatchObject({ maintenanceMarginRequired: '1500', initialMarginRequired: '3000' });
    // mark 57,500: notional 115,000 ⇒ MM 1,000 + 15,000 × 2.5% = 1,375; equity 5,000 − 5,000 = 0 < 1,375 ⇒ breach
    expect(typesOf(apply(state, mark('BTC-PERP', '57500', 1)))).toEqual(['MarkPriceApplied', 'MaintenanceBreached']);
  });
});

describe('worked example: ADL close at the bankruptcy price (the basis mark rule)', () => {
  // B is long 1 BTC from 50,000 with cash 1,000; the mark is 60,000 ⇒ equity 11,000.
  // The policy (BitMEX / Binance ADL: counterparties close at the defaulter's bankruptcy price) closes
  // B's 1 BTC at 58,000 and charges amount 2,000 = (60,000 − 58,000) × 1: the price concession IS the charge.
  const setup = () => {
    const state = given([
      member('M1'),
      list('BTC-PERP', '0.1', '0.05'),
      open('B', 'M1'),
      deposit('B', '1000'),
      trade('T1', 'B', 'BTC-PERP', 'long', '1', '50000'),
      mark('BTC-PERP', '60000', 1),
      command('CaptureAllocationBasis', { defaultId: 'default:X:7', excludeAccountId: 'X' }),
    ]);
    apply(state, mark('BTC-PERP', '61000', 2)); // the market moves after the basis: the charge is still measured at 60,000
    return state;
  };
  const line = (amount: string) => ({ accountId: 'B', memberId: 'M1', amount, instrumentId: 'BTC-PERP', side: 'long' as const, quantityClosed: '1', closePrice: '58000' });
  const allocation = (amount: string) =>
    command('ApplyLossAllocation', {
      defaultId: 'default:X:7',
      policy: 'adl',
      residual: amount,
      allocations: [line(amount)],
      unallocated: '0',
      fairness: { participantsHit: 1, totalCharged: amount, overshoot: '0', largestHaircutShareOfProfit: '0.2', largestHaircut: amount, gini: '0', topDecileShare: '1', notionalClosed: '58000' },
    });

  it('amount 2,000: closeCharge 2,000, cash debit 0, realized 58,000 − 50,000 = 8,000 ⇒ cash 9,000 = 11,000 − 2,000', () => {
    const state = setup();
    const [event] = apply(state, allocation('2000'));
    expect(event!.payload).toMatchObject({ totalCharged: '2000', lines: [{ amount: '2000', closeCharge: '2000', cashDebit: '0', realizedPnl: '8000', referenceMark: '60000', cashBalance: '9000' }] });
    expect(accountView(state, 'B')).toMatchObject({ cashBalance: '9000', equity: '9000', positions: [] });
  });

  it('amount 2,500: the close takes 2,000, cash pays the other 500 ⇒ cash 8,500 = 11,000 − 2,500', () => {
    const state = setup();
    const [event] = apply(state, allocation('2500'));
    expect(event!.payload).toMatchObject({ lines: [{ closeCharge: '2000', cashDebit: '500', realizedPnl: '8000', cashBalance: '8500' }] });
  });

  it('the basis lists B with its gain: equity 11,000 − deposits 1,000 = 10,000', () => {
    const state = given([member('M1'), list('BTC-PERP', '0.1', '0.05'), open('B', 'M1'), deposit('B', '1000'), trade('T1', 'B', 'BTC-PERP', 'long', '1', '50000'), mark('BTC-PERP', '60000', 1)]);
    const [event] = apply(state, command('CaptureAllocationBasis', { defaultId: 'd1', excludeAccountId: 'X' }));
    expect(event!.payload).toEqual({
      defaultId: 'd1',
      marks: { 'BTC-PERP': '60000' },
      participants: [
        {
          accountId: 'B',
          memberId: 'M1',
          cashBalance: '1000',
          equity: '11000',
          variationMarginGain: '10000',
          positions: [{ instrumentId: 'BTC-PERP', side: 'long', quantity: '1', entryPrice: '50000', markPrice: '60000', contractSize: '1', unrealizedPnl: '10000', maintenanceMarginRequired: '3000' }],
        },
      ],
    });
    expect(WIRE_EVENT_SCHEMAS.AllocationBasisCaptured.safeParse(event!.payload).success).toBe(true);
  });
});
