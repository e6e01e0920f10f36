import fc from 'fast-check';
import { BasisParticipant, canonicalJson, lossAllocatedPayload } from '@ccp/contracts';
import { prepareBasis, prepareDefaultedPositions, exposuresOf, AllocationBasis } from './allocation-basis';
import { ALLOCATION_POLICIES, counterfactual, PolicyKey, resolvePolicyKey, runAllocation } from './allocation-policies';
import { rankQueue } from './adl-ranking';
import { adlPolicy } from './adl.policy';
import { parseAmount } from './fixed-point';
import { driftOpenInterestPolicy, shareCap, socializedLossPolicy, parseShare } from './socialized-loss.policy';
import { vmGainsHaircutPolicy } from './vm-gains-haircut.policy';
import { partialTearUpPolicy } from './partial-tear-up.policy';
import { permute, Scenario, scenarioArb } from './testing/allocation.fixtures';

const FC_RUNS = Number(process.env['FC_RUNS'] ?? 1000);
// property tests at 1000 runs and the 100k-participant basis outlast Jest's 5 s default on a loaded 2-core machine
jest.setTimeout(120_000);

const KEYS = Object.keys(ALLOCATION_POLICIES) as PolicyKey[];
const prepared = (s: Scenario) => ({
  basis: prepareBasis(s.basis),
  residual: parseAmount(s.residual, 'residual'),
  positions: prepareDefaultedPositions(s.positions),
});
const sumBy = <T>(items: readonly T[], f: (t: T) => bigint) => items.reduce((acc, t) => acc + f(t), 0n);
const shareArb = fc.constantFrom(undefined, '1', '0.5', '0.333333', '0.000001');

describe('the policy registry', () => {
  it('names every policy with a description and a source, keyed policy:variant', () => {
    for (const [key, entry] of Object.entries(ALLOCATION_POLICIES)) {
      expect(key).toBe(`${entry.policy}:${entry.variant}`);
      expect(entry.description.length).toBeGreaterThan(20);
      expect(entry.source.length).toBeGreaterThan(10);
    }
    expect(resolvePolicyKey('adl')).toBe('adl:bitmex');
    expect(resolvePolicyKey('socialized-loss')).toBe('socialized-loss:pro-rata-profit');
    expect(resolvePolicyKey('adl:hyperliquid')).toBe('adl:hyperliquid');
    expect(resolvePolicyKey('lottery')).toBeUndefined();
  });

  it('refuses an unknown policy or a parameter the policy does not read (counterfactual boundary)', () => {
    const s = { defaultId: 'd-1', marks: {}, participants: [] };
    expect(() => counterfactual(s, '1', [], 'lottery')).toThrow(/unknown allocation policy/);
    expect(() => counterfactual(s, '1', [], 'vm-gains-haircut', { closeWholePosition: true })).toThrow(/no parameter closeWholePosition/);
    expect(() => counterfactual(s, '1.001', [], 'adl')).toThrow(/more than 2 decimal places/);
  });
});

describe('invariants of every policy (property-based)', () => {
  const cases: { label: string; key: PolicyKey; closeWholePosition?: boolean }[] = [
    ...KEYS.map((key) => ({ label: key, key })),
    { label: 'adl:hyperliquid closeWholePosition', key: 'adl:hyperliquid', closeWholePosition: true },
    { label: 'adl:binance closeWholePosition', key: 'adl:binance', closeWholePosition: true },
  ];

  it.each(cases)('$label: Σ allocations + unallocated = residual + overshoot, to the cent', ({ key, closeWholePosition }) => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const p = prepared(s);
        const params = closeWholePosition === undefined ? {} : { closeWholePosition };
        const { payload, outcome } = runAllocation(s.basis.defaultId, key, p.basis, p.residual, p.positions, params);
        expect(lossAllocatedPayload.parse(payload)).toEqual(payload);
        const charged = sumBy(outcome.allocations, (a) => a.amount);
        expect(outcome.allocations.every((a) => a.amount >= 0n)).toBe(true);
        expect(outcome.unallocated >= 0n && outcome.overshoot >= 0n).toBe(true);
        expect(charged + outcome.unallocated).toBe(p.residual + outcome.overshoot);
        if (closeWholePosition !== true) expect(outcome.overshoot).toBe(0n);
        // the wire carries the same cents
        expect(sumBy(payload.allocations, (l) => parseAmount(l.amount, 'amount'))).toBe(charged);
        expect(parseAmount(payload.unallocated, 'unallocated')).toBe(outcome.unallocated);
        expect(parseAmount(payload.fairness.overshoot, 'overshoot')).toBe(outcome.overshoot);
        expect(parseAmount(payload.fairness.totalCharged, 'totalCharged')).toBe(charged);
      }),
      { numRuns: FC_RUNS },
    );
  });

  it.each(cases)('$label: deterministic and independent of the order of the basis', ({ key, closeWholePosition }) => {
    fc.assert(
      fc.property(scenarioArb, fc.array(fc.integer(), { minLength: 1, maxLength: 30 }), (s, keys) => {
        const params = closeWholePosition === undefined ? {} : { closeWholePosition };
        const once = canonicalJson(counterfactual(s.basis, s.residual, s.positions, key, params));
        const twice = canonicalJson(counterfactual(s.basis, s.residual, s.positions, key, params));
        const shuffled = {
          ...s.basis,
          marks: Object.fromEntries(Object.entries(s.basis.marks).reverse()),
          participants: permute(s.basis.participants, keys),
        };
        const reordered = canonicalJson(counterfactual(shuffled, s.residual, [...s.positions].reverse(), key, params));
        expect(twice).toBe(once);
        expect(reordered).toBe(once);
      }),
      { numRuns: FC_RUNS },
    );
  });
});

