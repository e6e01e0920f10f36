import { join } from 'node:path';
import {
  AllocationBasisCapturedPayload,
  canonicalJson,
  EventEnvelope,
  LossAllocatedPayload,
  LossAllocationAppliedPayload,
  Producer,
  ResidualLossForwardedPayload,
  SetAllocationPolicyPayload,
} from '@ccp/contracts';
import { DECIDERS, journalFileName, JournalHead, readJournalLines, ScenarioStep, simulate } from '@ccp/engine';
import { fromMinor } from '@ccp/money';
import { INITIAL_MARGIN_RATE, MAINTENANCE_MARGIN_RATE, STUDY_DEFAULT_ID, STUDY_DEFAULTER, STUDY_INSTRUMENT, STUDY_MARK_SEQ, STUDY_MEMBER, StudyBasis } from './study-basis';

/**
 * The event as an ordinary journaled default: a scenario of upstream inputs run through the
 * embedded engine (`simulate`) with the four real deciders, so every consequence — the breach, the
 * close-out, the waterfall, the basis request and capture, the allocation and its application — is
 * decided and journaled the way any default is:
 *
 * 1. parameters: liquidation closes at the mark with no fee; the waterfall is the perpetual-exchange
 *    preset (defaulter's margin → insurance fund → recovery tool) with an empty insurance fund; the
 *    allocation policy in force; the synthetic instrument with the study's margin rates (A7);
 * 2. the book: one member; each account of the basis opened, its cash deposited (or booked as a
 *    realized loss, A4) and its short traded at its entry price; the defaulter's long (A9);
 * 3. the mark 1 (STUDY_OCCURRED_AT): margin finds the defaulter — only it — below maintenance;
 *    liquidation closes it at the mark and declares the default; the default fund walks the
 *    waterfall and forwards the residual; loss allocation requests the basis, margin captures it,
 *    loss allocation decides and margin applies the allocation (LossAllocationApplied).
 */
export const STUDY_SETUP_AT = '2025-10-10T21:00:00Z';
export const STUDY_OCCURRED_AT = '2025-10-10T21:27:00Z';
export const STUDY_SCENARIO_NAME = 'hyperliquid-2025-10-10';

const price = (units: bigint): string => fromMinor(units, 8);
const cents = (c: bigint): string => fromMinor(c, 2);

export function studyScenario(basis: StudyBasis, policy: SetAllocationPolicyPayload): { name: string; description: string; steps: ScenarioStep[] } {
  const setup = (to: Producer, type: string, payload: Record<string, unknown>): ScenarioStep => ({ at: STUDY_SETUP_AT, to, type, payload });
  const steps: ScenarioStep[] = [
    setup('liquidation', 'SetLiquidationParameters', { mode: 'full', liquidationFeeRate: '0', executionModel: { kind: 'at-mark' } }),
    setup('default-fund', 'SetWaterfall', { preset: 'perpetual-exchange' }),
    setup('loss-allocation', 'SetAllocationPolicy', { ...policy }),
    setup('margin', 'ListInstrument', { instrumentId: STUDY_INSTRUMENT, contractSize: '1', initialMarginRate: INITIAL_MARGIN_RATE, maintenanceMarginRate: MAINTENANCE_MARGIN_RATE }),
    setup('margin', 'RegisterMember', { memberId: STUDY_MEMBER }),
  ];
  const trade = (tradeId: string, accountId: string, side: 'long' | 'short', quantity: bigint, px: bigint): ScenarioStep =>
    setup('margin', 'ApplyTrade', { tradeId, accountId, instrumentId: STUDY_INSTRUMENT, side, quantity: price(quantity), price: price(px) });
  for (const a of basis.accounts) {
    steps.push(setup('margin', 'OpenAccount', { accountId: a.accountId, memberId: STUDY_MEMBER }));
    if (a.cash > 0n) steps.push(setup('margin', 'DepositCollateral', { accountId: a.accountId, amount: cents(a.cash) }));
    if (a.cash < 0n) {
      // A4: sell q + |cash| at the entry price, buy |cash| back at entry + 1: realized −|cash| exactly
      const extra = -a.cash * 1_000_000n; // |cash| dollars as 1e-8 units
      steps.push(trade(`${a.accountId}:open`, a.accountId, 'short', a.quantity + extra, a.entry));
      steps.push(trade(`${a.accountId}:loss`, a.accountId, 'long', extra, a.entry + 100_000_000n));
    } else {
      steps.push(trade(`${a.accountId}:open`, a.accountId, 'short', a.quantity, a.entry));
    }
  }
  const d = basis.defaulter;
  steps.push(setup('margin', 'OpenAccount', { accountId: d.accountId, memberId: STUDY_MEMBER }));
  if (d.cash > 0n) steps.push(setup('margin', 'DepositCollateral', { accountId: d.accountId, amount: cents(d.cash) }));
  steps.push(trade(`${d.accountId}:open`, d.accountId, 'long', d.quantity, d.entry));
  steps.push({ at: STUDY_OCCURRED_AT, to: 'margin', type: 'ApplyMarkPrice', payload: { instrumentId: STUDY_INSTRUMENT, markPrice: '1', markSeq: STUDY_MARK_SEQ } });
  return {
    name: STUDY_SCENARIO_NAME,
    description: 'The 2025-10-10 Hyperliquid auto-deleveraging as one default (libs/hyperliquid-study, docs/studies/hyperliquid-2025-10-10.md)',
    steps,
  };
}

