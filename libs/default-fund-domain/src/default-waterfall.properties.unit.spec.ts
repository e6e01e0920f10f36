import fc from 'fast-check';
import { canonicalJson, WaterfallTranche, WaterfallTrancheAppliedPayload } from '@ccp/contracts';
import { fromMinor } from '@ccp/money';
import { cents } from './usd-cents.util';
import { defaultFundDecider } from './default-fund.decider';
import { fundBalances } from './default-fund.state';
import { accepted, apply, assertValidEvents, command, defaultOf, defined, given, lastEvent, ofType, trancheEvents } from './default-fund.spec-helpers';
import type { DefaultFundCommand, DefaultFundState } from './default-fund.types';

const runs = Number(process.env['FC_RUNS'] ?? 1000);

const MEMBERS = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'] as const;
const usd = (c: bigint): string => fromMinor(c, 2);
/** floor(multiple × base), computed here with integers, independently of the implementation's Decimal. */
const floorMultiple = (base: bigint, multiple: string): bigint => {
  const [whole = '0', fraction = ''] = multiple.split('.');
  return (base * BigInt(`${whole}${fraction}`)) / 10n ** BigInt(fraction.length);
};

// Amounts with many zeros, so zero-capacity tranches and exact exhaustion both happen often.
const amountArb = (max: bigint) => fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max }), fc.bigInt({ min: 1n, max: 1000n }));

const POOLS = ['defaulter-contribution', 'sitg-a', 'mutualized', 'sitg-b', 'assessments', 'insurance-fund'] as const;

const worldArb = fc.record({
  contributions: fc.array(amountArb(10n ** 11n), { minLength: MEMBERS.length, maxLength: MEMBERS.length }),
  insurance: amountArb(10n ** 11n),
  sitgA: amountArb(10n ** 11n),
  sitgB: amountArb(10n ** 11n),
  sitgC: amountArb(10n ** 11n),
  withMargin: fc.boolean(),
  pools: fc.shuffledSubarray([...POOLS]),
  combined: fc.boolean(),
  capMultiple: fc.constantFrom('0.5', '1', '2', '2.75', '3.3333'),
  totalCapMultiple: fc.constantFrom('1', '3', '5.5'),
});
type World = typeof worldArb extends fc.Arbitrary<infer W> ? W : never;

const defaultArb = fc.record({
  defaulter: fc.constantFrom(...MEMBERS, 'outsider-1', 'outsider-2'),
  deficit: fc.oneof(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.bigInt({ min: 1n, max: 10n ** 6n })),
  margin: amountArb(10n ** 10n),
});
type DefaultCase = typeof defaultArb extends fc.Arbitrary<infer D> ? D : never;

function waterfallOf(w: World): WaterfallTranche[] {
  const tranches: WaterfallTranche[] = w.withMargin ? [{ kind: 'defaulter-margin' }] : [];
  for (const pool of w.pools) {
    switch (pool) {
      case 'sitg-a':
      case 'sitg-b':
        tranches.push({ kind: 'skin-in-the-game', trancheId: pool });
        break;
      case 'mutualized':
        tranches.push(w.combined ? { kind: 'mutualized-fund-with-skin-in-the-game', trancheId: 'sitg-c' } : { kind: 'mutualized-fund' });
        break;
      case 'assessments':
        tranches.push({ kind: 'assessments', capMultiple: w.capMultiple, totalCapMultiple: w.totalCapMultiple });
        break;
      default:
        tranches.push({ kind: pool });
    }
  }
  tranches.push({ kind: 'recovery-tool' });
  return tranches;
}

function setup(w: World): DefaultFundCommand[] {
  const commands: DefaultFundCommand[] = [
    command('SetWaterfall', { tranches: waterfallOf(w) }),
    command('SetSkinInTheGame', {
      tranches: [
        { trancheId: 'sitg-a', amount: usd(w.sitgA) },
        { trancheId: 'sitg-b', amount: usd(w.sitgB) },
        { trancheId: 'sitg-c', amount: usd(w.sitgC) },
      ],
    }),
  ];
  for (const [i, c] of w.contributions.entries()) if (c > 0n) commands.push(command('RecordContribution', { memberId: defined(MEMBERS[i]), amount: usd(c) }));
  if (w.insurance > 0n) commands.push(command('DepositInsuranceFund', { amount: usd(w.insurance) }));
  return commands;
}

const runDefault = (id: string, d: DefaultCase) => command('RunWaterfall', defaultOf(id, d.defaulter, usd(d.deficit), usd(d.margin)));

/** All money held by the fund's pools, in cents. */
function pooled(state: DefaultFundState): bigint {
  let total = state.insuranceFund.balance;
  for (const m of state.members.values()) total += m.contribution;
  for (const f of state.skinInTheGame.values()) total += f.balance;
  return total;
}

