import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { canonicalJson, lossAllocatedPayload } from '@ccp/contracts';
import { journalFileName } from '@ccp/engine';
import { parseSummary, parseUserCsv, USER_CSV_COLUMNS } from './hyperliquid-import';
import { parseAmount } from '@ccp/loss-allocation-domain';
import { actualEvent, AuditedFigures, counterfactualArguments, rowFigures, runHyperliquidStudy, runScenario, STUDY_POLICIES, SUMMARY_JSON, USER_CSV } from './study';
import { buildStudyBasis, HEADLINE_SHARE, studyDefault } from './study-basis';
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

/**
 * The book for the journaled run: ROWS plus a6, whose cash is negative but equity positive (cash
 * −20 booked as a realized loss, A4: equity −20 + 60 = 40 ≥ maintenance 0.20), and a7, whose equity
 * −50 + 10 = −40 is below maintenance at the mark (excluded: margin would liquidate it, A7).
 */
const BOOK_CSV = [USER_CSV_COLUMNS.join(','), ...ROWS, `${addr(6)},400,60,0,15,-20,False,1`, `${addr(7)},300,10,0,3.3,-50,False,1`].join('\n');
const BOOK_SUMMARY = '{"adl_events_analyzed": 7, "accounts_tracked": 9, "events_processed": 99, "key_findings": {"negative_equity_count": 1, "negative_equity_total": -70.0, "total_adl_notional": 4600.0}}';
const REPO = resolve(__dirname, '..', '..', '..');
const DEFAULT_ID = 'default:hl-2025-10-10-negative-equity:hl-2025-10-10-negative-equity@0';

/** the real CLI, as a user runs it (hyperliquid-study and audit are both audit-layer libs: no import between them) */
function ccp(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, ['-r', '@swc-node/register', 'libs/cli/src/main.ts', ...args], { cwd: REPO, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

const lines = (path: string): { type: string; kind: string; payload: Record<string, unknown> }[] =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; kind: string; payload: Record<string, unknown> });

describe('the book margin holds', () => {
  it('excludes a defaulter, an unrepresentable row and an account below maintenance, each with its reason, and models the defaulter (A9)', () => {
    const rows = parseUserCsv(BOOK_CSV).accepted;
    const basis = buildStudyBasis([...rows, { ...rows[0]!, line: 99, user: addr(8), closedPnl: rows[0]!.adlNotional.neg() }], parseSummary(BOOK_SUMMARY));
    expect(basis.excluded.map((e) => [e.user, e.reason])).toEqual([
      [addr(5), 'negative-equity'],
      [addr(7), 'below-maintenance'],
      [addr(8), 'unrepresentable'],
    ]);
    // entry 1 + 10 ÷ 300 = 1.03333333 (8 decimals): PnL 300 × 0.03333333 = 9.999999 → 9.99 toward −∞; equity −50 + 9.99
    expect(basis.excluded[1]!.equity).toBe(-4_001n);
    const a6 = basis.payload.participants.find((p) => p.accountId === addr(6))!;
    // cash −20 is a realized loss, not a deposit: VM gain = equity − deposits = 40
    expect([a6.cashBalance, a6.equity, a6.variationMarginGain, a6.positions[0]!.entryPrice, a6.positions[0]!.unrealizedPnl, a6.positions[0]!.maintenanceMarginRequired]).toEqual([
      '-20',
      '40',
      '40',
      '1.15',
      '60',
      '0.2',
    ]);
    // Q = 1000 + 500 + 2000 + 100 + 400 = 4000; E − 1 = ⌈70 ÷ 4000⌉ = 0.0175 exactly, so the cash is 4000 × 0.0175 − 70 = 0
    expect(basis.defaulter).toEqual({ accountId: 'hl-2025-10-10-negative-equity', quantity: 400_000_000_000n, entry: 101_750_000n, cash: 0n });
  });
});