/** What the journals recorded about the study's default, read back from the files. */
export interface RecordedDefault {
  readonly dir: string;
  readonly inputs: number;
  readonly heads: Readonly<Record<Producer, JournalHead>>;
  readonly breaches: readonly string[];
  readonly residual: ResidualLossForwardedPayload;
  readonly basis: AllocationBasisCapturedPayload;
  readonly recorded: LossAllocatedPayload;
  readonly applied: LossAllocationAppliedPayload;
  /** the liquidation's AccountDefaulted: margin applied and deficit */
  readonly marginApplied: string;
  readonly deficit: string;
}

async function scan(dir: string, producer: Producer, types: readonly string[], each: (record: EventEnvelope) => void): Promise<void> {
  const needles = types.map((t) => `"${t}"`);
  for await (const { text } of readJournalLines(join(dir, journalFileName(producer)))) {
    if (!needles.some((n) => text.includes(n))) continue;
    const record = JSON.parse(text) as EventEnvelope;
    if (record.kind === 'event' && types.includes(record.type)) each(record);
  }
}

/**
 * Runs the study's scenario through the embedded engine into `dir` (replacing it: simulate writes a
 * `.partial` folder and renames it into place) and reads the default back from the journals. Throws
 * if the run did not go as the study models it: a breach other than the defaulter's, no allocation,
 * or an allocation margin did not apply.
 */
export async function runStudyJournals(dir: string, basis: StudyBasis, policy: SetAllocationPolicyPayload): Promise<RecordedDefault> {
  const scenario = studyScenario(basis, policy);
  const { summary } = simulate(scenario, DECIDERS, { outDir: dir });
  const breaches: string[] = [];
  let basisPayload: AllocationBasisCapturedPayload | null = null;
  let applied: LossAllocationAppliedPayload | null = null;
  await scan(dir, 'margin', ['MaintenanceBreached', 'AllocationBasisCaptured', 'LossAllocationApplied'], (r) => {
    const p = r.payload as { accountId?: string; defaultId?: string };
    if (r.type === 'MaintenanceBreached') breaches.push(String(p.accountId));
    else if (p.defaultId === STUDY_DEFAULT_ID && r.type === 'AllocationBasisCaptured') basisPayload = r.payload as AllocationBasisCapturedPayload;
    else if (p.defaultId === STUDY_DEFAULT_ID) applied = r.payload as LossAllocationAppliedPayload;
  });
  let defaulted: { marginApplied: string; deficit: string } | null = null;
  await scan(dir, 'liquidation', ['AccountDefaulted'], (r) => {
    defaulted = r.payload as { marginApplied: string; deficit: string };
  });
  let residual: ResidualLossForwardedPayload | null = null;
  let recorded: LossAllocatedPayload | null = null;
  await scan(dir, 'loss-allocation', ['ResidualLossReceived', 'LossAllocated'], (r) => {
    if ((r.payload as { defaultId?: string }).defaultId !== STUDY_DEFAULT_ID) return;
    if (r.type === 'ResidualLossReceived') residual = r.payload as ResidualLossForwardedPayload;
    else recorded = r.payload as LossAllocatedPayload;
  });
  if (breaches.length !== 1 || breaches[0] !== STUDY_DEFAULTER) throw new Error(`the mark breached ${breaches.length} account(s) (${breaches.slice(0, 5).join(', ')}): only ${STUDY_DEFAULTER} should`);
  if (defaulted === null) throw new Error(`liquidation did not declare the default of ${STUDY_DEFAULTER}`);
  if (residual === null) throw new Error(`no residual of ${STUDY_DEFAULT_ID} reached loss allocation`);
  if (basisPayload === null) throw new Error(`margin captured no basis for ${STUDY_DEFAULT_ID}`);
  if (recorded === null) throw new Error(`loss allocation did not allocate ${STUDY_DEFAULT_ID}`);
  if (applied === null) throw new Error(`margin did not apply the allocation of ${STUDY_DEFAULT_ID}`);
  const { marginApplied, deficit } = defaulted as { marginApplied: string; deficit: string };
  return { dir, inputs: summary.inputs, heads: summary.journals, breaches, residual, basis: basisPayload, recorded, applied, marginApplied, deficit };
}

/** The first participant (by index) where two bases differ, or null when they are identical. */
export function firstBasisDifference(expected: AllocationBasisCapturedPayload, captured: AllocationBasisCapturedPayload): string | null {
  if (canonicalJson(expected) === canonicalJson(captured)) return null;
  if (canonicalJson(expected.marks) !== canonicalJson(captured.marks)) return 'marks';
  const n = Math.max(expected.participants.length, captured.participants.length);
  for (let i = 0; i < n; i++) {
    const e = expected.participants[i];
    const c = captured.participants[i];
    if (canonicalJson(e ?? null) !== canonicalJson(c ?? null)) return `participants[${i}]: expected ${canonicalJson(e ?? null)}, captured ${canonicalJson(c ?? null)}`;
  }
  return 'defaultId';
}
