/* eslint-disable @typescript-eslint/no-non-null-assertion -- specs index into arrays and maps they have just built */
import fc from 'fast-check';
import { canonicalJson } from '@ccp/contracts';
import { findBreaches, naiveScanBreaches } from './breach.scan';
import { parseScaled, price as priceText, usd } from './fixed-point.util';
import { bookFigures, isBreachedAt, liquidationKey } from './margin-requirement.policy';
import { marginDecider } from './margin.decider';
import { marginStateDigest } from './margin.snapshot';
import { apply, attempt, command, deposit, given, liquidationFill, list, mark, member, open, trade } from './margin.test-support';
import type { AccountState, InstrumentState, MarginCommand, MarginEvent, MarginState } from './margin.types';
import { accountView } from './margin.views';

const runs = Number(process.env['FC_RUNS'] ?? 1000);
const heavyRuns = Math.max(1, Math.floor(runs / 4));

// ── Generators ───────────────────────────────────────────────────────────────────────────────────

/** A decimal text of `units` × 10^-scale. */
const text = (units: bigint, scale: number): string => {
  const s = units.toString().padStart(scale + 1, '0');
  const whole = s.slice(0, s.length - scale);
  const frac = s.slice(s.length - scale).replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : whole;
};

const rateArb = (minUnits: bigint, maxUnits: bigint) => fc.bigInt({ min: minUnits, max: maxUnits });

/** Margin parameters: 0 < MM ≤ IM ≤ 1, optional increasing tiers (a rate of exactly 1 included). */
const parametersArb = fc
  .record({
    mm: rateArb(100_000n, 50_000_000n), // 0.1% – 50%
    extra: rateArb(0n, 50_000_000n),
    tiers: fc.array(fc.record({ floorStep: fc.bigInt({ min: 1n, max: 5_000_000n }), mm: rateArb(100_000n, 100_000_000n), extra: rateArb(0n, 20_000_000n) }), { maxLength: 3 }),
    size: fc.constantFrom('1', '0.01', '0.001', '10', '0.5'),
  })
  .map(({ mm, extra, tiers, size }) => {
    const cap = (im: bigint) => (im > 100_000_000n ? 100_000_000n : im);
    let floor = 0n;
    return {
      size,
      im: text(cap(mm + extra), 8),
      mm: text(mm, 8),
      tiers: tiers.map((t) => {
        floor += t.floorStep;
        return { notionalFloor: text(floor, 2), initialMarginRate: text(cap(t.mm + t.extra), 8), maintenanceMarginRate: text(t.mm, 8) };
      }),
    };
  });

/** Prices around 100 (± 40%) with up to 8 decimals, so liquidation prices fall in the mark range. */
const priceArb = fc.oneof(fc.bigInt({ min: 6_000n, max: 14_000n }).map((c) => text(c, 2)), fc.bigInt({ min: 6_000_000_000n, max: 14_000_000_000n }).map((u) => text(u, 8)));
const qtyArb = fc.oneof(fc.bigInt({ min: 1n, max: 100n }).map(String), fc.bigInt({ min: 1n, max: 10_000_000_000n }).map((u) => text(u, 8)));
const cashArb = fc.bigInt({ min: 0n, max: 2_000_000n }).map((c) => text(c, 2));

interface Scenario {
  readonly commands: MarginCommand[];
  readonly instruments: readonly string[];
}

/** 1–2 instruments, 1–25 accounts with 1–3 trades each (some cross-margined), random cash. */
const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    params: fc.array(parametersArb, { minLength: 1, maxLength: 2 }),
    accounts: fc.array(
      fc.record({ cash: cashArb, trades: fc.array(fc.record({ instrument: fc.nat(1), side: fc.constantFrom('long' as const, 'short' as const), qty: qtyArb, price: priceArb }), { minLength: 1, maxLength: 3 }) }),
      { minLength: 1, maxLength: 25 },
    ),
  })
  .map(({ params, accounts }) => {
    const instruments = params.map((_, i) => `I${i}`);
    const commands: MarginCommand[] = [member('M1')];
    params.forEach((p, i) => commands.push(list(`I${i}`, p.im, p.mm, p.size, p.tiers)));
    accounts.forEach((a, i) => {
      commands.push(open(`A${i}`, 'M1'));
      if (a.cash !== '0') commands.push(deposit(`A${i}`, a.cash));
      a.trades.forEach((t, j) => commands.push(trade(`T${i}.${j}`, `A${i}`, instruments[t.instrument % instruments.length]!, t.side, t.qty, t.price)));
    });
    return { commands, instruments };
  });

