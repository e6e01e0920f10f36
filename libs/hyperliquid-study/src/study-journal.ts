import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import {
  AllocationBasisCapturedPayload,
  canonicalJson,
  Command,
  CommandMeta,
  EventEnvelope,
  HashChainVerifier,
  LossAllocatedPayload,
  PRODUCERS,
  ResidualLossForwardedPayload,
  SetAllocationPolicyPayload,
} from '@ccp/contracts';
import { applyCommand, DECIDERS, FileJournalSink, journalFileName, JournalSlot, JournalWriter, readJournalLines } from '@ccp/engine';
import { lossAllocationDecider, LossAllocationState, parseLossAllocationCommand } from '@ccp/loss-allocation-domain';

/**
 * The event as an ordinary journaled default of the loss-allocation journal: the three inputs the
 * loss-allocation decider receives for any default — SetAllocationPolicy, AllocateResidualLoss
 * (what ResidualLossForwarded becomes) and DecideAllocation (what AllocationBasisCaptured becomes)
 * — each applied with the engine's own apply step (`applyCommand`: record the input, decide with the
 * real decider, record the events, evolve) through a JournalWriter over a FileJournalSink, so the
 * envelope and hash chain are those of any engine journal.
 *
 * What it is not: margin did not capture this basis — it was imported — so the inputs are upstream
 * inputs (source null, causation `scenario:…`), and the margin, liquidation and default-fund
 * journals are written empty. `ccp audit verify` therefore checks the hash chain and re-decides
 * every loss-allocation input, and reports, as it must, that margin never consumed the wire events
 * AllocationBasisRequested and LossAllocated (no margin journal replays this event).
 */
export const STUDY_OCCURRED_AT = '2025-10-10T21:27:00Z';
const CAUSE = 'scenario:hyperliquid-2025-10-10';

export interface JournaledDefault {
  readonly dir: string;
  readonly records: number;
  readonly headHash: string;
  readonly recorded: LossAllocatedPayload;
}

export function writeStudyJournal(
  dir: string,
  policy: SetAllocationPolicyPayload,
  residual: ResidualLossForwardedPayload,
  basis: AllocationBasisCapturedPayload,
): JournaledDefault {
  mkdirSync(dir, { recursive: true });
  for (const producer of PRODUCERS) {
    if (producer !== 'loss-allocation') closeSync(openSync(join(dir, journalFileName(producer)), 'w'));
  }
  const sink = new FileJournalSink(join(dir, journalFileName('loss-allocation')));
  const writer = new JournalWriter('loss-allocation', sink);
  const slot: JournalSlot = { writer, state: DECIDERS['loss-allocation'].decider.initialState() };
  let recorded: LossAllocatedPayload | null = null;
  const inputs: { type: string; payload: unknown }[] = [
    { type: 'SetAllocationPolicy', payload: policy },
    { type: 'AllocateResidualLoss', payload: residual },
    { type: 'DecideAllocation', payload: basis },
  ];
  try {
    inputs.forEach((input, i) => {
      const meta: CommandMeta = { occurredAt: STUDY_OCCURRED_AT, correlationId: residual.defaultId };
      // the boundary every input crosses (zod schemas of the contracts), then the engine's apply step
      const parsed = parseLossAllocationCommand({ type: input.type, payload: input.payload, meta });
      if (!parsed.ok) throw new Error(`${input.type} refused at the boundary: ${parsed.rejection.path}: ${parsed.rejection.message}`);
      // routed commands (AllocationBasisRequested, LossAllocated → margin) are not applied: no margin journal replays this event
      const outcome = applyCommand(DECIDERS, slot, { target: 'loss-allocation', command: parsed.value as Command, causationId: `${CAUSE}:${i}`, source: null });
      if (outcome.rejection !== null) throw new Error(`${input.type} rejected: ${outcome.rejection.code} at ${outcome.rejection.path}: ${outcome.rejection.message}`);
      for (const record of outcome.decided) if (record.type === 'LossAllocated') recorded = record.payload as LossAllocatedPayload;
    });
  } finally {
    sink.close();
  }
  if (recorded === null) throw new Error('the decider did not allocate the default');
  return { dir, records: writer.nextSeq, headHash: writer.headHash, recorded };
}