/** What each tranche could give, computed from the state before the walk, independently of the walk. */
function expectedCapacity(state: DefaultFundState, t: WaterfallTranche, defaulter: string): bigint | null {
  const survivors = [...state.members.entries()].filter(([id, m]) => id !== defaulter && !m.defaulted);
  const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);
  switch (t.kind) {
    case 'defaulter-contribution':
      return state.members.get(defaulter)?.contribution ?? 0n;
    case 'skin-in-the-game':
      return defined(state.skinInTheGame.get(t.trancheId)).balance;
    case 'mutualized-fund':
      return sum(survivors.map(([, m]) => m.contribution));
    case 'mutualized-fund-with-skin-in-the-game':
      return sum(survivors.map(([, m]) => m.contribution)) + defined(state.skinInTheGame.get(t.trancheId)).balance;
    case 'assessments':
      return sum(
        survivors.map(([, m]) => {
          const base = m.contribution + m.replenishmentDue;
          const left = floorMultiple(base, t.totalCapMultiple) - m.assessedInPeriod;
          const perDefault = floorMultiple(base, t.capMultiple);
          return left < 0n ? 0n : left < perDefault ? left : perDefault;
        }),
      );
    case 'insurance-fund':
      return state.insuranceFund.balance;
    default:
      return null; // defaulter-margin, recovery-tool: not a pool
  }
}


