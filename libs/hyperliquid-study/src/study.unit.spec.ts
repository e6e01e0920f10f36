import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, lossAllocatedPayload } from '@ccp/contracts';
import { journalFileName } from '@ccp/engine';
import { parseSummary, parseUserCsv, USER_CSV_COLUMNS } from './hyperliquid-import';
import { actualEvent, POLICY_IN_FORCE, runHyperliquidStudy, runScenario, STUDY_POLICIES, SUMMARY_JSON, USER_CSV } from './study';
import { buildStudyBasis, HEADLINE_SHARE, studyDefault } from './study-basis';
import { checkStudyJournal, writeStudyJournal } from './study-journal';
import { leverage, usd, usdMillions } from './study-report';

const addr = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;
/**
 * Four winners (shorts at mark 1 after A3) and one defaulter. Leverage = notional ÷ (cash + pnl):
 * a1 1000/(100+100)=5, a2 500/(400+100)=1, a3 2000/(150+50)=10, a4 100/(1000+10)≈0.099.
 * Deficit 70: a quarter of the open interest (900 units) at bankruptcy price 1 + ⌈70 ÷ 900⌉ = 1.07777778.
 */
const ROWS = [
  `${addr(1)},1000,100,10,10,100,False,1`,
  `${addr(2)},500,100,1.25,20,400,False,1`,
  `${addr(3)},2000,50,13.333333333333334,2.5,150,False,1`,
  `${addr(4)},100,10,0.1,10,1000,False,1`,
  `${addr(5)},300,-20,0,-6,-50,True,1`,
];
const CSV = [USER_CSV_COLUMNS.join(','), ...ROWS].join('\n');
const SUMMARY = '{"adl_events_analyzed": 5, "accounts_tracked": 9, "events_processed": 99, "key_findings": {"negative_equity_count": 1, "negative_equity_total": -70.0, "total_adl_notional": 3900.0}}';

const setup = () => {
  const imported = parseUserCsv(CSV);
  const summary = parseSummary(SUMMARY);
  const basis = buildStudyBasis(imported.accepted, summary);
  return { imported, summary, basis };
};

describe('what happened, from the rows', () => {
  it('sums notional and the profit the closes realized, exactly, and checks them against the summary', () => {
    const { imported, summary } = setup();
    const a = actualEvent(imported.accepted, summary);
    expect(a.notionalClosed).toBe(390_000n);
    expect(a.notionalCheckDifference).toBe(0n);
    expect(a.fillsMatchSummary).toBe(true);
    expect(a.profitRealized).toBe(26_000n); // 100 + 100 + 50 + 10, the loss of 20 not counted
    expect(a.netPnl).toBe(24_000n);
    expect(a.largestProfitClosed).toBe(10_000n);
    expect(a.largestProfitAccount).toBe(addr(1)); // tie 100/100: accountId ascending
    expect(a.profitableAccounts).toBe(4);
  });
});

describe('runScenario: every policy on the same basis', () => {
  it('conserves the deficit for every policy and lets water-filling leave the lowest maximum leverage', () => {
    const { basis } = setup();
    // the whole open interest (3600) defaulted: every ADL closes everything; a quarter: they must choose
    for (const share of [HEADLINE_SHARE, { label: '25%', num: 1n, den: 4n }]) {
      const scenario = runScenario(basis.payload, studyDefault(basis, share), share);
      expect(scenario.rows.map((r) => r.spec.label)).toEqual(STUDY_POLICIES.map((p) => p.label));
      for (const r of scenario.rows) {
        expect(lossAllocatedPayload.parse(r.payload)).toEqual(r.payload);
        expect(r.profitTaken + r.unallocated - r.overshoot).toBe(basis.deficit);
      }
      const wf = scenario.rows.find((r) => r.spec.key === 'adl:water-filling')!;
      const queue = scenario.rows[0]!;
      expect(Number(wf.maxLeverageSolvent.num) * Number(queue.maxLeverageSolvent.den)).toBeLessThanOrEqual(Number(queue.maxLeverageSolvent.num) * Number(wf.maxLeverageSolvent.den));
    }
    // A quarter: 900 units defaulted, B − 1 = ⌈70 ÷ 900⌉ = 0.07777778 (rounded up), so the queue needs
    // q* = ⌈70 ÷ 0.07777778⌉ = 899.99997429 units (8 decimals, rounded up). Water-filling drains a3 (leverage 10)
    // alone: level (2000 − 899.99997429) ÷ 200 ≈ 5.5 ≥ a1's 5, so a1 is not touched.
    const quarter = runScenario(basis.payload, studyDefault(basis, { label: '25%', num: 1n, den: 4n }), { label: '25%', num: 1n, den: 4n });
    const wf = quarter.rows.find((r) => r.spec.key === 'adl:water-filling')!;
    expect(wf.payload.allocations.map((l) => [l.accountId, l.quantityClosed, l.amount])).toEqual([[addr(3), '899.99997429', '70']]);
    expect(leverage(wf.maxLeverageSolvent)).toBe('5.50×');
    // the Hyperliquid key (entry ÷ mark) × notional ÷ equity ranks a3 first too: 1.025 × 10 = 10.25 vs a1 1.1 × 5 = 5.5
    expect(quarter.rows[0]!.payload.allocations.map((l) => l.accountId)).toEqual([addr(3)]);
    // pro rata to profit: 7000 cents over profits 100, 100, 50, 10 (a5 is a defaulter, not in the basis):
    // 2692.31, 2692.31, 1346.15, 269.23 → floors sum to 6999; the cent goes to the largest remainder
    // (0.31, a tie between a1 and a2 broken by accountId)
    const prorata = quarter.rows.find((r) => r.spec.key === 'socialized-loss:pro-rata-profit')!;
    expect(prorata.payload.allocations.map((l) => [l.accountId, l.amount])).toEqual([
      [addr(1), '26.93'],
      [addr(2), '26.92'],
      [addr(3), '13.46'],
      [addr(4), '2.69'],
    ]);
  });
});

