import { checkDefault, DefaultFacts } from './default-invariants';

const loc = (journal: string, position: number) => ({ journal, position, recordId: `${journal}:${position}` });

/** A default of 80 with 30 of margin: fund 50 of 60... built per case. */
function facts(
  tranches: [number, string, string, string][],
  terminal: { residual: string; covered: string },
  allocation?: { amounts: string[]; unallocated: string; overshoot: string },
  applied: { totalCharged: string; lines: number } | null | 'as-decided' = 'as-decided',
): DefaultFacts {
  const decided = allocation ? { totalCharged: allocation.amounts.reduce((a, x) => a + Math.round(Number(x) * 100), 0) / 100, lines: allocation.amounts.length } : null;
  return {
    defaultId: 'd1',
    defaulted: { ...loc('liquidation', 4), deficit: '100', marginApplied: '30' },
    tranches: tranches.map(([order, effect, capacity, amount], i) => ({ ...loc('default-fund', 5 + i), order, kind: 'k', effect, capacity, amount })),
    terminal: { ...loc('default-fund', 20), type: terminal.residual === '0' ? 'DefaultCovered' : 'ResidualLossForwarded', deficit: '100', ...terminal },
    allocation: allocation ? { ...loc('loss-allocation', 3), residual: terminal.residual, ...allocation } : null,
    applied:
      applied === 'as-decided'
        ? decided && { ...loc('margin', 9), totalCharged: String(decided.totalCharged), lines: decided.lines }
        : applied && { ...loc('margin', 9), ...applied },
  };
}

const failures = (f: DefaultFacts) => checkDefault(f, () => true).filter((r) => !r.ok);

describe('checkDefault', () => {
  it.each<[string, DefaultFacts, string | null]>([
    ['a clean walk with a residual', facts([[1, 'recorded', '30', '30'], [2, 'covered', '60', '60'], [3, 'forwarded', '40', '40']], { covered: '60', residual: '40' }, { amounts: ['25', '15.01'], unallocated: '0', overshoot: '0.01' }), null],
    ['fully covered', facts([[1, 'covered', '150', '100']], { covered: '100', residual: '0' }), null],
    ['one cent lost', facts([[1, 'covered', '60', '60'], [2, 'forwarded', '40', '39.99']], { covered: '60', residual: '39.99' }, { amounts: ['39.99'], unallocated: '0', overshoot: '0' }), 'waterfall-conservation'],
    ['order not increasing', facts([[2, 'covered', '60', '60'], [2, 'forwarded', '40', '40']], { covered: '60', residual: '40' }, { amounts: ['40'], unallocated: '0', overshoot: '0' }), 'tranche-order'],
    ['later tranche touched before the earlier is exhausted', facts([[1, 'covered', '70', '50'], [2, 'covered', '50', '10'], [3, 'forwarded', '40', '40']], { covered: '60', residual: '40' }, { amounts: ['40'], unallocated: '0', overshoot: '0' }), 'tranche-order'],
    ['a tranche beyond its capacity', facts([[1, 'covered', '50', '60'], [2, 'forwarded', '40', '40']], { covered: '60', residual: '40' }, { amounts: ['40'], unallocated: '0', overshoot: '0' }), 'tranche-order'],
    ['allocation short by a cent', facts([[1, 'covered', '60', '60'], [2, 'forwarded', '40', '40']], { covered: '60', residual: '40' }, { amounts: ['39.99'], unallocated: '0', overshoot: '0' }), 'allocation-conservation'],
    ['allocation decided but never applied by margin', facts([[1, 'covered', '60', '60'], [2, 'forwarded', '40', '40']], { covered: '60', residual: '40' }, { amounts: ['40'], unallocated: '0', overshoot: '0' }, null), 'allocation-applied'],
    ['margin applied less than decided', facts([[1, 'covered', '60', '60'], [2, 'forwarded', '40', '40']], { covered: '60', residual: '40' }, { amounts: ['25', '15'], unallocated: '0', overshoot: '0' }, { totalCharged: '25', lines: 1 }), 'allocation-applied'],
    ['residual never allocated', facts([[1, 'covered', '60', '60'], [2, 'forwarded', '40', '40']], { covered: '60', residual: '40' }), 'allocation-conservation'],
    ['a fraction of a cent', facts([[1, 'covered', '60', '60.001'], [2, 'forwarded', '40', '40']], { covered: '60', residual: '40' }), 'whole-cents'],
  ])('%s', (_name, f, failing) => {
    const bad = failures(f);
    if (failing === null) expect(bad).toEqual([]);
    else {
      expect(bad.map((r) => r.name)).toContain(failing);
      expect(bad[0]!.at).not.toBeNull();
    }
  });

  it('no waterfall for a default', () => {
    const f: DefaultFacts = { defaultId: 'd1', defaulted: { ...loc('liquidation', 4), deficit: '100', marginApplied: '0' }, tranches: [], terminal: null, allocation: null };
    expect(failures(f)).toEqual([expect.objectContaining({ name: 'waterfall-complete', at: expect.objectContaining({ journal: 'liquidation', position: 4 }) })]);
  });

  it('skips checks that need a journal with a finding', () => {
    const f = facts([[1, 'covered', '60', '60']], { covered: '60', residual: '40' });
    expect(checkDefault(f, (j) => j !== 'default-fund')).toEqual([]);
  });
});
