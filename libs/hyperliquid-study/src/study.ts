import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AllocationBasisCapturedPayload, AllocationPolicyParams, canonicalJson, LossAllocatedPayload, ResidualLossForwardedPayload, SetAllocationPolicyPayload } from '@ccp/contracts';
import {
  counterfactual,
  giniOfSorted,
  leverageAtMost,
  MaxLeverage,
  maxLeverageAfter,
  parseAmount,
  PolicyKey,
  prepareBasis,
  prepareDefaultedPositions,
  ratioString,
  runAllocation,
} from '@ccp/loss-allocation-domain';
import { Decimal, toMinor } from '@ccp/money';
import { AdlAccountRow, EventSummary, parseSummary, parseUserCsv, UserCsvImport } from './hyperliquid-import';
import { renderChart, renderReport } from './study-report';
import { buildStudyBasis, DefaultedShare, HEADLINE_SHARE, STUDY_INSTRUMENT, StudyBasis, studyDefault } from './study-basis';
import { firstBasisDifference, RecordedDefault, runStudyJournals } from './study-journal';

export const USER_CSV = 'adl_by_user_REALTIME.csv';
export const SUMMARY_JSON = 'realtime_analysis_summary.json';
export const REPORT_NAME = 'hyperliquid-2025-10-10';

export interface StudyOptions {
  /** folder with adl_by_user_REALTIME.csv and realtime_analysis_summary.json */
  readonly dataDir: string;
  /** where the report (.md) and chart (.svg) are written */
  readonly outDir: string;
  /** where the four journals of the journaled default are written (replaced; not committed: tens of MB) */
  readonly journalDir: string;
  /** how the report names the data folder and journal folder (relative paths keep the report machine-independent) */
  readonly dataDirLabel?: string;
  readonly journalDirLabel?: string;
  /** shares of the basis's open interest defaulted in the sensitivity scenarios */
  readonly sensitivityShares?: readonly DefaultedShare[];
  /** the audit run on the journals (`ccp audit verify`, `ccp audit counterfactual`); the CLI passes @ccp/audit's */
  readonly auditor?: StudyAuditor;
}

/** The figures `ccp audit counterfactual` prints for one policy (strings as in the LossAllocated payload). */
export interface AuditedFigures {
  readonly totalCharged: string;
  readonly unallocated: string;
  readonly overshoot: string;
  readonly participantsHit: number;
  readonly largestHaircut: string;
  readonly largestHaircutShareOfProfit: string;
  readonly gini: string;
  readonly topDecileShare: string;
  readonly notionalClosed: string;
}

/**
 * The audit, injected (hyperliquid-study and audit are both audit-layer libs and do not import each
 * other): the CLI's `ccp study` passes adapters over @ccp/audit's verifyJournals and counterfactual.
 */
export interface StudyAuditor {
  verify(dir: string): Promise<{ readonly ok: boolean; readonly defaultsChecked: number; readonly firstFinding: string | null }>;
  counterfactual(dir: string, defaultId: string, policyKey: string, params: Readonly<Record<string, string | boolean | number>>): Promise<{ readonly figures: AuditedFigures; readonly reproduced: boolean | null }>;
}

export interface AuditOutcome {
  readonly verify: { readonly ok: boolean; readonly defaultsChecked: number; readonly firstFinding: string | null };
  /** per headline row, in table order */
  readonly rows: readonly { readonly label: string; readonly arguments: string; readonly equal: boolean; readonly reproduced: boolean | null }[];
}

/** The figures of a table row, as `ccp audit counterfactual` reports them. */
export function rowFigures(r: PolicyFigures): AuditedFigures {
  const f = r.payload.fairness;
  return {
    totalCharged: f.totalCharged,
    unallocated: r.payload.unallocated,
    overshoot: f.overshoot,
    participantsHit: f.participantsHit,
    largestHaircut: f.largestHaircut,
    largestHaircutShareOfProfit: f.largestHaircutShareOfProfit,
    gini: f.gini,
    topDecileShare: f.topDecileShare,
    notionalClosed: f.notionalClosed,
  };
}

/** `--policy … [--param k=v]` of a table row */
export function counterfactualArguments(spec: PolicySpecRow): string {
  const params = Object.entries(spec.params).map(([k, v]) => ` --param ${k}=${String(v)}`);
  return `--policy ${spec.key}${params.join('')}`;
}

