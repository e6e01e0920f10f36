import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, LossAllocatedPayload, PRODUCERS } from '@ccp/contracts';
import { DECIDERS, OutcomeSummary, simulate } from '@ccp/engine';
import { ALLOCATION_POLICIES, prepareBasis } from '@ccp/loss-allocation-domain';
import { toMinorExact } from '@ccp/money';
import { readLines, SCENARIO_DIR, simulateScenario } from './audit-test-support';
import { allocationPolicyKeys, counterfactual, CounterfactualError, loadRecordedAllocation, parseParamArguments, resolvePolicySpec } from './counterfactual';
import { LoadedJournals } from './journal-source';

const cents = (s: string): bigint => toMinorExact(s, 2);

/** Runs a scenario in memory (no files): the journals as records. */
function inMemory(name: string): { journals: LoadedJournals; summary: OutcomeSummary } {
  const scenario: unknown = JSON.parse(readFileSync(join(SCENARIO_DIR, `${name}.json`), 'utf8'));
  const result = simulate(scenario, DECIDERS);
  const journals: LoadedJournals = Object.fromEntries(PRODUCERS.map((p) => [p, result.journals![p].records]));
  return { journals, summary: result.summary };
}

const recordedLossAllocated = (journals: LoadedJournals, defaultId: string): LossAllocatedPayload => {
  const r = journals['loss-allocation']!.find((x) => x.type === 'LossAllocated' && (x.payload as LossAllocatedPayload).defaultId === defaultId);
  if (!r) throw new Error(`test setup: no LossAllocated for ${defaultId}`);
  return r.payload as LossAllocatedPayload;
};

/** Σ lines + unallocated = residual + overshoot, recomputed from the payload. */
function conserves(p: LossAllocatedPayload): boolean {
  const charged = p.allocations.reduce((a, l) => a + cents(l.amount), 0n);
  return charged + cents(p.unallocated) === cents(p.residual) + cents(p.fairness.overshoot);
}

const fingerprint = (journals: LoadedJournals): string => PRODUCERS.map((p) => journals[p]!.map((r) => r.hash).join(',')).join('|');

const ALLOCATING = ['perpetual-adl-cascade', 'ccp-member-default'] as const;
const runs = new Map<string, ReturnType<typeof inMemory>>(ALLOCATING.map((n) => [n, inMemory(n)]));
const allocated = (name: string) => runs.get(name)!.summary.defaults.filter((d) => d.allocation !== null);

