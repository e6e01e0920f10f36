import { OutcomeSummary } from '@ccp/engine';

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

/** Groups digits for a person reading a terminal: 1234567.5 → 1,234,567.50 */
export function usd(amount: string): string {
  const negative = amount.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? amount.slice(1) : amount).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}.${(fraction + '00').slice(0, Math.max(2, fraction.length))}`;
}

/** The readable summary `ccp simulate` prints: defaults, tranche by tranche, residual, allocation, fairness. */
export function formatOutcome(summary: OutcomeSummary, maxDefaults = 5): string {
  const out: string[] = [];
  out.push(`Scenario ${summary.scenario}: ${summary.inputs} inputs, ${summary.breaches} maintenance breaches, ${summary.liquidationFills} liquidation fills, ${summary.defaults.length} defaults`);
  const t = summary.totals;
  out.push(`Deficit ${usd(t.deficit)} USD = covered by funds ${usd(t.coveredByFunds)} + residual ${usd(t.residual)}; allocated ${usd(t.allocated)}, unallocated ${usd(t.unallocated)}`);
  for (const d of summary.defaults.slice(0, maxDefaults)) {
    out.push('');
    out.push(`Default ${d.defaultId} (account ${d.accountId}, member ${d.memberId})`);
    out.push(`  defaulter margin applied ${lpad(usd(d.marginApplied), 18)}   deficit beyond margin ${usd(d.deficit)}`);
    for (const tr of [...d.tranches].sort((a, b) => a.order - b.order)) {
      out.push(`  ${lpad(String(tr.order), 2)}. ${pad(tr.kind + (tr.trancheId ? ` (${tr.trancheId})` : ''), 44)} ${lpad(usd(tr.amount), 18)}`);
    }
    out.push(`  residual after the waterfall ${lpad(usd(d.residual), 18)}`);
    if (d.allocation) {
      const a = d.allocation;
      const f = a.fairness;
      out.push(`  allocation by ${a.policy}: charged ${usd(a.charged)} to ${a.participantsCharged} participants, unallocated ${usd(a.unallocated)}`);
      out.push(
        `  fairness: hit ${f.participantsHit}, overshoot ${usd(f.overshoot)}, largest haircut ${usd(f.largestHaircut)} (${f.largestHaircutShareOfProfit} of profit), Gini ${f.gini}, top-decile share ${f.topDecileShare}, notional closed ${usd(f.notionalClosed)}`,
      );
      for (const c of a.largestCharges) out.push(`    ${pad(c.accountId, 24)} ${lpad(usd(c.amount), 18)}`);
    }
  }
  if (summary.defaults.length > maxDefaults) out.push('', `… and ${summary.defaults.length - maxDefaults} more defaults (see outcome.json)`);
  out.push('');
  out.push('Journals:');
  for (const [producer, head] of Object.entries(summary.journals)) out.push(`  ${pad(producer, 16)} ${lpad(String(head.records), 9)} records   head ${head.headHash}`);
  return out.join('\n');
}
