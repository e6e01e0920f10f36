import fc from 'fast-check';
import { canonicalJson, MaintenanceBreachedPayload, SetLiquidationParametersPayload, Side } from '@ccp/contracts';
import { canonicalDecimal, Decimal, fromMinor } from '@ccp/money';
import { bankruptcyPrice } from './bankruptcy-price.policy';
import { LiquidationCommand, liquidationDecider } from './liquidation.decider';
import { breach, eventsOf, expectSchemaValid, given, liquidate, must, ofType, position, recordFill, setParameters, single, when } from './liquidation.test-fixtures';

const NUM_RUNS = Number(process.env.FC_RUNS ?? 1000);

// Independent arithmetic for the checks: decimal.js (40 digits holds q · c · price exactly: ≤ 9 + 24 digits).
const D = (x: string | number): Decimal => new Decimal(x);
const floorCents = (x: Decimal): Decimal => x.toDecimalPlaces(2, Decimal.ROUND_FLOOR);
const ceilCents = (x: Decimal): Decimal => x.toDecimalPlaces(2, Decimal.ROUND_CEIL);
const sideSign = (side: Side): number => (side === 'long' ? 1 : -1);
const sumOf = (xs: readonly string[]): Decimal => xs.reduce((acc, x) => acc.plus(x), D(0));

const decimal8 = (min: bigint, max: bigint) => fc.bigInt({ min, max }).map((u) => fromMinor(u, 8));
const price = decimal8(1_000_000n, 10_000_000_000_000n); // 0.01 … 100,000
const quantity = decimal8(1n, 10_000_000_000n); // 10⁻⁸ … 100 contracts
const contractSize = fc.oneof(fc.constantFrom('1', '0.001', '0.01', '10'), decimal8(1n, 1_000_000_000n)); // ≤ 10
const cents = (min: bigint, max: bigint) => fc.bigInt({ min, max }).map((c) => fromMinor(c, 2));
const side = fc.constantFrom<Side>('long', 'short');
const INSTRUMENTS = ['BTC-PERP', 'ETH-PERP', 'SOL-PERP', 'DOGE-PERP', 'XRP-PERP'] as const;

const accountArb: fc.Arbitrary<MaintenanceBreachedPayload> = fc
  .uniqueArray(fc.constantFrom(...INSTRUMENTS), { minLength: 1, maxLength: 4 })
  .chain((ids) =>
    fc.record({
      cashBalance: cents(-10_000_000n, 1_000_000_000n),
      positions: fc.tuple(
        ...ids.map((instrumentId) =>
          fc
            .record({ side, quantity, entryPrice: price, markPrice: price, contractSize, maintenanceMarginRequired: cents(0n, 100_000_000n) })
            .map((p) => position({ instrumentId, ...p })),
        ),
      ),
    }),
  )
  .map(({ cashBalance, positions }) => breach({ cashBalance, positions }));

const parametersArb: fc.Arbitrary<SetLiquidationParametersPayload> = fc.record({
  mode: fc.constantFrom('full' as const, 'partial' as const),
  partialFraction: fc.bigInt({ min: 1n, max: 10_000n }).map((u) => fromMinor(u, 4)),
  partialNotionalThreshold: cents(0n, 100_000_000n),
  liquidationFeeRate: fc.bigInt({ min: 0n, max: 200n }).map((u) => fromMinor(u, 4)), // 0 … 2%
  executionModel: fc.oneof(
    fc.constant({ kind: 'at-mark' as const }),
    fc.record({
      kind: fc.constant('impact' as const),
      impactPerNotional: fc.bigInt({ min: 0n, max: 10_000n }).map((u) => fromMinor(u, 4)),
      maxSlippage: fc.bigInt({ min: 0n, max: 5_000n }).map((u) => fromMinor(u, 4)),
    }),
    fc.constant({ kind: 'external-fills' as const }),
  ),
});

const scenarioArb = fc.record({
  account: accountArb,
  parameters: parametersArb,
  externalPrices: fc.tuple(...INSTRUMENTS.map(() => price)),
});

function setup(parameters: SetLiquidationParametersPayload, externalPrices: readonly string[]): LiquidationCommand[] {
  return [setParameters(parameters), ...INSTRUMENTS.map((id, i) => recordFill(id, must(externalPrices[i], 'external price')))];
}