/** One policy run on the basis, as the study reports it. */
export interface PolicySpecRow {
  readonly label: string;
  readonly key: PolicyKey;
  readonly params: AllocationPolicyParams;
}

/** The policies compared, in table order; the one in force for the journaled default is marked. */
export const STUDY_POLICIES: readonly PolicySpecRow[] = [
  { label: 'ADL queue, Hyperliquid key (policy in force)', key: 'adl:hyperliquid', params: {} },
  { label: 'ADL queue, Hyperliquid key, whole positions', key: 'adl:hyperliquid', params: { closeWholePosition: true } },
  { label: 'ADL queue, BitMEX key', key: 'adl:bitmex', params: {} },
  { label: 'ADL queue, Binance key', key: 'adl:binance', params: {} },
  { label: 'ADL water-filling (min. max leverage)', key: 'adl:water-filling', params: {} },
  { label: 'Socialized loss, pro rata to profit', key: 'socialized-loss:pro-rata-profit', params: {} },
  { label: 'Socialized loss, pro rata to open interest (Drift)', key: 'socialized-loss:drift-open-interest', params: {} },
  { label: 'Variation-margin gains haircut', key: 'vm-gains-haircut:pro-rata-gain', params: {} },
  { label: 'Partial tear-up at the mark', key: 'partial-tear-up:pro-rata-size', params: {} },
];
export const POLICY_IN_FORCE: SetAllocationPolicyPayload = { policy: 'adl', variant: 'hyperliquid', params: {} };

export interface PolicyFigures {
  readonly spec: PolicySpecRow;
  /** cents: the allocation's fairness.notionalClosed — Σ quantity closed × close price over the closes sent to margin */
  readonly notionalClosed: bigint;
  /** cents: Σ charges */
  readonly profitTaken: bigint;
  /** cents: charges + unallocated − residual */
  readonly overshoot: bigint;
  readonly unallocated: bigint;
  readonly participantsHit: number;
  readonly largestHaircut: bigint;
  readonly largestHaircutShareOfProfit: string;
  readonly gini: string;
  readonly topDecileShare: string;
  /** largest notional ÷ equity left among solvent accounts */
  readonly maxLeverageSolvent: MaxLeverage;
  /** largest notional ÷ equity left among all holders: infinite while an account with equity ≤ 0 keeps a position (the minimax measure) */
  readonly maxLeverageAll: MaxLeverage;
  /** accounts with equity ≤ 0 still holding a position */
  readonly insolventLeftOpen: number;
  /** closes decided whose charge rounds below one cent (not sent to margin) */
  readonly subCentCloses: number;
  readonly payload: LossAllocatedPayload;
}

export interface Scenario {
  readonly share: DefaultedShare;
  readonly residual: ResidualLossForwardedPayload;
  readonly rows: readonly PolicyFigures[];
  readonly leverageBefore: MaxLeverage;
  readonly insolventHolders: number;
}

/** What the data says happened (all rows kept by the importer, not only the basis). */
export interface ActualEvent {
  readonly accounts: number;
  readonly fills: number;
  /** cents */
  readonly notionalClosed: bigint;
  readonly profitRealized: bigint;
  readonly netPnl: bigint;
  readonly largestProfitClosed: bigint;
  readonly largestProfitAccount: string;
  readonly gini: string;
  readonly topDecileShare: string;
  readonly profitableAccounts: number;
  /** the summary's total_adl_notional, cents */
  readonly summaryNotional: bigint;
  /** |Σ rows − summary| of the ADL notional, cents */
  readonly notionalCheckDifference: bigint;
  readonly fillsMatchSummary: boolean;
}

export interface StudyResult {
  readonly imported: UserCsvImport;
  readonly summary: EventSummary;
  readonly basis: StudyBasis;
  readonly actual: ActualEvent;
  readonly headline: Scenario;
  readonly sensitivity: readonly Scenario[];
  readonly journal: RecordedDefault;
  /** margin's captured basis equals the one the study built from the data (A1–A8) */
  readonly basisAsModelled: boolean;
  /** the journaled residual equals studyDefault(basis) at 100% */
  readonly residualAsModelled: boolean;
  readonly audit: AuditOutcome | null;
  /** the recorded LossAllocated equals the counterfactual of the policy in force, byte for byte */
  readonly recordedReproduced: boolean;
  readonly waterFillingAtMostQueue: readonly { share: string; ok: boolean }[];
  readonly reportPath: string;
  readonly chartPath: string;
  readonly markdown: string;
  readonly svg: string;
}