describe('waterfall properties (design.md §5)', () => {
  it('conservation: Σ covered tranches + residual = deficit to the cent; the pools lose exactly what they covered', () => {
    fc.assert(
      fc.property(worldArb, defaultArb, (w, d) => {
        const state = given(setup(w));
        const before = pooled(state);
        const events = accepted(apply(state, runDefault('d1', d)));
        assertValidEvents(events);
        const tranches = trancheEvents(events);
        const sumOf = (ts: WaterfallTrancheAppliedPayload[]) => ts.reduce((a, t) => a + cents(t.amount), 0n);
        const covered = sumOf(tranches.filter((t) => t.effect === 'covered'));
        const residual = sumOf(tranches.filter((t) => t.effect === 'forwarded'));
        expect(covered + residual).toBe(d.deficit);
        const last = lastEvent(events);
        if (residual === 0n) expect(last).toMatchObject({ type: 'DefaultCovered', payload: { deficit: usd(d.deficit) } });
        else expect(last).toMatchObject({ type: 'ResidualLossForwarded', payload: { deficit: usd(d.deficit), covered: usd(covered), residual: usd(residual) } });
        for (const e of events) expect(e.correlationId).toBe('d1');
        // parts of each tranche sum to it; assessment calls sum to the assessments tranche
        for (const t of tranches) {
          if (t.contributors === undefined) continue;
          expect(t.contributors.reduce((a, c) => a + cents(c.amount), 0n) + cents(t.skinInTheGameAmount ?? '0')).toBe(cents(t.amount));
        }
        const assessed = sumOf(tranches.filter((t) => t.kind === 'assessments'));
        expect(ofType(events, 'AssessmentCalled').reduce((a, c) => a + cents(c.amount), 0n)).toBe(assessed);
        // assessments are fresh cash; every other covered cent left a pool
        expect(before - pooled(state)).toBe(covered - assessed);
        // every pool cent consumed from a survivor or the clearinghouse is called back
        const replenished = ofType(events, 'ReplenishmentCalled').reduce((a, r) => a + cents(r.amount), 0n);
        const fromDefaulter = sumOf(tranches.filter((t) => t.kind === 'defaulter-contribution'));
        expect(replenished).toBe(covered - assessed - fromDefaulter);
      }),
      { numRuns: runs },
    );
  });

  it('tranche order: tranches are reached in order, none skipped, each exhausted before the next is touched', () => {
    fc.assert(
      fc.property(worldArb, defaultArb, (w, d) => {
        const state = given(setup(w));
        const waterfall = waterfallOf(w);
        const tranches = trancheEvents(accepted(defaultFundDecider.decide(runDefault('d1', d), state)));
        expect(tranches.map((t) => t.order)).toEqual(tranches.map((_, i) => i + 1));
        let remaining = d.deficit;
        for (const [i, t] of tranches.entries()) {
          const configured = defined(waterfall[t.order - 1], `tranche ${t.order}`);
          expect(t.kind).toBe(configured.kind);
          expect(cents(t.remainingBefore)).toBe(remaining);
          const capacity = expectedCapacity(state, configured, d.defaulter);
          if (capacity !== null) expect(cents(t.capacity)).toBe(capacity);
          if (t.effect === 'recorded') {
            expect(t.amount).toBe(usd(d.margin));
            continue;
          }
          const amount = cents(t.amount);
          expect(amount <= cents(t.capacity)).toBe(true);
          remaining -= amount;
          expect(cents(t.remainingAfter)).toBe(remaining);
          // not the last tranche reached → it was exhausted; the last one leaves nothing
          if (i < tranches.length - 1) expect(amount).toBe(cents(t.capacity));
          else expect(remaining).toBe(0n);
        }
      }),
      { numRuns: runs },
    );
  });

  it('the mutualized fund charges survivors (and the Eurex tranche) pro rata, within a cent, summing exactly', () => {
    fc.assert(
      fc.property(worldArb, defaultArb, (w, d) => {
        fc.pre(w.pools.includes('mutualized'));
        const state = given(setup(w));
        const events = accepted(defaultFundDecider.decide(runDefault('d1', d), state));
        const t = trancheEvents(events).find((x) => x.kind === 'mutualized-fund' || x.kind === 'mutualized-fund-with-skin-in-the-game');
        if (t === undefined) return; // covered before the fund was reached
        const weights = new Map<string, bigint>();
        for (const [id, m] of state.members) if (id !== d.defaulter && !m.defaulted) weights.set(id, m.contribution);
        const paid = new Map((t.contributors ?? []).map((c) => [c.memberId, cents(c.amount)]));
        for (const id of paid.keys()) expect(weights.has(id)).toBe(true); // only survivors pay
        const parts: [bigint, bigint][] = [...weights].map(([id, weight]) => [weight, paid.get(id) ?? 0n]);
        if (t.kind === 'mutualized-fund-with-skin-in-the-game') parts.push([defined(state.skinInTheGame.get('sitg-c')).balance, cents(t.skinInTheGameAmount ?? '0')]);
        const total = parts.reduce((a, [weight]) => a + weight, 0n);
        const amount = cents(t.amount);
        let sum = 0n;
        for (const [weight, got] of parts) {
          expect(got <= weight).toBe(true);
          if (total > 0n) {
            const floor = (amount * weight) / total;
            expect(got === floor || got === floor + 1n).toBe(true);
          }
          sum += got;
        }
        expect(sum).toBe(amount);
      }),
      { numRuns: runs },
    );
  });

  it('assessments never exceed their caps: per default, and in total across defaults of a capped period', () => {
    fc.assert(
      fc.property(worldArb, fc.array(defaultArb, { minLength: 2, maxLength: 4 }), (w, defaults) => {
        const world = { ...w, pools: w.pools.includes('assessments') ? w.pools : [...w.pools, 'assessments' as const] };
        const state = given(setup(world));
        const base = new Map(MEMBERS.map((id, i) => [id as string, world.contributions[i] ?? 0n]));
        const cumulative = new Map<string, bigint>();
        const defaulted = new Set<string>();
        for (const [n, d] of defaults.entries()) {
          const events = accepted(apply(state, runDefault(`d${n}`, d)));
          for (const a of ofType(events, 'AssessmentCalled')) {
            expect(a.memberId).not.toBe(d.defaulter);
            expect(defaulted.has(a.memberId)).toBe(false);
            const memberBase = defined(base.get(a.memberId), a.memberId);
            const amount = cents(a.amount);
            expect(amount <= cents(a.cap)).toBe(true);
            expect(cents(a.cap) <= floorMultiple(memberBase, world.capMultiple)).toBe(true);
            const total = (cumulative.get(a.memberId) ?? 0n) + amount;
            cumulative.set(a.memberId, total);
            expect(cents(a.cumulativeAssessed)).toBe(total);
            expect(total <= floorMultiple(memberBase, world.totalCapMultiple)).toBe(true);
          }
          defaulted.add(d.defaulter);
        }
      }),
      { numRuns: runs },
    );
  });

  it('determinism: the same inputs give identical events and balances, byte for byte', () => {
    fc.assert(
      fc.property(worldArb, fc.array(defaultArb, { minLength: 1, maxLength: 3 }), (w, defaults) => {
        const a = given(setup(w));
        const b = given(setup(w));
        for (const [n, d] of defaults.entries()) {
          const c = runDefault(`d${n}`, d);
          const first = canonicalJson(defaultFundDecider.decide(c, a));
          expect(canonicalJson(defaultFundDecider.decide(c, a))).toBe(first); // decide does not touch the state
          expect(canonicalJson(apply(b, c))).toBe(first);
          apply(a, c);
        }
        expect(canonicalJson(fundBalances(a))).toBe(canonicalJson(fundBalances(b)));
      }),
      { numRuns: runs },
    );
  });
});
