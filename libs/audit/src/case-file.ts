import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AccountDefaultedPayload, DefaultedPosition, EventEnvelope, FairnessFigures, LossAllocatedPayload, Producer, PRODUCERS } from '@ccp/contracts';
import { journalFileName, readJournalLines } from '@ccp/engine';
import { checkDefault, DefaultFacts, emptyDefaultFacts, InvariantResult } from './default-invariants';

export interface TimelineEntry {
  readonly journal: Producer;
  readonly seq: number;
  readonly id: string;
  readonly kind: 'input' | 'event';
  readonly type: string;
  readonly occurredAt: string;
}

export interface CaseTranche {
  readonly order: number;
  readonly kind: string;
  readonly trancheId: string | null;
  readonly effect: string;
  readonly capacity: string;
  readonly amount: string;
  readonly remainingBefore: string;
  readonly remainingAfter: string;
}

export interface CaseAllocation {
  readonly accountId: string;
  readonly memberId: string;
  readonly amount: string;
  readonly instrumentId?: string;
  readonly side?: string;
  readonly quantityClosed?: string;
  readonly closePrice?: string;
}

export interface CaseFile {
  readonly defaultId: string;
  readonly timeline: TimelineEntry[];
  readonly defaulter: {
    readonly accountId: string;
    readonly memberId: string;
    readonly marginApplied: string;
    readonly deficit: string;
    readonly positions: DefaultedPosition[];
  } | null;
  readonly tranches: CaseTranche[];
  /** how the waterfall ended: DefaultCovered, ResidualLossForwarded, or null if it never did */
  readonly outcome: 'DefaultCovered' | 'ResidualLossForwarded' | null;
  readonly covered: string | null;
  readonly residual: string | null;
  readonly policy: string | null;
  readonly allocations: CaseAllocation[];
  readonly unallocated: string | null;
  readonly fairness: FairnessFigures | null;
  readonly invariants: InvariantResult[];
}

const defaultIdOf = (r: EventEnvelope): string | null => {
  const p = r.payload as { defaultId?: unknown } | null;
  return p && typeof p === 'object' && typeof p.defaultId === 'string' ? p.defaultId : null;
};

/**
 * Everything the four journals say about one default, in journal order: the timeline, the
 * defaulter's resources, the waterfall, the allocation and the invariants checked on them.
 * Streams the journals; keeps only this default's records.
 */
export async function caseFile(dir: string, defaultId: string): Promise<CaseFile> {
  const timeline: TimelineEntry[] = [];
  const facts: DefaultFacts = emptyDefaultFacts(defaultId);
  let defaulter: CaseFile['defaulter'] = null;
  const tranches: CaseTranche[] = [];
  let outcome: CaseFile['outcome'] = null;
  let covered: string | null = null;
  let residual: string | null = null;
  let allocation: LossAllocatedPayload | null = null;
  const missing = new Set<string>();

  for (const journal of PRODUCERS) {
    const path = join(dir, journalFileName(journal));
    if (!existsSync(path)) {
      missing.add(journal);
      continue;
    }
    for await (const { position, text } of readJournalLines(path)) {
      let r: EventEnvelope;
      try {
        r = JSON.parse(text) as EventEnvelope;
      } catch {
        continue; // verifyJournals reports unreadable lines
      }
      if (r.correlationId !== defaultId && defaultIdOf(r) !== defaultId) continue;
      timeline.push({ journal, seq: r.seq, id: r.id, kind: r.kind, type: r.type, occurredAt: r.occurredAt });
      if (r.kind !== 'event') continue;
      const loc = { journal, position, recordId: r.id };
      switch (r.type) {
        case 'AccountDefaulted': {
          if (journal !== 'liquidation') break;
          const p = r.payload as AccountDefaultedPayload;
          defaulter = { accountId: p.accountId, memberId: p.memberId, marginApplied: p.marginApplied, deficit: p.deficit, positions: p.positions };
          facts.defaulted = { ...loc, deficit: p.deficit, marginApplied: p.marginApplied };
          break;
        }
        case 'WaterfallTrancheApplied': {
          const p = r.payload as Omit<CaseTranche, 'trancheId'> & { trancheId?: string };
          tranches.push({
            order: p.order,
            kind: p.kind,
            trancheId: p.trancheId ?? null,
            effect: p.effect,
            capacity: p.capacity,
            amount: p.amount,
            remainingBefore: p.remainingBefore,
            remainingAfter: p.remainingAfter,
          });
          facts.tranches.push({ ...loc, order: p.order, kind: p.kind, effect: p.effect, capacity: p.capacity, amount: p.amount });
          break;
        }
        case 'DefaultCovered': {
          const p = r.payload as { deficit: string };
          outcome = 'DefaultCovered';
          covered = p.deficit;
          residual = '0';
          facts.terminal = { ...loc, type: 'DefaultCovered', deficit: p.deficit, covered: p.deficit, residual: '0' };
          break;
        }
        case 'ResidualLossForwarded': {
          const p = r.payload as { deficit: string; covered: string; residual: string };
          outcome = 'ResidualLossForwarded';
          covered = p.covered;
          residual = p.residual;
          facts.terminal = { ...loc, type: 'ResidualLossForwarded', deficit: p.deficit, covered: p.covered, residual: p.residual };
          break;
        }
        case 'LossAllocated': {
          const p = r.payload as LossAllocatedPayload;
          allocation = p;
          facts.allocation = { ...loc, residual: p.residual, amounts: p.allocations.map((a) => a.amount), unallocated: p.unallocated, overshoot: p.fairness.overshoot };
          break;
        }
        default:
          break;
      }
    }
  }

  const invariants: InvariantResult[] = defaulter
    ? checkDefault(facts, (j) => !missing.has(j))
    : [{ name: 'default-declared', ok: false, detail: `no AccountDefaulted for ${defaultId} in the liquidation journal`, at: null }];
  const a = allocation as LossAllocatedPayload | null;
  // across journals by time; within one instant, journal order (the sort is stable)
  timeline.sort((x, y) => (x.occurredAt < y.occurredAt ? -1 : x.occurredAt > y.occurredAt ? 1 : 0));
  return {
    defaultId,
    timeline,
    defaulter,
    tranches: [...tranches].sort((x, y) => x.order - y.order),
    outcome,
    covered,
    residual,
    policy: a?.policy ?? null,
    allocations: a
      ? a.allocations.map((l) => ({
          accountId: l.accountId,
          memberId: l.memberId,
          amount: l.amount,
          ...(l.instrumentId !== undefined ? { instrumentId: l.instrumentId } : {}),
          ...(l.side !== undefined ? { side: l.side } : {}),
          ...(l.quantityClosed !== undefined ? { quantityClosed: l.quantityClosed } : {}),
          ...(l.closePrice !== undefined ? { closePrice: l.closePrice } : {}),
        }))
      : [],
    unallocated: a?.unallocated ?? null,
    fairness: a?.fairness ?? null,
    invariants,
  };
}