// ── Index consistency ────────────────────────────────────────────────────────────────────────────

/** Every active single-position account is in the right index under its current key; no one else is. */
function expectIndexConsistent(state: MarginState): void {
  for (const account of state.accounts.values()) {
    const [only, second] = account.positions;
    const indexable = only !== undefined && second === undefined && !account.liquidationPending && !account.defaulted;
    expect(account.indexedIn !== null).toBe(indexable);
    if (indexable) {
      expect(account.indexedIn).toBe(only.quantity > 0n ? only.instrument.longIndex : only.instrument.shortIndex);
      expect(account.indexKey).toBe(liquidationKey(account.cash, only));
    }
  }
  for (const instrument of state.instruments.values()) {
    const indexed = instrument.longIndex.entries().concat(instrument.shortIndex.entries());
    expect(indexed.length).toBe([...instrument.holders].filter((a) => a.indexedIn !== null).length);
    const keys = instrument.longIndex.entries().map((e) => e.key);
    expect([...keys].sort((a, b) => a - b)).toEqual(keys);
  }
}

/** Prices around a single-position book's bound, from −3¢ to +3¢ of its value in 0.1¢ steps, where rounding decides. */
const aroundBound = (account: AccountState, tenths: readonly number[]): bigint[] => {
  const [only, second] = account.positions;
  if (only === undefined || second !== undefined) return [];
  const key = liquidationKey(account.cash, only);
  if (!Number.isFinite(key) || key > 1e15) return [];
  const perPrice = (only.quantity > 0n ? only.quantity : -only.quantity) * only.instrument.contractSize; // fine per price unit
  const unitsPerCent = (10n ** 22n + perPrice - 1n) / perPrice;
  return tenths.map((k) => BigInt(key) + (BigInt(k) * unitsPerCent) / 10n).filter((u) => u > 0n);
};
const tenthsArb = fc.array(fc.integer({ min: -30, max: 30 }), { minLength: 1, maxLength: 8 });

const breachedIds = (events: readonly MarginEvent[]) => events.filter((e) => e.type === 'MaintenanceBreached').map((e) => e.stream);