describe('counterfactual on recorded journals (memory)', () => {
  it('the example scenarios do reach loss allocation', () => {
    for (const name of ALLOCATING) expect(allocated(name).length).toBeGreaterThan(0);
  });

  it.each(ALLOCATING)('%s: --policy recorded reproduces every recorded LossAllocated byte for byte', async (name) => {
    const { journals } = runs.get(name)!;
    for (const d of allocated(name)) {
      const report = await counterfactual(journals, d.defaultId, { policy: 'recorded' });
      const recorded = recordedLossAllocated(journals, d.defaultId);
      expect(report.reproduced).toBe(true);
      expect(report.reproductionDifference).toBeNull();
      expect(canonicalJson(report.counterfactualAllocation)).toBe(canonicalJson(recorded));
      expect(report.counterfactual).toEqual(report.recorded);
      expect(report.recorded!.policy).toBe(d.allocation!.policy);
      expect(report.participantsChanged).toBe(0);
      expect(report.largestDifferences).toEqual([]);
    }
  });

  const cases = ALLOCATING.flatMap((name) => allocationPolicyKeys().map((key) => [name, key] as const));
  it.each(cases)('%s under %s: conserves, recorded still reproduced, journals untouched', async (name, key) => {
    const { journals } = runs.get(name)!;
    const before = fingerprint(journals);
    for (const d of allocated(name)) {
      const report = await counterfactual(journals, d.defaultId, { policy: key });
      const cf = report.counterfactualAllocation;
      expect(cf.policy).toBe(key);
      expect(cf.residual).toBe(d.residual);
      expect(conserves(cf)).toBe(true);
      expect(report.counterfactual.conserved).toBe(true);
      expect(report.recorded!.conserved).toBe(true);
      expect(report.reproduced).toBe(true);
      // the side-by-side figures are the payloads' own
      expect(report.counterfactual.totalCharged).toBe(cf.fairness.totalCharged);
      expect(report.recorded!.totalCharged).toBe(recordedLossAllocated(journals, d.defaultId).fairness.totalCharged);
      // differences: sorted by |delta|, each delta = counterfactual − recorded
      const abs = report.largestDifferences.map((r) => (cents(r.delta) < 0n ? -cents(r.delta) : cents(r.delta)));
      expect([...abs].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))).toEqual(abs);
      for (const r of report.largestDifferences) expect(cents(r.counterfactual) - cents(r.recorded)).toBe(cents(r.delta));
      expect(report.largestDifferences.length).toBeLessThanOrEqual(10);
      expect(report.participantsChanged).toBeGreaterThanOrEqual(report.largestDifferences.length);
    }
    expect(fingerprint(journals)).toBe(before);
  });

  it('a parameter changes the outcome within its limit: socialized loss capped at a share of profit', async () => {
    const { journals } = runs.get('perpetual-adl-cascade')!;
    for (const d of allocated('perpetual-adl-cascade')) {
      const loaded = await loadRecordedAllocation(journals, d.defaultId);
      const basis = prepareBasis(loaded.basis, { excludeAccountId: loaded.received.accountId });
      const report = await counterfactual(journals, d.defaultId, { policy: 'socialized-loss', params: { maxHaircutShare: '0.1' } });
      expect(report.counterfactual.params).toEqual({ maxHaircutShare: '0.1' });
      expect(report.counterfactualAllocation.allocations.length).toBeGreaterThan(0);
      for (const line of report.counterfactualAllocation.allocations) {
        const profit = basis.byAccountId.get(line.accountId)!.profit;
        expect(cents(line.amount) * 10n).toBeLessThanOrEqual(profit + 9n); // ≤ 10% of profit, cents rounded up at most
      }
      expect(report.counterfactual.conserved).toBe(true);
    }
  });

  it('the same policy as recorded keeps the recorded parameters unless overridden', async () => {
    const { journals } = runs.get('perpetual-adl-cascade')!;
    const d = allocated('perpetual-adl-cascade')[0]!;
    const recordedKey = d.allocation!.policy;
    const same = await counterfactual(journals, d.defaultId, { policy: recordedKey });
    expect(canonicalJson(same.counterfactualAllocation)).toBe(canonicalJson(recordedLossAllocated(journals, d.defaultId)));
    if ('closeWholePosition' in ALLOCATION_POLICIES[recordedKey as keyof typeof ALLOCATION_POLICIES].defaults) {
      const whole = await counterfactual(journals, d.defaultId, { policy: 'recorded', params: { closeWholePosition: 'true' } });
      expect(whole.counterfactual.params).toMatchObject({ closeWholePosition: true });
      expect(cents(whole.counterfactual.overshoot)).toBeGreaterThanOrEqual(0n);
      expect(whole.counterfactual.conserved).toBe(true);
    }
  });
});

describe('counterfactual: the reproduction check can fail', () => {
  it('a recorded LossAllocated that the recorded policy does not give: reproduced no, and where', async () => {
    const { journals } = runs.get('perpetual-adl-cascade')!;
    const d = allocated('perpetual-adl-cascade')[0]!;
    const edited: LoadedJournals = {
      ...journals,
      'loss-allocation': journals['loss-allocation']!.map((r) => {
        if (r.type !== 'LossAllocated' || (r.payload as LossAllocatedPayload).defaultId !== d.defaultId) return r;
        const p = r.payload as LossAllocatedPayload;
        return { ...r, payload: { ...p, fairness: { ...p.fairness, gini: '0.123456' } } };
      }),
    };
    const report = await counterfactual(edited, d.defaultId, { policy: 'recorded' });
    expect(report.reproduced).toBe(false);
    expect(report.reproductionDifference).toBe('payload.fairness.gini');
  });

  it('a basis in margin that differs from what loss-allocation decided on is refused', async () => {
    const { journals } = runs.get('perpetual-adl-cascade')!;
    const d = allocated('perpetual-adl-cascade')[0]!;
    const edited: LoadedJournals = {
      ...journals,
      margin: journals.margin!.map((r) =>
        r.type === 'AllocationBasisCaptured' && (r.payload as { defaultId: string }).defaultId === d.defaultId ? { ...r, payload: { ...(r.payload as object), marks: {} } } : r,
      ),
    };
    await expect(counterfactual(edited, d.defaultId, { policy: 'recorded' })).rejects.toThrow(/differs at payload\.marks/);
  });
});

describe('counterfactual over file journals', () => {
  it('gives the same report as over the same journals in memory, and leaves the files as they were', async () => {
    const run = simulateScenario('perpetual-adl-cascade');
    try {
      const before = PRODUCERS.map((p) => readLines(run.dir, p).join('\n'));
      const { journals } = runs.get('perpetual-adl-cascade')!;
      for (const d of run.summary.defaults.filter((x) => x.allocation)) {
        for (const key of ['recorded', 'socialized-loss', 'adl:hyperliquid']) {
          expect(await counterfactual(run.dir, d.defaultId, { policy: key })).toEqual(await counterfactual(journals, d.defaultId, { policy: key }));
        }
      }
      expect(PRODUCERS.map((p) => readLines(run.dir, p).join('\n'))).toEqual(before);
    } finally {
      run.cleanup();
    }
  });
});