describe('policy limits (property-based)', () => {
  it('socialized loss never charges beyond ⌊profit × maxHaircutShare⌋, and leaves a rest only when every cap is reached', () => {
    fc.assert(
      fc.property(scenarioArb, shareArb, (s, maxHaircutShare) => {
        const p = prepared(s);
        const outcome = socializedLossPolicy(p.basis, p.residual, p.positions, { maxHaircutShare });
        const share = parseShare(maxHaircutShare);
        const charged = new Map(outcome.allocations.map((a) => [a.accountId, a.amount]));
        for (const account of p.basis.accounts) {
          const amount = charged.get(account.accountId) ?? 0n;
          expect(amount <= shareCap(account.profit, share)).toBe(true);
          expect(amount <= account.profit).toBe(true);
          if (outcome.unallocated > 0n) expect(amount).toBe(shareCap(account.profit, share));
        }
      }),
      { numRuns: FC_RUNS },
    );
  });

  it('VMGH never charges beyond ⌊gain × maxHaircutShare⌋, and nothing to an account without a gain', () => {
    fc.assert(
      fc.property(scenarioArb, shareArb, (s, maxHaircutShare) => {
        const p = prepared(s);
        const outcome = vmGainsHaircutPolicy(p.basis, p.residual, p.positions, { maxHaircutShare });
        const share = parseShare(maxHaircutShare);
        for (const a of outcome.allocations) {
          const gain = p.basis.byAccountId.get(a.accountId)?.variationMarginGain ?? 0n;
          expect(gain > 0n).toBe(true);
          expect(a.amount <= shareCap(gain, share)).toBe(true);
        }
      }),
      { numRuns: FC_RUNS },
    );
  });

  it('open-interest socialization and tear-up never take more than an account’s equity; tear-up only from opposite positions it holds', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const p = prepared(s);
        for (const outcome of [driftOpenInterestPolicy(p.basis, p.residual, p.positions, {}), partialTearUpPolicy(p.basis, p.residual, p.positions, {})]) {
          const perAccount = new Map<string, bigint>();
          for (const a of outcome.allocations) perAccount.set(a.accountId, (perAccount.get(a.accountId) ?? 0n) + a.amount);
          for (const [accountId, amount] of perAccount) {
            const equity = p.basis.byAccountId.get(accountId)?.equity ?? 0n;
            expect(amount <= (equity > 0n ? equity : 0n)).toBe(true);
          }
        }
        const tearUp = partialTearUpPolicy(p.basis, p.residual, p.positions, {});
        for (const a of tearUp.allocations) {
          const held = p.basis.byAccountId.get(a.accountId)?.positions.find((x) => x.instrumentId === a.instrumentId);
          const defaultedSide = p.positions.find((d) => d.instrumentId === a.instrumentId)?.side;
          expect(held).toBeDefined();
          expect(held?.side).not.toBe(defaultedSide);
          expect((a.quantityClosed ?? 0n) <= (held?.quantity ?? 0n)).toBe(true);
        }
      }),
      { numRuns: FC_RUNS },
    );
  });

  describe.each(['bitmex', 'binance', 'hyperliquid'] as const)('ADL %s', (ranking) => {
    it.each([false, true])('closeWholePosition %s: closes only opposite positions, never more than held, at most the forgone profit, in queue order', (closeWholePosition) => {
      fc.assert(
        fc.property(scenarioArb, (s) => {
          const p = prepared(s);
          const outcome = adlPolicy(p.basis, p.residual, p.positions, { ranking, closeWholePosition });
          for (const e of exposuresOf(p.basis, p.positions)) {
            const lines = outcome.allocations.filter((a) => a.instrumentId === e.position.instrumentId);
            const byAccount = new Map(lines.map((l) => [l.accountId, l]));
            expect(byAccount.size).toBe(lines.length); // one close per account and instrument
            for (const line of lines) {
              const held = p.basis.byAccountId.get(line.accountId)?.positions.find((x) => x.instrumentId === line.instrumentId);
              expect(held).toBeDefined();
              expect(held?.side).not.toBe(e.position.side);
              expect(line.side).toBe(held?.side);
              expect(line.closePrice).toBe(e.position.bankruptcyPrice);
              const q = line.quantityClosed ?? 0n;
              expect(q > 0n && q <= (held?.quantity ?? 0n)).toBe(true);
              if (closeWholePosition) expect(q).toBe(held?.quantity);
              // never worse than closing at the bankruptcy price: charge ≤ ⌈L × q⌉ cents
              const forgone = e.lossPerContract * q;
              expect(line.amount * 10n ** 22n < forgone + 10n ** 22n).toBe(true);
            }
            if (closeWholePosition === false) {
              const closed = lines.reduce((acc, l) => acc + (l.quantityClosed ?? 0n), 0n);
              expect(closed <= e.position.quantity).toBe(true);
            }
            // queue order: a lower-ranked account is touched only when all higher-ranked are fully closed
            const queue = rankQueue(
              p.basis.holdings(e.position.instrumentId).filter((h) => h.position.side !== e.position.side),
              ranking,
            );
            const lastTouched = queue.reduce((last, r, i) => (byAccount.has(r.holding.account.accountId) ? i : last), -1);
            queue.forEach((r, i) => {
              const line = byAccount.get(r.holding.account.accountId);
              if (i < lastTouched) expect(line?.quantityClosed).toBe(r.holding.position.quantity);
              if (i > lastTouched) expect(line).toBeUndefined();
            });
          }
        }),
        { numRuns: FC_RUNS },
      );
    });
  });
});