describe('liquidation-price index (property)', () => {
  it('a single-position book breached at a price is always a candidate of the index at that price', () => {
    fc.assert(
      fc.property(scenarioArb, fc.array(priceArb, { minLength: 1, maxLength: 10 }), tenthsArb, ({ commands }, marks, tenths) => {
        const state = given(commands);
        for (const account of state.accounts.values()) {
          const [only, second] = account.positions;
          if (only === undefined || second !== undefined) continue;
          const key = liquidationKey(account.cash, only);
          const nearKey = Number.isFinite(key) && key < 1e15 ? [-2, -1, 0, 1, 2].map((d) => BigInt(key + d)).filter((u) => u > 0n) : [];
          for (const units of [...marks.map((m) => parseScaled(m, 8)!), ...nearKey, ...aroundBound(account, tenths)]) {
            if (isBreachedAt(account, only.instrument, units)) expect(only.quantity > 0n ? Number(units) <= key : Number(units) >= key).toBe(true);
          }
        }
      }),
      { numRuns: runs },
    );
  });

  it('the fast breach test agrees with the rounded figures (equity < maintenance) for every book and mark', () => {
    fc.assert(
      fc.property(scenarioArb, fc.array(fc.tuple(fc.nat(1), priceArb), { minLength: 1, maxLength: 6 }), tenthsArb, ({ commands, instruments }, marks, tenths) => {
        const state = given(commands);
        const agree = (account: AccountState, instrument: InstrumentState, units: bigint) => {
          const f = bookFigures(account, instrument, units);
          expect(isBreachedAt(account, instrument, units)).toBe(f.equity < f.maintenance);
        };
        for (const account of state.accounts.values()) {
          for (const [i, m] of marks) agree(account, state.instruments.get(instruments[i % instruments.length]!)!, parseScaled(m, 8)!);
          for (const units of aroundBound(account, tenths)) agree(account, account.positions[0]!.instrument, units);
        }
      }),
      { numRuns: runs },
    );
  });

  it('finds exactly the breaches a naive scan of all holders finds, mark after mark (and keeps itself consistent)', () => {
    const markStep = fc.record({
      instrument: fc.nat(1),
      // a free price, or a price within a few units of some account's bound (where rounding decides)
      free: priceArb,
      near: fc.record({ account: fc.nat(30), offset: fc.integer({ min: -3, max: 3 }) }),
      useNear: fc.boolean(),
      // between marks: sometimes a liquidation fill of half a pending account's position, or a deposit
      fillOne: fc.boolean(),
      depositTo: fc.option(fc.record({ account: fc.nat(30), amount: cashArb }), { nil: undefined }),
    });
    fc.assert(
      fc.property(scenarioArb, fc.array(markStep, { minLength: 1, maxLength: 12 }), ({ commands, instruments }, steps) => {
        const state = given(commands);
        const accountIds = [...state.accounts.keys()];
        expectIndexConsistent(state);
        steps.forEach((step, seq) => {
          const instrumentId = instruments[step.instrument % instruments.length]!;
          let markText = step.free;
          if (step.useNear) {
            const target = state.accounts.get(accountIds[step.near.account % accountIds.length]!)!;
            const key = target.indexedIn === null ? Number.NaN : target.indexKey;
            if (Number.isFinite(key) && key + step.near.offset > 0 && key < 1e15) markText = priceText(BigInt(key + step.near.offset));
          }
          const naive = naiveScanBreaches(state, instrumentId, markText);
          const indexed = findBreaches(state, instrumentId, markText);
          expect(indexed.accountIds).toEqual(naive.accountIds);
          expect(indexed.examined).toBeLessThanOrEqual(naive.examined);
          const events = apply(state, mark(instrumentId, markText, seq));
          expect(breachedIds(events)).toEqual(naive.accountIds);
          expectIndexConsistent(state);
          if (step.fillOne) {
            const pending = [...state.accounts.values()].find((a) => a.liquidationPending);
            const position = pending?.positions[0];
            if (pending !== undefined && position !== undefined) {
              const qty = position.quantity > 0n ? position.quantity : -position.quantity;
              const half = qty / 2n > 0n ? qty / 2n : qty;
              const px = position.instrument.markPrice ?? position.instrument.lastTradePrice ?? 1n;
              apply(state, liquidationFill(pending.accountId, position.instrument.instrumentId, position.quantity > 0n ? 'long' : 'short', text(half, 8), priceText(px), '0.01'));
              expectIndexConsistent(state);
            }
          }
          if (step.depositTo !== undefined && step.depositTo.amount !== '0') {
            const id = accountIds[step.depositTo.account % accountIds.length]!;
            if (!state.accounts.get(id)!.defaulted) apply(state, deposit(id, step.depositTo.amount));
            expectIndexConsistent(state);
          }
        });
      }),
      { numRuns: heavyRuns },
    );
  });

  it('re-keys the index when margin parameters change', () => {
    fc.assert(
      fc.property(scenarioArb, parametersArb, priceArb, ({ commands, instruments }, p, m) => {
        const state = given(commands);
        apply(state, command('SetMarginParameters', { instrumentId: instruments[0]!, initialMarginRate: p.im, maintenanceMarginRate: p.mm, tiers: p.tiers }));
        expectIndexConsistent(state);
        expect(findBreaches(state, instruments[0]!, m).accountIds).toEqual(naiveScanBreaches(state, instruments[0]!, m).accountIds);
      }),
      { numRuns: heavyRuns },
    );
  });
});

// ── Random command streams (valid and invalid) ───────────────────────────────────────────────────