export interface JournalCheck {
  readonly ok: boolean;
  readonly records: number;
  readonly headHash: string;
  readonly inputsRedecided: number;
  readonly firstProblem: string | null;
  /** the DecideAllocation input and ResidualLossReceived / LossAllocated as recorded */
  readonly basis: AllocationBasisCapturedPayload | null;
  readonly residual: ResidualLossForwardedPayload | null;
  readonly recorded: LossAllocatedPayload | null;
}

/**
 * Reads the loss-allocation journal back: every line parses, the hash chain links, and every input
 * re-decided by the decider gives exactly the recorded events (type, stream, correlation, payload
 * in canonical JSON). The same checks `ccp audit verify` makes on this journal, done here so the
 * study can state the result without depending on the audit lib.
 */
export async function checkStudyJournal(dir: string): Promise<JournalCheck> {
  const chain = new HashChainVerifier();
  let state: LossAllocationState = lossAllocationDecider.initialState();
  let expected: { type: string; stream: string; correlationId: string | null; payload: string }[] = [];
  let pendingEvents: Parameters<typeof lossAllocationDecider.evolve>[1][] = [];
  let records = 0;
  let inputs = 0;
  let problem: string | null = null;
  let basis: AllocationBasisCapturedPayload | null = null;
  let residual: ResidualLossForwardedPayload | null = null;
  let recorded: LossAllocatedPayload | null = null;
  for await (const { position, text } of readJournalLines(join(dir, journalFileName('loss-allocation')))) {
    records = position + 1;
    if (problem !== null) continue;
    const record = JSON.parse(text) as EventEnvelope;
    const chainBreak = chain.next(record, position);
    if (chainBreak) {
      problem = `line ${position}: ${chainBreak.field}: ${chainBreak.reason}`;
      continue;
    }
    if (record.kind === 'input') {
      if (expected.length > 0) {
        problem = `line ${position}: input ${record.type} while ${expected.length} decided event(s) are missing`;
        continue;
      }
      inputs += 1;
      const parsed = parseLossAllocationCommand({ type: record.type, payload: record.payload, meta: { occurredAt: record.occurredAt, correlationId: record.correlationId } });
      if (!parsed.ok) {
        problem = `line ${position}: ${parsed.rejection.path}: ${parsed.rejection.message}`;
        continue;
      }
      if (parsed.value.type === 'DecideAllocation') basis = parsed.value.payload;
      const decision = lossAllocationDecider.decide(parsed.value, state);
      if (decision.kind === 'rejected') {
        expected = [{ type: 'CommandRejected', stream: record.stream, correlationId: record.correlationId, payload: '' }];
        pendingEvents = [];
        continue;
      }
      pendingEvents = [...decision.events];
      expected = decision.events.map((e) => ({ type: e.type, stream: e.stream, correlationId: e.correlationId ?? record.correlationId, payload: canonicalJson(e.payload) }));
      continue;
    }
    const want = expected.shift();
    if (want === undefined) {
      problem = `line ${position}: ${record.type} follows no input`;
      continue;
    }
    if (want.type !== record.type || want.stream !== record.stream || want.correlationId !== record.correlationId || (want.type !== 'CommandRejected' && want.payload !== canonicalJson(record.payload))) {
      problem = `line ${position}: re-deciding gives ${want.type} on ${want.stream}, recorded ${record.type} on ${record.stream} (or a different payload)`;
      continue;
    }
    if (record.type === 'ResidualLossReceived') residual = record.payload as ResidualLossForwardedPayload;
    if (record.type === 'LossAllocated') recorded = record.payload as LossAllocatedPayload;
    if (expected.length === 0) {
      for (const e of pendingEvents) state = lossAllocationDecider.evolve(state, e);
      pendingEvents = [];
    }
  }
  if (problem === null && expected.length > 0) problem = `the journal ends before ${expected.length} decided event(s)`;
  return { ok: problem === null, records, headHash: chain.head.hash, inputsRedecided: inputs, firstProblem: problem, basis, residual, recorded };
}
