import type { AllocationLine, DefaultedPosition, EventEnvelope, FairnessFigures, Producer } from '@ccp/contracts';

/**
 * The parts of a default case, one per journal, each projected by that journal's service alone
 * (design.md §2: every step of a default is an event in exactly one journal). Amounts are canonical
 * decimal strings, as in the events.
 */

export interface TimelineEntry {
  readonly journal: Producer;
  readonly seq: number;
  readonly id: string;
  readonly kind: 'input' | 'event';
  readonly type: string;
  readonly occurredAt: string;
}

/** A command of this default that the journal's decider refused (CommandRejected). */
export interface RejectionEntry {
  readonly seq: number;
  readonly commandType: string;
  readonly code: string;
  readonly path: string;
  readonly message: string;
}

interface PartCommon {
  timeline: TimelineEntry[];
  rejections: RejectionEntry[];
}

export interface LiquidationFillEntry {
  readonly seq: number;
  readonly liquidationId: string;
  readonly instrumentId: string;
  readonly side: 'long' | 'short';
  readonly quantity: string;
  readonly fillPrice: string;
  readonly realizedPnl: string;
  readonly liquidationFee: string;
}

export interface LiquidationCompletion {
  readonly breachId: string;
  readonly outcome: string;
  readonly step: string;
  readonly executionModel: string;
  readonly positionsClosed: number;
  readonly realizedPnl: string;
  readonly liquidationFees: string;
  readonly equityBefore: string;
  readonly equityAfter: string;
}

/** Liquidation's part: the close-out fills and the declaration (AccountDefaulted). */
export interface LiquidationPart extends PartCommon {
  declaredAt: string | null;
  marginApplied: string | null;
  deficit: string | null;
  positions: DefaultedPosition[];
  fills: LiquidationFillEntry[];
  completion: LiquidationCompletion | null;
}

export interface WaterfallTrancheEntry {
  readonly order: number;
  readonly kind: string;
  readonly trancheId: string | null;
  readonly effect: string;
  readonly capacity: string;
  readonly amount: string;
  readonly remainingBefore: string;
  readonly remainingAfter: string;
  readonly contributors: readonly { readonly memberId: string; readonly amount: string }[];
  readonly skinInTheGameAmount: string | null;
}

export interface AssessmentEntry {
  readonly memberId: string;
  readonly amount: string;
  readonly cap: string;
  readonly cumulativeAssessed: string;
  readonly cumulativeCap: string;
}

export interface ReplenishmentEntry {
  readonly fund: string;
  readonly memberId: string | null;
  readonly trancheId: string | null;
  readonly amount: string;
}

/** The default fund's part: the waterfall walked for this default. */
export interface DefaultFundPart extends PartCommon {
  /** as RunWaterfall received it */
  deficit: string | null;
  tranches: WaterfallTrancheEntry[];
  assessments: AssessmentEntry[];
  replenishments: ReplenishmentEntry[];
  outcome: 'DefaultCovered' | 'ResidualLossForwarded' | null;
  covered: string | null;
  residual: string | null;
}

/** Loss allocation's part: the residual received and how it was allocated. */
export interface LossAllocationPart extends PartCommon {
  deficit: string | null;
  covered: string | null;
  residual: string | null;
  basisRequested: boolean;
  policy: string | null;
  allocations: AllocationLine[];
  totalCharged: string | null;
  unallocated: string | null;
  fairness: FairnessFigures | null;
}

export interface MarginFillAppliedEntry {
  readonly seq: number;
  readonly liquidationId: string;
  readonly realizedPnl: string;
  readonly reportedRealizedPnl: string;
  readonly liquidationFee: string;
  readonly cashBalance: string;
}

export interface MarginAppliedLine {
  readonly accountId: string;
  readonly memberId: string;
  readonly amount: string;
  readonly cashDebit: string;
  readonly closeCharge: string;
  readonly realizedPnl: string;
  readonly cashBalance: string;
  readonly instrumentId?: string;
  readonly side?: 'long' | 'short';
  readonly quantityClosed?: string;
  readonly closePrice?: string;
}

/** Margin's part: the fills applied, the write-off, the basis captured, the charges applied. */
export interface MarginPart extends PartCommon {
  fillsApplied: MarginFillAppliedEntry[];
  writtenOff: { cashWrittenOff: string; deficit: string; seq: number } | null;
  basis: { seq: number; participants: number; marks: Record<string, string> } | null;
  applied: { seq: number; policy: string; totalCharged: string; lines: MarginAppliedLine[] } | null;
}

export interface PartsByProducer {
  margin: MarginPart;
  liquidation: LiquidationPart;
  'default-fund': DefaultFundPart;
  'loss-allocation': LossAllocationPart;
}

export function emptyPart<P extends Producer>(producer: P): PartsByProducer[P] {
  const common = { timeline: [], rejections: [] };
  const parts: { [K in Producer]: () => PartsByProducer[K] } = {
    margin: () => ({ ...common, fillsApplied: [], writtenOff: null, basis: null, applied: null }),
    liquidation: () => ({ ...common, declaredAt: null, marginApplied: null, deficit: null, positions: [], fills: [], completion: null }),
    'default-fund': () => ({ ...common, deficit: null, tranches: [], assessments: [], replenishments: [], outcome: null, covered: null, residual: null }),
    'loss-allocation': () => ({
      ...common,
      deficit: null,
      covered: null,
      residual: null,
      basisRequested: false,
      policy: null,
      allocations: [],
      totalCharged: null,
      unallocated: null,
      fairness: null,
    }),
  };
  return parts[producer]();
}

/** Default ids are derived (`default:${accountId}:${breachId}`, contracts' AccountDefaulted). */
export const DEFAULT_ID_PREFIX = 'default:';

/**
 * The default a record belongs to: its payload's `defaultId`, else its correlation id when that is a
 * default id (liquidation fills and margin's fills carry the default only as correlation id).
 */
export function defaultIdOf(record: EventEnvelope): string | null {
  const payload = record.payload as { defaultId?: unknown } | null;
  if (payload !== null && typeof payload === 'object' && typeof payload.defaultId === 'string') return payload.defaultId;
  return record.correlationId?.startsWith(DEFAULT_ID_PREFIX) ? record.correlationId : null;
}

export function timelineEntry(record: EventEnvelope): TimelineEntry {
  return { journal: record.producer, seq: record.seq, id: record.id, kind: record.kind, type: record.type, occurredAt: record.occurredAt };
}

export interface CommandRejectedPayload {
  readonly commandType: string;
  readonly code: string;
  readonly path: string;
  readonly message: string;
}