const cents = (d: Decimal): bigint => toMinor(d, 2, 'halfEven');

export function actualEvent(rows: readonly AdlAccountRow[], summary: EventSummary): ActualEvent {
  let notional = new Decimal(0);
  let profit = new Decimal(0);
  let net = new Decimal(0);
  let fills = 0;
  let largest = new Decimal(0);
  let largestAccount = '';
  const profits: bigint[] = [];
  for (const r of rows) {
    notional = notional.plus(r.adlNotional);
    net = net.plus(r.closedPnl);
    fills += r.adlEvents;
    const p = r.closedPnl.gt(0) ? r.closedPnl : new Decimal(0);
    profit = profit.plus(p);
    profits.push(cents(p));
    if (p.gt(largest) || (p.eq(largest) && largestAccount !== '' && r.user < largestAccount)) {
      largest = p;
      largestAccount = r.user;
    }
  }
  profits.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const positive = profits.filter((p) => p > 0n);
  const totalProfit = positive.reduce((a, b) => a + b, 0n);
  const top = positive.slice(positive.length - Math.ceil(positive.length / 10)).reduce((a, b) => a + b, 0n);
  const diff = cents(notional) - cents(summary.totalAdlNotional);
  return {
    accounts: rows.length,
    fills,
    notionalClosed: cents(notional),
    profitRealized: cents(profit),
    netPnl: cents(net),
    largestProfitClosed: cents(largest),
    largestProfitAccount: largestAccount,
    gini: giniOfSorted(profits),
    topDecileShare: totalProfit > 0n ? ratioString(top, totalProfit) : '0',
    profitableAccounts: positive.length,
    summaryNotional: cents(summary.totalAdlNotional),
    notionalCheckDifference: diff < 0n ? -diff : diff,
    fillsMatchSummary: fills === summary.adlEvents,
  };
}

/**
 * Runs every study policy on one basis and default with the domain's `runAllocation` — what the
 * decider and `counterfactual()` run — on a basis parsed once. Leverage is measured on what each
 * policy decided to close, sub-cent closes included (those are not sent to margin: a wire line
 * carries at least one cent; `subCentCloses` counts them).
 */
export function runScenario(basisPayload: AllocationBasisCapturedPayload, residual: ResidualLossForwardedPayload, share: DefaultedShare): Scenario {
  const prepared = prepareBasis(basisPayload, { path: 'basis', excludeAccountId: residual.accountId });
  const positions = prepareDefaultedPositions(residual.positions, 'positions');
  const residualCents = parseAmount(residual.residual, 'residual');
  const holdings = prepared.holdings(STUDY_INSTRUMENT);
  const solvent = holdings.filter((h) => h.account.equity > 0n);
  const insolvent = holdings.filter((h) => h.account.equity <= 0n);
  const rows = STUDY_POLICIES.map((spec): PolicyFigures => {
    const { payload, outcome } = runAllocation(residual.defaultId, spec.key, prepared, residualCents, positions, spec.params);
    const closed = new Map<string, bigint>();
    let subCentCloses = 0;
    for (const c of outcome.allocations) {
      if (c.quantityClosed === undefined || c.quantityClosed === 0n) continue;
      closed.set(c.accountId, (closed.get(c.accountId) ?? 0n) + c.quantityClosed);
      if (c.amount === 0n) subCentCloses += 1;
    }
    const f = payload.fairness;
    return {
      spec,
      notionalClosed: parseAmount(f.notionalClosed, 'notionalClosed'),
      profitTaken: parseAmount(f.totalCharged, 'totalCharged'),
      overshoot: parseAmount(f.overshoot, 'overshoot'),
      unallocated: parseAmount(payload.unallocated, 'unallocated'),
      participantsHit: f.participantsHit,
      largestHaircut: parseAmount(f.largestHaircut, 'largestHaircut'),
      largestHaircutShareOfProfit: f.largestHaircutShareOfProfit,
      gini: f.gini,
      topDecileShare: f.topDecileShare,
      maxLeverageSolvent: maxLeverageAfter(solvent, closed),
      maxLeverageAll: maxLeverageAfter(holdings, closed),
      insolventLeftOpen: insolvent.filter((h) => (closed.get(h.account.accountId) ?? 0n) < h.position.quantity).length,
      subCentCloses,
      payload,
    };
  });
  return { share, residual, rows, leverageBefore: maxLeverageAfter(solvent, new Map()), insolventHolders: insolvent.length };
}