describe('counterfactual: refusals name what is wrong', () => {
  const { journals } = inMemory('perpetual-adl-cascade');
  const someDefault = () => runs.get('perpetual-adl-cascade')!.summary.defaults.find((d) => d.allocation)!.defaultId;

  const refusal = async (p: Promise<unknown>): Promise<CounterfactualError> => {
    try {
      await p;
    } catch (e) {
      expect(e).toBeInstanceOf(CounterfactualError);
      return e as CounterfactualError;
    }
    throw new Error('expected a refusal');
  };

  it('an unknown default: names it and lists the defaults that have a residual', async () => {
    const e = await refusal(counterfactual(journals, 'default:nobody:0', { policy: 'recorded' }));
    expect(e.field).toBe('defaultId');
    expect(e.message).toContain('default:nobody:0');
    expect(e.message).toContain(someDefault());
  });

  it('a default the waterfall covered: nothing to allocate', async () => {
    const covered = inMemory('perpetual-insurance-fund');
    const d = covered.summary.defaults[0]!;
    expect(d.residual).toBe('0');
    const e = await refusal(counterfactual(covered.journals, d.defaultId, { policy: 'recorded' }));
    expect(e.field).toBe('defaultId');
    expect(e.message).toMatch(/covered by the waterfall/);
  });

  it('an unknown policy: lists every policy of the registry', async () => {
    const e = await refusal(counterfactual(journals, someDefault(), { policy: 'coin-flip' }));
    expect(e.field).toBe('policy');
    expect(e.message).toContain('coin-flip');
    for (const key of Object.keys(ALLOCATION_POLICIES)) expect(e.message).toContain(key);
  });

  it.each([
    [{ policy: 'adl', variant: 'okx' }, 'variant', /adl has no variant "okx"; its variants: bitmex/],
    [{ policy: 'adl:binance', variant: 'bitmex' }, 'variant', /already names variant binance/],
    [{ policy: 'recorded', variant: 'bitmex' }, 'variant', /does not apply/],
    [{ policy: 'adl', params: { maxHaircutShare: '0.5' } }, 'params.maxHaircutShare', /adl:bitmex has no parameter maxHaircutShare; its parameters: closeWholePosition/],
    [{ policy: 'adl', params: { closeWholePosition: 'maybe' } }, 'params.closeWholePosition', /true or false/],
    [{ policy: 'socialized-loss', params: { maxHaircutShare: '1.5' } }, 'params.maxHaircutShare', /share in \(0, 1\]/],
    [{ policy: 'socialized-loss', params: { maxHaircutShare: '0.0' } }, 'params.maxHaircutShare', /greater than zero/],
    [{ policy: 'partial-tear-up', params: { maxHaircutShare: '0.5' } }, 'params.maxHaircutShare', /takes no parameters/],
  ])('%j → %s', async (spec, field, message) => {
    const e = await refusal(counterfactual(journals, someDefault(), spec));
    expect(e.field).toBe(field);
    expect(e.message).toMatch(message);
  });

  it('a bad policy is refused before the journals are read', async () => {
    const e = await refusal(counterfactual('/nonexistent/journals', 'd', { policy: 'nope' }));
    expect(e.field).toBe('policy');
  });

  it.each([
    [['maxHaircutShare'], /expected name=value/],
    [['=1'], /expected name=value/],
    [['x='], /expected name=value/],
    [['a b=1'], /not a parameter name/],
    [['k=1', 'k=2'], /given twice/],
  ])('param arguments %j are refused', (args, message) => {
    expect(() => parseParamArguments(args)).toThrow(message);
  });

  it('param arguments parse to a params object (values still strings)', () => {
    expect(parseParamArguments(['maxHaircutShare=0.5', 'closeWholePosition=true'])).toEqual({ maxHaircutShare: '0.5', closeWholePosition: 'true' });
  });

  it('a bare policy name resolves to its first variant in the registry', () => {
    for (const key of allocationPolicyKeys()) {
      const [policy] = key.split(':');
      expect(Object.keys(ALLOCATION_POLICIES)).toContain(resolvePolicySpec({ policy: policy! }, null));
      expect(resolvePolicySpec({ policy: key }, null)).toBe(key);
    }
  });
});