describe('scale: a basis of 100k participants', () => {
  let basis: AllocationBasis;
  const participants = Array.from({ length: 100_000 }, (_, i): BasisParticipant => {
    const side = i % 2 === 0 ? 'long' : 'short';
    const entry = 80 + (i % 41);
    const quantity = `${1 + (i % 17)}.${String(i % 100).padStart(2, '0')}`;
    const pnl = (side === 'long' ? 100 - entry : entry - 100) * Number(quantity) * 100; // cents, integral here
    const cash = 1000 + (i % 313) * 10;
    return {
      accountId: `acct-${String(i).padStart(6, '0')}`,
      memberId: `member-${i % 50}`,
      cashBalance: String(cash),
      equity: (cash + Math.round(pnl) / 100).toFixed(2),
      variationMarginGain: String((i % 7) * 25 - 50),
      positions: [
        {
          instrumentId: 'BTC-PERP',
          side,
          quantity,
          entryPrice: String(entry),
          markPrice: '100',
          contractSize: '1',
          unrealizedPnl: (Math.round(pnl) / 100).toFixed(2),
          maintenanceMarginRequired: '5',
        },
      ],
    };
  });
  const positions = prepareDefaultedPositions([{ instrumentId: 'BTC-PERP', side: 'long', quantity: '50000', markPrice: '100', bankruptcyPrice: '103', contractSize: '1' }]);

  it('parses it once', () => {
    basis = prepareBasis({ defaultId: 'd-big', marks: { 'BTC-PERP': '100' }, participants });
    expect(basis.accounts.length).toBe(100_000);
  });

  it.each(KEYS)('%s allocates it in well under the time a Decimal per participant would take', (key) => {
    const started = performance.now();
    const outcome = ALLOCATION_POLICIES[key].allocate(basis, 12_345_678_91n, positions, ALLOCATION_POLICIES[key].defaults);
    const elapsedMs = performance.now() - started;
    expect(sumBy(outcome.allocations, (a) => a.amount) + outcome.unallocated).toBe(12_345_678_91n + outcome.overshoot);
    expect(elapsedMs).toBeLessThan(15_000);
  });
});
