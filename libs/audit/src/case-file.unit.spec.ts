import { toMinorExact } from '@ccp/money';
import { PRODUCERS } from '@ccp/contracts';
import { simulateScenario } from './audit-test-support';
import { caseFile } from './case-file';

const cents = (s: string): bigint => toMinorExact(s, 2);

describe('caseFile', () => {
  it.each(['perpetual-adl-cascade', 'ccp-member-default'])('%s: figures match the outcome summary of simulate', async (name) => {
    const run = simulateScenario(name);
    try {
      expect(run.summary.defaults.length).toBeGreaterThan(0);
      for (const d of run.summary.defaults) {
        const cf = await caseFile(run.dir, d.defaultId);
        expect(cf.defaulter).toMatchObject({ accountId: d.accountId, memberId: d.memberId, marginApplied: d.marginApplied, deficit: d.deficit });
        expect(cf.defaulter!.positions.length).toBeGreaterThan(0);
        for (const p of cf.defaulter!.positions) expect(p.bankruptcyPrice).toMatch(/^-?\d+(\.\d+)?$/);
        expect(cf.tranches.map((t) => ({ order: t.order, kind: t.kind, trancheId: t.trancheId, amount: t.amount }))).toEqual(d.tranches);
        expect(cf.covered).toBe(d.covered);
        expect(cf.residual).toBe(d.residual);
        // conservation, recomputed here from the tranches: covered + forwarded = deficit
        const covered = cf.tranches.filter((t) => t.effect === 'covered').reduce((a, t) => a + cents(t.amount), 0n);
        expect(covered + cents(cf.residual!)).toBe(cents(d.deficit));
        if (d.allocation) {
          expect(cf.policy).toBe(d.allocation.policy);
          expect(cf.allocations).toHaveLength(d.allocation.participantsCharged);
          expect(cf.allocations.reduce((a, l) => a + cents(l.amount), 0n)).toBe(cents(d.allocation.charged));
          expect(cf.unallocated).toBe(d.allocation.unallocated);
          expect(cf.fairness).toEqual(d.allocation.fairness);
        }
        expect(cf.invariants.length).toBeGreaterThanOrEqual(3);
        expect(cf.invariants.filter((r) => !r.ok)).toEqual([]);
        // the timeline runs from the default through the waterfall (and the allocation, when there is a residual)
        const types = cf.timeline.map((t) => t.type);
        expect(types).toEqual(expect.arrayContaining(['AccountDefaulted', 'WaterfallTrancheApplied', d.residual === '0' ? 'DefaultCovered' : 'ResidualLossForwarded']));
        if (d.allocation) expect(types).toContain('LossAllocated');
        expect(types.indexOf('AccountDefaulted')).toBeLessThan(types.indexOf('WaterfallTrancheApplied'));
        // each journal quoted with its latest anchor: simulate's closing head (where a default closed at the last record, the same signed head), verified
        expect(cf.signatures.journals.map((j) => [j.journal, j.latestAnchor?.seq, j.latestAnchor?.verified, j.signedThrough])).toEqual(
          PRODUCERS.map((p) => [p, run.summary.journals[p].records - 1, true, run.summary.journals[p].records - 1]),
        );
        for (const j of cf.signatures.journals) expect(['head', 'default-closed']).toContain(j.latestAnchor!.reason);
        expect(cf.signatures.keyring).toMatchObject({ source: 'directory', development: true });
      }
    } finally {
      run.cleanup();
    }
  });

  it('perpetual-adl-cascade: ADL closes name the quantity and price', async () => {
    const run = simulateScenario('perpetual-adl-cascade');
    try {
      const d = run.summary.defaults[0]!;
      const cf = await caseFile(run.dir, d.defaultId);
      expect(cf.allocations.length).toBeGreaterThan(0);
      for (const l of cf.allocations) expect(l.quantityClosed).toBeDefined();
    } finally {
      run.cleanup();
    }
  });

  it('ccp-member-default: the worked waterfall (8,000,000 deficit = 1,750,000 from the funds + 6,250,000 residual)', async () => {
    const run = simulateScenario('ccp-member-default');
    try {
      const cf = await caseFile(run.dir, run.summary.defaults[0]!.defaultId);
      expect(cf.outcome).toBe('ResidualLossForwarded');
      expect(cf.tranches.map((t) => t.order)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(cents(cf.covered!) + cents(cf.residual!)).toBe(cents(cf.defaulter!.deficit));
    } finally {
      run.cleanup();
    }
  });

  it('an unknown default: no defaulter, the invariant says so', async () => {
    const run = simulateScenario('perpetual-adl-cascade');
    try {
      const cf = await caseFile(run.dir, 'default:nobody:0');
      expect(cf.defaulter).toBeNull();
      expect(cf.timeline).toEqual([]);
      expect(cf.invariants).toEqual([expect.objectContaining({ name: 'default-declared', ok: false })]);
    } finally {
      run.cleanup();
    }
  });
});