describe('the journaled default', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hl-study-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is written by the real decider, reads back verified, and the counterfactual of the policy in force reproduces it', async () => {
    const { basis } = setup();
    const residual = studyDefault(basis);
    const written = writeStudyJournal(dir, POLICY_IN_FORCE, residual, basis.payload);
    const check = await checkStudyJournal(dir);
    expect(check.ok).toBe(true);
    expect(check.records).toBe(written.records);
    expect(check.headHash).toBe(written.headHash);
    // SetAllocationPolicy → AllocationPolicySet; AllocateResidualLoss → ResidualLossReceived + AllocationBasisRequested; DecideAllocation → LossAllocated
    const types = readFileSync(join(dir, journalFileName('loss-allocation')), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { type: string }).type);
    expect(types).toEqual(['SetAllocationPolicy', 'AllocationPolicySet', 'AllocateResidualLoss', 'ResidualLossReceived', 'AllocationBasisRequested', 'DecideAllocation', 'LossAllocated']);
    const again = runScenario(check.basis!, check.residual!, HEADLINE_SHARE).rows[0]!.payload;
    expect(canonicalJson(again)).toBe(canonicalJson(check.recorded));
    // deterministic: the same inputs write the same bytes
    const other = mkdtempSync(join(tmpdir(), 'hl-study-'));
    try {
      expect(writeStudyJournal(other, POLICY_IN_FORCE, residual, basis.payload).headHash).toBe(written.headHash);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('detects an edited record', async () => {
    const { basis } = setup();
    writeStudyJournal(dir, POLICY_IN_FORCE, studyDefault(basis), basis.payload);
    const path = join(dir, journalFileName('loss-allocation'));
    writeFileSync(path, readFileSync(path, 'utf8').replace('"residual":"70"', '"residual":"69"'));
    const check = await checkStudyJournal(dir);
    expect(check.ok).toBe(false);
    expect(check.firstProblem).toMatch(/hash/);
  });

  it('runs end to end on a data folder and writes the report and the chart', async () => {
    const data = join(dir, 'data');
    const out = join(dir, 'out');
    mkdirSync(data);
    writeFileSync(join(data, USER_CSV), CSV);
    writeFileSync(join(data, SUMMARY_JSON), SUMMARY);
    const result = await runHyperliquidStudy({ dataDir: data, outDir: out, journalDir: join(dir, 'journals'), dataDirLabel: 'data', journalDirLabel: 'journals' });
    expect(result.recordedReproduced).toBe(true);
    expect(result.waterFillingAtMostQueue.every((w) => w.ok)).toBe(true);
    expect(result.markdown).toContain('**What happened**');
    expect(result.markdown).toContain('| deficit to cover = −negative_equity_total (1 fills in negative equity) | $70.00 |');
    expect(result.svg.startsWith('<svg')).toBe(true);
    expect(readFileSync(result.reportPath, 'utf8')).toBe(result.markdown);
  });
});

describe('formatting', () => {
  it.each([
    [0n, '$0.00', '$0.00M'],
    [123_456_789n, '$1,234,567.89', '$1.23M'],
    [-2_500_000n, '−$25,000.00', '−$0.02M'],
    [210_311_143_086n, '$2,103,111,430.86', '$2,103.11M'],
  ])('%p cents → %s and %s', (cents, full, millions) => {
    expect(usd(cents)).toBe(full);
    expect(usdMillions(cents)).toBe(millions);
  });
});
