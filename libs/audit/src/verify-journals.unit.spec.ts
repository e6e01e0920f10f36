import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EventEnvelope, PRODUCERS } from '@ccp/contracts';
import { journalFileName } from '@ccp/engine';
import { readLines, reseal, SCENARIO_DIR, simulateScenario, writeLines } from './audit-test-support';
import { verifyJournals } from './verify-journals';

const scenarios = readdirSync(SCENARIO_DIR)
  .filter((f) => f.endsWith('.json') && !f.startsWith('market-crash-')) // the large ones have their own (slower) tests
  .map((f) => f.replace(/\.json$/, ''));

describe('verifyJournals: untouched journals', () => {
  it('covers the example scenarios', () => {
    expect(scenarios).toEqual(expect.arrayContaining(['ccp-member-default', 'perpetual-adl-cascade', 'perpetual-insurance-fund']));
  });

  it.each(scenarios)('%s verifies clean, with the heads simulate reported', async (name) => {
    const run = simulateScenario(name);
    try {
      const report = await verifyJournals(run.dir);
      expect(report.findings).toEqual([]);
      expect(report.firstFinding).toBeNull();
      expect(report.ok).toBe(true);
      expect(report.defaultsChecked).toBe(run.summary.defaults.length);
      for (const j of report.journals) expect({ records: j.records, headHash: j.headHash }).toEqual(run.summary.journals[j.producer]);
    } finally {
      run.cleanup();
    }
  });
});