describe('the journaled default', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hl-study-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = async (journals: string, out = join(dir, 'out')) => {
    const data = join(dir, 'data');
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, USER_CSV), BOOK_CSV);
    writeFileSync(join(data, SUMMARY_JSON), BOOK_SUMMARY);
    return runHyperliquidStudy({ dataDir: data, outDir: out, journalDir: journals, dataDirLabel: 'data', journalDirLabel: 'journals' });
  };

  it('goes through the four real deciders: one breach, close-out, waterfall, basis captured by margin, allocation applied by margin', async () => {
    const journals = join(dir, 'journals');
    const result = await run(journals);
    expect(result.journal.breaches).toEqual(['hl-2025-10-10-negative-equity']);
    expect(result.journal.residual).toEqual(studyDefault(result.basis));
    expect(result.residualAsModelled).toBe(true);
    expect(canonicalJson(result.journal.basis)).toBe(canonicalJson(result.basis.payload));
    expect(result.recordedReproduced).toBe(true);
    expect(result.journal.applied.totalCharged).toBe('70');
    const la = lines(join(journals, journalFileName('loss-allocation'))).map((r) => r.type);
    expect(la).toEqual(['SetAllocationPolicy', 'AllocationPolicySet', 'AllocateResidualLoss', 'ResidualLossReceived', 'AllocationBasisRequested', 'DecideAllocation', 'LossAllocated']);
    const margin = lines(join(journals, journalFileName('margin')));
    expect(margin.filter((r) => r.kind === 'input').map((r) => r.type).slice(-6)).toEqual([
      'ApplyMarkPrice',
      'ApplyLiquidationFill',
      'WriteOffDefaultedAccount',
      'ResolveBreach',
      'CaptureAllocationBasis',
      'ApplyLossAllocation',
    ]);
    expect(margin.filter((r) => r.type === 'CommandRejected')).toEqual([]);
    // a6's negative cash is a realized loss of exactly 20 on its second trade
    expect(margin.filter((r) => r.type === 'TradeApplied' && r.payload['accountId'] === addr(6)).map((r) => r.payload['realizedPnl'])).toEqual(['0', '-20']);
    // deterministic: the same data, the same journals byte for byte
    const again = await run(join(dir, 'journals-2'), join(dir, 'out-2'));
    expect(again.journal.heads).toEqual(result.journal.heads);
    expect(again.markdown).toBe(result.markdown.replace(/journals-2/g, 'journals'));
    expect(result.markdown).toContain('**What happened**');
    expect(result.markdown).toContain('| deficit to cover = −negative_equity_total (1 fills in negative equity) | $70.00 |');
    expect(result.svg.startsWith('<svg')).toBe(true);
    expect(readFileSync(result.reportPath, 'utf8')).toBe(result.markdown);
  });

  it('passes `ccp audit verify`, and `ccp audit counterfactual` reproduces every row of the table', async () => {
    const journals = join(dir, 'journals');
    const result = await run(journals);
    const verify = await ccp(['audit', 'verify', journals]);
    expect(verify.stdout).toContain('audit verify: OK');
    expect(verify.code).toBe(0);
    const reports = await Promise.all(
      result.headline.rows.map((r) => ccp(['audit', 'counterfactual', journals, DEFAULT_ID, ...counterfactualArguments(r.spec).split(' '), '--json'])),
    );
    result.headline.rows.forEach((row, i) => {
      const { code, stdout } = reports[i]!;
      expect(code).toBe(0);
      const report = JSON.parse(stdout) as { reproduced: boolean; counterfactual: AuditedFigures & { policy: string } };
      expect(report.reproduced).toBe(true);
      expect(report.counterfactual.policy).toBe(row.spec.key);
      const { totalCharged, unallocated, overshoot, participantsHit, largestHaircut, largestHaircutShareOfProfit, gini, topDecileShare, notionalClosed } = report.counterfactual;
      const figures: AuditedFigures = { totalCharged, unallocated, overshoot, participantsHit, largestHaircut, largestHaircutShareOfProfit, gini, topDecileShare, notionalClosed };
      expect(figures).toEqual(rowFigures(row));
      // and the rendered table row shows those figures
      const cents = (a: string) => parseAmount(a, 'amount');
      const tableRow = result.markdown.split('\n').find((l) => l.startsWith(`| ${row.spec.label} |`))!;
      expect(tableRow.split(' | ').slice(1, 5)).toEqual([usdMillions(cents(notionalClosed)), usdMillions(cents(totalCharged)), usd(cents(overshoot)), String(participantsHit)]);
      expect(tableRow).toContain(`| ${usdMillions(cents(largestHaircut))} (`);
      expect(tableRow).toContain(`| ${gini} / `);
    });
  }, 120_000);

  it('a journal edited after the run fails `ccp audit verify`', async () => {
    const journals = join(dir, 'journals');
    await run(journals);
    const path = join(journals, journalFileName('margin'));
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('"amount":"100"');
    writeFileSync(path, text.replace('"amount":"100"', '"amount":"1000"'));
    const verify = await ccp(['audit', 'verify', journals]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain('audit verify: FAILED');
  }, 60_000);
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
