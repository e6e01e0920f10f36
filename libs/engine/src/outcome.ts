import {
  AccountDefaultedPayload,
  EventEnvelope,
  FairnessFigures,
  LossAllocatedPayload,
  Producer,
  ResidualLossForwardedPayload,
} from '@ccp/contracts';
import { Decimal, canonicalDecimal } from '@ccp/money';

export interface TrancheLine {
  readonly order: number;
  readonly kind: string;
  readonly trancheId: string | null;
  readonly amount: string;
}

export interface DefaultOutcome {
  readonly defaultId: string;
  readonly accountId: string;
  readonly memberId: string;
  readonly marginApplied: string;
  readonly deficit: string;
  tranches: TrancheLine[];
  covered: string;
  residual: string;
  allocation: {
    policy: string;
    charged: string;
    unallocated: string;
    participantsCharged: number;
    largestCharges: { accountId: string; amount: string }[];
    fairness: FairnessFigures;
  } | null;
}

export interface JournalHead {
  readonly records: number;
  readonly headHash: string;
}

export interface OutcomeSummary {
  readonly scenario: string;
  readonly inputs: number;
  readonly breaches: number;
  readonly liquidationFills: number;
  readonly defaults: DefaultOutcome[];
  readonly totals: { deficit: string; coveredByFunds: string; residual: string; allocated: string; unallocated: string };
  readonly journals: Record<Producer, JournalHead>;
}

/** Builds the outcome summary from the records as they are written (one pass, no re-reading). */
export class OutcomeCollector {
  private readonly defaults = new Map<string, DefaultOutcome>();
  private breaches = 0;
  private fills = 0;

  onRecord(record: EventEnvelope): void {
    if (record.kind !== 'event') return;
    switch (record.type) {
      case 'MaintenanceBreached':
        this.breaches += 1;
        return;
      case 'LiquidationFilled':
        this.fills += 1;
        return;
      case 'AccountDefaulted': {
        const p = record.payload as AccountDefaultedPayload;
        this.defaults.set(p.defaultId, {
          defaultId: p.defaultId,
          accountId: p.accountId,
          memberId: p.memberId,
          marginApplied: p.marginApplied,
          deficit: p.deficit,
          tranches: [],
          covered: '0',
          residual: '0',
          allocation: null,
        });
        return;
      }
      case 'WaterfallTrancheApplied': {
        const p = record.payload as { defaultId: string; order: number; kind: string; trancheId?: string | null; amount: string };
        this.get(p.defaultId).tranches.push({ order: p.order, kind: p.kind, trancheId: p.trancheId ?? null, amount: p.amount });
        return;
      }
      case 'ResidualLossForwarded': {
        const p = record.payload as ResidualLossForwardedPayload;
        const d = this.get(p.defaultId);
        d.covered = p.covered;
        d.residual = p.residual;
        return;
      }
      case 'DefaultCovered': {
        const p = record.payload as { defaultId: string };
        const d = this.get(p.defaultId);
        d.covered = d.deficit;
        d.residual = '0';
        return;
      }
      case 'LossAllocated': {
        const p = record.payload as LossAllocatedPayload;
        const charged = p.allocations.reduce((acc, l) => acc.plus(l.amount), new Decimal(0));
        const largest = [...p.allocations]
          .sort((a, b) => new Decimal(b.amount).comparedTo(new Decimal(a.amount)) || (a.accountId < b.accountId ? -1 : 1))
          .slice(0, 5)
          .map((l) => ({ accountId: l.accountId, amount: l.amount }));
        this.get(p.defaultId).allocation = {
          policy: p.policy,
          charged: canonicalDecimal(charged),
          unallocated: p.unallocated,
          participantsCharged: p.allocations.length,
          largestCharges: largest,
          fairness: p.fairness,
        };
        return;
      }
      default:
        return;
    }
  }

  private get(defaultId: string): DefaultOutcome {
    const d = this.defaults.get(defaultId);
    if (!d) throw new Error(`record for unknown default ${defaultId}`);
    return d;
  }

  summary(scenario: string, inputs: number, journals: Record<Producer, JournalHead>): OutcomeSummary {
    const defaults = [...this.defaults.values()];
    const sum = (f: (d: DefaultOutcome) => string) => canonicalDecimal(defaults.reduce((acc, d) => acc.plus(f(d)), new Decimal(0)));
    return {
      scenario,
      inputs,
      breaches: this.breaches,
      liquidationFills: this.fills,
      defaults,
      totals: {
        deficit: sum((d) => d.deficit),
        coveredByFunds: sum((d) => d.covered),
        residual: sum((d) => d.residual),
        allocated: sum((d) => d.allocation?.charged ?? '0'),
        unallocated: sum((d) => d.allocation?.unallocated ?? '0'),
      },
      journals,
    };
  }
}