const id = (prefix: string, n: number) => fc.nat(n).map((i) => `${prefix}${i}`);
const amountArb = fc.oneof(cashArb, fc.constantFrom('0', '0.001', '1e3'));
/** small quantities, so fills and closes often fit inside the positions the trades opened */
const closeQtyArb = fc.constantFrom('0.00000001', '0.5', '1', '2.25');
/** marks from the usual range and far outside it, so breaches happen */
const markArb = fc.oneof(priceArb, fc.constantFrom('1', '40', '60', '150', '250', '1000'));
const weighted = (weight: number, arbitrary: fc.Arbitrary<MarginCommand>) => ({ weight, arbitrary });
const commandArb: fc.Arbitrary<MarginCommand> = fc.oneof(
  weighted(1, id('M', 2).map(member)),
  weighted(1, fc.tuple(id('A', 4), id('M', 2)).map(([a, m]) => open(a, m))),
  weighted(2, fc.tuple(id('A', 4), amountArb).map(([a, x]) => deposit(a, x))),
  weighted(2, fc.tuple(id('A', 4), amountArb).map(([a, x]) => command('WithdrawCollateral', { accountId: a, amount: x }))),
  weighted(1, fc.tuple(id('I', 1), parametersArb).map(([i, p]) => list(i, p.im, p.mm, p.size, p.tiers))),
  weighted(1, fc.tuple(id('I', 1), parametersArb).map(([i, p]) => command('SetMarginParameters', { instrumentId: i, initialMarginRate: p.im, maintenanceMarginRate: p.mm, tiers: p.tiers }))),
  weighted(6, fc.tuple(id('T', 30), id('A', 4), id('I', 1), fc.constantFrom('long' as const, 'short' as const), qtyArb, priceArb).map(([t, a, i, s, q, p]) => trade(t, a, i, s, q, p))),
  weighted(6, fc.tuple(id('I', 1), markArb, fc.nat(60)).map(([i, p, seq]) => mark(i, p, seq))),
  weighted(
    4,
    fc
      .tuple(id('A', 4), id('I', 1), fc.constantFrom('long' as const, 'short' as const), closeQtyArb, priceArb, fc.constantFrom('0', '1.5', '1.5', '0.001'))
      .map(([a, i, s, q, p, fee]) => liquidationFill(a, i, s, q, p, fee, 'M0')),
  ),
  weighted(
    1,
    fc.tuple(id('A', 4), fc.nat(5)).map(([a, n]) => command('WriteOffDefaultedAccount', { defaultId: `default:${a}:${n}`, accountId: a, memberId: 'M0', marginApplied: '0', deficit: '1', positions: [] })),
  ),
  weighted(1, fc.tuple(id('d', 3), id('A', 4)).map(([d, a]) => command('CaptureAllocationBasis', { defaultId: d, excludeAccountId: a }))),
  weighted(
    3,
    fc.tuple(id('d', 3), id('A', 4), amountArb, fc.option(fc.tuple(id('I', 1), closeQtyArb, priceArb), { nil: undefined })).map(([d, a, amount, close]) =>
      command('ApplyLossAllocation', {
        defaultId: d,
        policy: 'adl',
        residual: '1',
        allocations: [{ accountId: a, memberId: 'M0', amount, ...(close === undefined ? {} : { instrumentId: close[0], quantityClosed: close[1], closePrice: close[2] }) }],
        unallocated: '0',
        fairness: { participantsHit: 1, totalCharged: '1', overshoot: '0', largestHaircutShareOfProfit: '0', largestHaircut: '1', gini: '0', topDecileShare: '1', notionalClosed: '0' },
      }),
    ),
  ),
);
/** A step resolved against the state when it runs: a fill or an ADL close of what the account really holds. */
interface Resolved {
  readonly resolve: (state: MarginState) => MarginCommand | null;
}
type Step = MarginCommand | Resolved;
const closeOfHeld = (state: MarginState, accountId: string, whole: boolean) => {
  const position = state.accounts.get(accountId)?.positions[0];
  if (position === undefined) return null;
  const qty = position.quantity > 0n ? position.quantity : -position.quantity;
  return { instrumentId: position.instrument.instrumentId, side: position.quantity > 0n ? ('long' as const) : ('short' as const), quantity: text(whole || qty < 2n ? qty : qty / 2n, 8) };
};
const resolvedArb: fc.Arbitrary<Resolved> = fc.oneof(
  fc.record({ a: id('A', 4), whole: fc.boolean(), px: priceArb, fee: fc.constantFrom('0', '1.5') }).map(({ a, whole, px, fee }) => ({
    resolve: (state: MarginState) => {
      const held = closeOfHeld(state, a, whole);
      return held === null ? null : liquidationFill(a, held.instrumentId, held.side, held.quantity, px, fee, 'M0');
    },
  })),
  fc.record({ d: id('d', 3), a: id('A', 4), whole: fc.boolean(), px: priceArb, amount: cashArb.filter((x) => x !== '0') }).map(({ d, a, whole, px, amount }) => ({
    resolve: (state: MarginState) => {
      const held = closeOfHeld(state, a, whole);
      if (held === null) return null;
      return command('ApplyLossAllocation', {
        defaultId: d,
        policy: 'adl',
        residual: amount,
        allocations: [{ accountId: a, memberId: 'M0', amount, instrumentId: held.instrumentId, side: held.side, quantityClosed: held.quantity, closePrice: px }],
        unallocated: '0',
        fairness: { participantsHit: 1, totalCharged: amount, overshoot: '0', largestHaircutShareOfProfit: '0', largestHaircut: amount, gini: '0', topDecileShare: '1', notionalClosed: '0' },
      });
    },
  })),
);
const stepArb: fc.Arbitrary<Step> = fc.oneof({ weight: 5, arbitrary: commandArb }, { weight: 1, arbitrary: resolvedArb });
const resolve = (step: Step, state: MarginState): MarginCommand | null => ('resolve' in step ? step.resolve(state) : step);