describe('verifyJournals: tampering is detected and pinpointed', () => {
  let run: ReturnType<typeof simulateScenario>;
  beforeEach(() => {
    run = simulateScenario('perpetual-adl-cascade');
  });
  afterEach(() => run.cleanup());

  const parsed = (producer: (typeof PRODUCERS)[number]) => readLines(run.dir, producer).map((l) => JSON.parse(l) as EventEnvelope);

  it('one byte of an event payload: names the journal, line, record and field', async () => {
    const lines = readLines(run.dir, 'default-fund');
    // the insurance-fund tranche of the first default covers 5000
    const i = lines.findIndex((l) => l.includes('"effect":"covered"') && l.includes('"amount":"5000"'));
    expect(i).toBeGreaterThan(0);
    lines[i] = lines[i]!.replace('"amount":"5000"', '"amount":"5001"');
    writeLines(run.dir, 'default-fund', lines);

    const report = await verifyJournals(run.dir);
    expect(report.ok).toBe(false);
    expect(report.firstFinding).toMatchObject({ journal: 'default-fund', position: i, recordId: `default-fund:${i}`, field: 'payload.amount' });
    expect(report.firstFinding!.reason).toMatch(/hash/);
    // the other journals are still checked, and are clean
    expect(report.findings.every((f) => f.journal === 'default-fund')).toBe(true);
    expect(report.journals.map((j) => j.records)).toEqual(PRODUCERS.map((p) => run.summary.journals[p].records));
  });

  it('a deleted event: the chain breaks at its line', async () => {
    const lines = readLines(run.dir, 'loss-allocation');
    const i = parsed('loss-allocation').findIndex((r) => r.type === 'LossAllocated');
    lines.splice(i, 1);
    writeLines(run.dir, 'loss-allocation', lines);
    const report = await verifyJournals(run.dir);
    expect(report.firstFinding).toMatchObject({ journal: 'loss-allocation', position: i, recordId: `loss-allocation:${i + 1}`, field: 'seq' });
  });

  it('two events swapped: the chain breaks at the first of them', async () => {
    const lines = readLines(run.dir, 'default-fund');
    const i = parsed('default-fund').findIndex((r) => r.type === 'WaterfallTrancheApplied');
    [lines[i], lines[i + 1]] = [lines[i + 1]!, lines[i]!];
    writeLines(run.dir, 'default-fund', lines);
    const report = await verifyJournals(run.dir);
    expect(report.firstFinding).toMatchObject({ journal: 'default-fund', position: i, recordId: `default-fund:${i + 1}`, field: 'seq' });
  });

  it('a parameter input changed and the chain re-sealed: only re-deciding catches it, at the first diverging record', async () => {
    const records = parsed('liquidation');
    const i = records.findIndex((r) => r.type === 'SetLiquidationParameters');
    expect(i).toBeGreaterThanOrEqual(0);
    const forged = records.map((r, k) => (k === i ? { ...r, payload: { ...(r.payload as object), liquidationFeeRate: '0.001' } } : r));
    writeLines(run.dir, 'liquidation', reseal(forged.map((r) => JSON.stringify(r))));

    const report = await verifyJournals(run.dir);
    expect(report.ok).toBe(false);
    // the decided LiquidationParametersSet carries 0.001; the recorded one still says what was in force
    expect(report.firstFinding).toMatchObject({ journal: 'liquidation', position: i + 1, recordId: `liquidation:${i + 1}`, field: 'payload.liquidationFeeRate' });
    expect(report.firstFinding!.reason).toMatch(/re-deciding liquidation:0/);
  });

  it('a re-sealed waterfall amount is caught by re-deciding (payload field named)', async () => {
    const records = parsed('default-fund');
    const i = records.findIndex((r) => r.type === 'ResidualLossForwarded');
    const forged = records.map((r, k) => (k === i ? { ...r, payload: { ...(r.payload as object), residual: '44999.99' } } : r));
    writeLines(run.dir, 'default-fund', reseal(forged.map((r) => JSON.stringify(r))));
    const report = await verifyJournals(run.dir);
    expect(report.firstFinding).toMatchObject({ journal: 'default-fund', position: i, field: 'payload.residual' });
  });

  it('an unparsable line', async () => {
    const lines = readLines(run.dir, 'margin');
    lines[3] = lines[3]!.slice(0, 20);
    writeLines(run.dir, 'margin', lines);
    const report = await verifyJournals(run.dir);
    expect(report.firstFinding).toMatchObject({ journal: 'margin', position: 3, recordId: null, field: 'line' });
  });

  it('a truncated journal: the decided event that is missing at the end', async () => {
    const lines = readLines(run.dir, 'liquidation');
    lines.pop();
    writeLines(run.dir, 'liquidation', lines);
    const report = await verifyJournals(run.dir);
    expect(report.firstFinding).toMatchObject({ journal: 'liquidation', position: lines.length, recordId: null });
    expect(report.firstFinding!.reason).toMatch(/journal ends before/);
  });

  it('a routed input pointing at a record that is not a wire event', async () => {
    const records = parsed('default-fund');
    const i = records.findIndex((r) => r.kind === 'input' && r.source !== null);
    const forged = records.map((r, k) => (k === i ? { ...r, source: { ...r.source!, offset: '0' } } : r));
    writeLines(run.dir, 'default-fund', reseal(forged.map((r) => JSON.stringify(r))));
    const report = await verifyJournals(run.dir);
    expect(report.findings).toContainEqual(expect.objectContaining({ journal: 'default-fund', position: i, field: 'source.offset' }));
  });

  it('an emptied journal: its residuals were never consumed, and margin cites records that no longer exist', async () => {
    writeLines(run.dir, 'loss-allocation', []);
    const report = await verifyJournals(run.dir);
    expect(report.ok).toBe(false);
    expect(report.findings).toContainEqual(expect.objectContaining({ journal: 'loss-allocation', field: 'source' }));
    expect(report.findings).toContainEqual(expect.objectContaining({ journal: 'margin', field: 'source.offset' }));
    expect(report.findings).toContainEqual(expect.objectContaining({ journal: 'default-fund', field: 'payload.residual', reason: expect.stringMatching(/no LossAllocated/) }));
    expect(report.findings.some((f) => f.journal === 'liquidation')).toBe(false);
    // and the directory's own anchors say it was cut
    expect(report.findings).toContainEqual(expect.objectContaining({ journal: 'loss-allocation', field: 'seq', reason: expect.stringMatching(/^loss-allocation is empty, anchored at seq \d+/) }));
  });

  it('a missing journal file is a finding; the others are still verified', async () => {
    rmSync(join(run.dir, journalFileName('liquidation')));
    const report = await verifyJournals(run.dir);
    expect(report.firstFinding).toMatchObject({ journal: 'liquidation', field: 'file' });
    expect(report.journals.find((j) => j.producer === 'margin')).toMatchObject({ producer: 'margin', ...run.summary.journals.margin });
    expect(report.firstFinding!.reason).toMatch(/is missing: liquidation journal is missing, anchored at seq \d+ \(anchors\.jsonl line \d+\)/);
  });
});