/**
 * The whole study: import, build the book and the basis, run the default through the embedded
 * engine and the four real deciders into file journals, read the recorded default back, re-run
 * every policy on the recorded basis and default, audit the journals (when an auditor is given),
 * and write the report and the chart. Deterministic: no clock, no randomness; the same data gives
 * the same bytes.
 */
export async function runHyperliquidStudy(options: StudyOptions): Promise<StudyResult> {
  const imported = parseUserCsv(readFileSync(join(options.dataDir, USER_CSV), 'utf8'));
  const summary = parseSummary(readFileSync(join(options.dataDir, SUMMARY_JSON), 'utf8'));
  const basis = buildStudyBasis(imported.accepted, summary);

  const journal = await runStudyJournals(options.journalDir, basis, POLICY_IN_FORCE);
  const basisDifference = firstBasisDifference(basis.payload, journal.basis);
  if (basisDifference !== null) throw new Error(`margin captured a basis other than the study's model, first at ${basisDifference}`);
  const residualAsModelled = canonicalJson(journal.residual) === canonicalJson(studyDefault(basis, HEADLINE_SHARE));
  // every row below is computed from what the journals recorded, not from the in-memory inputs
  const headline = runScenario(journal.basis, journal.residual, HEADLINE_SHARE);
  const inForce = headline.rows[0]!;
  const viaCounterfactual = counterfactual(journal.basis, journal.residual.residual, journal.residual.positions, inForce.spec.key, inForce.spec.params);
  const recordedReproduced =
    canonicalJson(inForce.payload) === canonicalJson(journal.recorded) &&
    canonicalJson(viaCounterfactual) === canonicalJson(journal.recorded) &&
    journal.applied.totalCharged === journal.recorded.fairness.totalCharged;

  const shares = options.sensitivityShares ?? [
    { label: '25%', num: 1n, den: 4n },
    { label: '5%', num: 1n, den: 20n },
  ];
  const sensitivity = shares.map((share) => runScenario(journal.basis, studyDefault(basis, share), share));
  const waterFillingAtMostQueue = [headline, ...sensitivity].map((s) => {
    const wf = s.rows.find((r) => r.spec.key === 'adl:water-filling')!;
    const queues = s.rows.filter((r) => r.spec.key.startsWith('adl:') && r.spec.key !== 'adl:water-filling' && r.spec.params.closeWholePosition !== true);
    const ok = queues.every((q) => leverageAtMost(wf.maxLeverageAll, q.maxLeverageAll));
    return { share: s.share.label, ok };
  });

  let audit: AuditOutcome | null = null;
  if (options.auditor !== undefined) {
    const auditor = options.auditor;
    const verify = await auditor.verify(options.journalDir);
    const rows = [];
    for (const r of headline.rows) {
      const cf = await auditor.counterfactual(options.journalDir, journal.residual.defaultId, r.spec.key, r.spec.params);
      rows.push({ label: r.spec.label, arguments: counterfactualArguments(r.spec), equal: canonicalJson(cf.figures) === canonicalJson(rowFigures(r)), reproduced: cf.reproduced });
    }
    audit = { verify, rows };
  }

  const actual = actualEvent(imported.accepted, summary);
  const partial = {
    imported,
    summary,
    basis,
    actual,
    headline,
    sensitivity,
    journal,
    basisAsModelled: true,
    residualAsModelled,
    audit,
    recordedReproduced,
    waterFillingAtMostQueue,
  };
  const svg = renderChart(partial);
  const markdown = renderReport(partial, {
    dataDir: options.dataDirLabel ?? options.dataDir,
    journalDir: options.journalDirLabel ?? options.journalDir,
    chartFile: `${REPORT_NAME}.svg`,
  });
  mkdirSync(options.outDir, { recursive: true });
  const reportPath = join(options.outDir, `${REPORT_NAME}.md`);
  const chartPath = join(options.outDir, `${REPORT_NAME}.svg`);
  writeFileSync(reportPath, markdown);
  writeFileSync(chartPath, svg);
  return { ...partial, reportPath, chartPath, markdown, svg };
}

export type StudyFacts = Pick<StudyResult, 'imported' | 'summary' | 'basis' | 'actual' | 'headline' | 'sensitivity' | 'journal' | 'basisAsModelled' | 'residualAsModelled' | 'audit' | 'recordedReproduced' | 'waterFillingAtMostQueue'>;