describe('liquidation properties', () => {
  it('closing at the bankruptcy price leaves equity in [0, q·c·10⁻⁸) — the pure function, others held at mark', () => {
    fc.assert(
      fc.property(side, quantity, contractSize, price, cents(-1_000_000_000n, 1_000_000_000n), cents(-1_000_000_000n, 1_000_000_000n), (s, q, c, entry, cash, others) => {
        const p = bankruptcyPrice({ side: s, quantity: q, entryPrice: entry, contractSize: c, cashBalance: cash, otherUnrealizedPnl: others });
        expect(D(p).decimalPlaces()).toBeLessThanOrEqual(8);
        const equity = D(cash).plus(others).plus(D(q).times(c).times(D(p).minus(entry)).times(sideSign(s)));
        expect(equity.gte(0)).toBe(true); // rounded toward the account: the fund is never needed
        expect(equity.lt(D(q).times(c).times('0.00000001'))).toBe(true); // less than one price tick of the position
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('a close-out filled at the bankruptcy price (others at their marks) leaves equity exactly 0: no default, no fee', () => {
    // Bound: the exact equity after the fills is δ ∈ [0, q·c·10⁻⁸); the close-out's realized total is rounded once,
    // toward −∞, so equity in cents is floor(δ) = 0 whenever q·c ≤ 10⁶ (here q ≤ 100, c ≤ 10).
    fc.assert(
      fc.property(accountArb, fc.integer({ min: -990, max: 990 }), fc.nat(), fc.bigInt({ min: 0n, max: 200n }), (account, leverage, pick, feeBp) => {
        const target = must(account.positions[pick % account.positions.length], 'target position');
        const notional = D(target.quantity).times(target.contractSize).times(target.entryPrice);
        const othersAtMark = sumOf(account.positions.filter((p) => p !== target).map((p) => p.unrealizedPnl));
        // cash so that the bankruptcy price is (1 ∓ leverage/1000) × entry, positive
        const cash = floorCents(notional.times(leverage).div(1000).minus(othersAtMark));
        const snapshot = { ...account, cashBalance: canonicalDecimal(cash) };
        const p = bankruptcyPrice({ ...target, cashBalance: snapshot.cashBalance, otherUnrealizedPnl: canonicalDecimal(othersAtMark) });
        fc.pre(D(p).gt(0));
        const commands = [
          setParameters({ liquidationFeeRate: fromMinor(feeBp, 4), executionModel: { kind: 'external-fills' } }),
          ...account.positions.map((x) => recordFill(x.instrumentId, x === target ? p : x.markPrice)),
        ];
        const events = eventsOf(when(commands, liquidate(snapshot)));
        const fills = ofType(events, 'LiquidationFilled');
        expect(ofType(events, 'AccountDefaulted')).toEqual([]);
        expect(D(snapshot.cashBalance).plus(sumOf(fills.map((f) => f.payload.realizedPnl))).toString()).toBe('0');
        expect(fills.every((f) => f.payload.liquidationFee === '0')).toBe(true);
        expect(single(events, 'LiquidationCompleted').payload.equityAfter).toBe('0');
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('conservation: deficit > 0 and marginApplied + deficit = close-out loss exactly; fees ≥ 0 never make equity negative', () => {
    fc.assert(
      fc.property(scenarioArb, ({ account, parameters, externalPrices }) => {
        const events = eventsOf(when(setup(parameters, externalPrices), liquidate(account)));
        expectSchemaValid(events);
        expect(events.at(-1)?.type).toBe('LiquidationCompleted');
        const fills = ofType(events, 'LiquidationFilled');
        const defaults = ofType(events, 'AccountDefaulted');
        const completed = single(events, 'LiquidationCompleted');
        const cash = D(account.cashBalance);
        const feeRate = D(parameters.liquidationFeeRate);

        let exactRealized = D(0);
        for (const fill of fills) {
          const p = must(account.positions.find((x) => x.instrumentId === fill.payload.instrumentId), 'filled position');
          expect(fill.payload.liquidationId).toBe(`liq:${account.breachId}:${p.instrumentId}`);
          expect(fill.payload.side).toBe(p.side);
          expect(D(fill.payload.quantity).lte(p.quantity)).toBe(true);
          const exact = D(fill.payload.quantity).times(p.contractSize).times(D(fill.payload.fillPrice).minus(p.entryPrice)).times(sideSign(p.side));
          exactRealized = exactRealized.plus(exact);
          expect(D(fill.payload.realizedPnl).minus(exact).abs().lt('0.01')).toBe(true); // each fill within a cent
          const fee = D(fill.payload.liquidationFee);
          expect(fee.gte(0)).toBe(true);
          const nominal = feeRate.times(fill.payload.quantity).times(p.contractSize).times(fill.payload.fillPrice).toDecimalPlaces(2, Decimal.ROUND_DOWN);
          expect(fee.lte(nominal)).toBe(true); // dYdX-style cap: never more than rate × |fill quote|
        }
        const realized = sumOf(fills.map((f) => f.payload.realizedPnl));
        expect(realized.eq(floorCents(exactRealized))).toBe(true); // one rounding per close-out, toward −∞
        const fees = sumOf(fills.map((f) => f.payload.liquidationFee));

        const closed = new Map(fills.map((f) => [f.payload.instrumentId, D(f.payload.quantity)]));
        const remaining = account.positions.map((p) => ({ p, rest: D(p.quantity).minus(closed.get(p.instrumentId) ?? 0) }));
        const remainingUnrealized = remaining.reduce((acc, { p, rest }) => acc.plus(rest.times(p.contractSize).times(D(p.markPrice).minus(p.entryPrice)).times(sideSign(p.side))), D(0));
        const equityAfterFills = cash.plus(realized).plus(remainingUnrealized);

        if (defaults.length > 0) {
          const d = single(events, 'AccountDefaulted').payload;
          expect(closed.size).toBe(account.positions.length); // a default follows a full close-out
          expect(remaining.every(({ rest }) => rest.isZero())).toBe(true);
          expect(fees.isZero()).toBe(true);
          expect(D(d.deficit).gt(0)).toBe(true);
          expect(D(d.marginApplied).eq(Decimal.max(0, cash))).toBe(true);
          const closeOutLoss = Decimal.max(0, cash.neg()).minus(realized);
          expect(D(d.marginApplied).plus(d.deficit).eq(closeOutLoss)).toBe(true);
          expect(D(d.deficit).eq(equityAfterFills.neg())).toBe(true);
          expect(d.defaultId).toBe(`default:${account.accountId}:${account.breachId}`);
          expect(events.every((e) => e.correlationId === d.defaultId)).toBe(true);
          for (const dp of d.positions) {
            const p = must(account.positions.find((x) => x.instrumentId === dp.instrumentId), 'defaulted position');
            const others = sumOf(account.positions.filter((x) => x !== p).map((x) => x.unrealizedPnl));
            expect(dp.bankruptcyPrice).toBe(bankruptcyPrice({ ...p, cashBalance: account.cashBalance, otherUnrealizedPnl: canonicalDecimal(others) }));
          }
        } else {
          expect(equityAfterFills.gte(0)).toBe(true);
          expect(fees.lte(Decimal.max(0, floorCents(equityAfterFills)))).toBe(true);
          expect(equityAfterFills.minus(fees).gte(0)).toBe(true); // a fee never makes equity negative
          expect(D(completed.payload.equityAfter).eq(equityAfterFills.minus(fees))).toBe(true);
          expect(events.every((e) => e.correlationId === undefined)).toBe(true);
        }
        if (completed.payload.outcome === 'restored') {
          const maintenance = remaining.reduce((acc, { p, rest }) => acc.plus(ceilCents(D(p.maintenanceMarginRequired).times(rest).div(p.quantity))), D(0));
          expect(equityAfterFills.minus(fees).gte(maintenance)).toBe(true);
          expect(parameters.mode).toBe('partial');
        } else {
          expect(remaining.every(({ rest }) => rest.isZero())).toBe(true);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('determinism: the same inputs twice give identical canonical JSON, and replaying the events gives the same state', () => {
    fc.assert(
      fc.property(scenarioArb, ({ account, parameters, externalPrices }) => {
        const commands = setup(parameters, externalPrices);
        const first = when(commands, liquidate(account));
        const second = when(commands, liquidate(JSON.parse(JSON.stringify(account)) as MaintenanceBreachedPayload));
        expect(canonicalJson(first)).toBe(canonicalJson(second));

        const live = given([...commands, liquidate(account)]);
        let replayed = liquidationDecider.initialState();
        for (const command of commands) for (const e of eventsOf(liquidationDecider.decide(command, replayed))) replayed = liquidationDecider.evolve(replayed, e);
        for (const e of eventsOf(first)) replayed = liquidationDecider.evolve(replayed, JSON.parse(JSON.stringify(e)));
        expect(canonicalJson(replayed)).toBe(canonicalJson(live));
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
