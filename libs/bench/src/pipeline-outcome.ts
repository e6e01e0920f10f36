import type { OutcomeSummary } from '@ccp/engine';
import { Decimal } from '@ccp/money';

/** The figures of an outcome summary that the Kafka run and the embedded run must agree on. */
export interface OutcomeFigures {
  readonly breaches: number;
  readonly fills: number;
  readonly defaults: number;
  /** defaults with a residual > 0 (reached loss socialization) */
  readonly socialized: number;
  readonly deficit: string;
  readonly coveredByFunds: string;
  readonly residual: string;
  readonly allocated: string;
}

export function outcomeFigures(summary: OutcomeSummary): OutcomeFigures {
  return {
    breaches: summary.breaches,
    fills: summary.liquidationFills,
    defaults: summary.defaults.length,
    socialized: summary.defaults.filter((d) => new Decimal(d.residual).gt(0)).length,
    deficit: summary.totals.deficit,
    coveredByFunds: summary.totals.coveredByFunds,
    residual: summary.totals.residual,
    allocated: summary.totals.allocated,
  };
}

/** The fields where two outcomes differ (empty when they agree). */
export function outcomeDifferences(a: OutcomeFigures, b: OutcomeFigures): string[] {
  return (Object.keys(a) as (keyof OutcomeFigures)[]).filter((k) => String(a[k]) !== String(b[k])).map((k) => `${k}: ${String(a[k])} vs ${String(b[k])}`);
}