/** A few members, accounts and instruments up front so random streams reach the interesting paths. */
const preludeArb = fc.tuple(parametersArb, parametersArb).map(([p0, p1]): MarginCommand[] => [
  member('M0'),
  list('I0', p0.im, p0.mm, p0.size, p0.tiers),
  list('I1', p1.im, p1.mm, p1.size, p1.tiers),
  ...[0, 1, 2, 3, 4].flatMap((i) => [open(`A${i}`, 'M0'), deposit(`A${i}`, '5000')]),
]);

function runStream(steps: readonly Step[]): { events: MarginEvent[]; digest: string } {
  const state = marginDecider.initialState();
  const events: MarginEvent[] = [];
  for (const step of steps) {
    const c = resolve(step, state);
    if (c === null) continue;
    const result = attempt(state, c);
    if ('events' in result) events.push(...result.events);
  }
  return { events, digest: marginStateDigest(state) };
}

describe('decider properties', () => {
  it('determinism: the same commands twice give identical canonical JSON of all events and of the state', () => {
    fc.assert(
      fc.property(preludeArb, fc.array(stepArb, { maxLength: 60 }), (prelude, stream) => {
        const commands = [...prelude, ...stream];
        const first = runStream(commands);
        const second = runStream(commands);
        expect(canonicalJson(second.events)).toBe(canonicalJson(first.events));
        expect(second.digest).toBe(first.digest);
      }),
      { numRuns: heavyRuns },
    );
  });

  it('decide never changes state: a rejected command leaves it byte-identical (and so does deciding an accepted one)', () => {
    fc.assert(
      fc.property(preludeArb, fc.array(stepArb, { maxLength: 60 }), (prelude, stream) => {
        const state = given(prelude);
        for (const step of stream) {
          const c = resolve(step, state);
          if (c === null) continue;
          const before = marginStateDigest(state);
          const decision = marginDecider.decide(c, state);
          expect(marginStateDigest(state)).toBe(before);
          if (decision.kind === 'rejected') continue;
          for (const e of decision.events) marginDecider.evolve(state, e);
          expectIndexConsistent(state);
        }
      }),
      { numRuns: heavyRuns },
    );
  });

  it('cash conservation: a long and a short of the same fills realize exactly opposite PnL, to the cent', () => {
    const fillArb = fc.record({ buy: fc.boolean(), qty: qtyArb, price: priceArb });
    fc.assert(
      fc.property(
        fc.constantFrom('1', '0.01', '0.001', '10', '0.5'),
        fc.array(fillArb, { minLength: 1, maxLength: 12 }),
        priceArb,
        fc.boolean(),
        (size, fills, closePrice, closeByLiquidation) => {
          const state = given([member('M1'), list('I0', '0.1', '0.05', size), open('L', 'M1'), open('S', 'M1'), deposit('L', '100000'), deposit('S', '100000')]);
          let realizedL = 0n;
          let realizedS = 0n;
          const realized = (events: MarginEvent[]) => parseScaled((events[0]!.payload as { realizedPnl: string }).realizedPnl, 2)!;
          fills.forEach((f, i) => {
            const l = realized(apply(state, trade(`L${i}`, 'L', 'I0', f.buy ? 'long' : 'short', f.qty, f.price)));
            const s = realized(apply(state, trade(`S${i}`, 'S', 'I0', f.buy ? 'short' : 'long', f.qty, f.price)));
            expect(l + s).toBe(0n); // every fill: opposite cents (half-even is symmetric)
            realizedL += l;
            realizedS += s;
          });
          // close both at the same price, by trade or by liquidation fill (no fee)
          const position = accountView(state, 'L')!.positions[0];
          if (position !== undefined) {
            const other = position.side === 'long' ? 'short' : 'long';
            const closeL = closeByLiquidation
              ? liquidationFill('L', 'I0', position.side, position.quantity, closePrice)
              : trade('Lc', 'L', 'I0', other, position.quantity, closePrice);
            const closeS = closeByLiquidation
              ? liquidationFill('S', 'I0', other, position.quantity, closePrice)
              : trade('Sc', 'S', 'I0', position.side, position.quantity, closePrice);
            realizedL += realized(apply(state, closeL));
            realizedS += realized(apply(state, closeS));
          }
          expect(realizedL + realizedS).toBe(0n);
          const l = accountView(state, 'L')!;
          const s = accountView(state, 'S')!;
          expect(l.positions).toEqual([]);
          expect(s.positions).toEqual([]);
          expect(usd(parseScaled(l.cashBalance, 2)! + parseScaled(s.cashBalance, 2)!)).toBe('200000');
          expect(l.cashBalance).toBe(usd(10_000_000n + realizedL));
        },
      ),
      { numRuns: runs },
    );
  });
});
