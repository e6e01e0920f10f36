import type { AllocationFigures, CounterfactualReport } from '@ccp/audit';
import { Decimal } from '@ccp/money';
import { usd } from './format-outcome';

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const percent = (ratio: string): string => `${new Decimal(ratio).times(100).toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN).toFixed()}%`;
const paramsText = (f: AllocationFigures): string => {
  const entries = Object.entries(f.params);
  return entries.length === 0 ? '(none)' : entries.map(([k, v]) => `${k}=${String(v)}`).join(' ');
};

/** The side-by-side text `ccp audit counterfactual` prints. */
export function formatCounterfactual(r: CounterfactualReport): string {
  const out: string[] = [];
  out.push(`Counterfactual of ${r.defaultId} (defaulter ${r.defaulterAccountId}): residual ${usd(r.residual)} USD`);
  out.push(
    `  basis: ${r.basis.journal}:${r.basis.seq}, ${r.basis.participants} participants; recorded allocation: ${r.recordedAt ? `${r.recordedAt.journal}:${r.recordedAt.seq}` : 'none yet'}`,
  );
  out.push('');
  const rec = r.recorded;
  const cf = r.counterfactual;
  const rows: [string, (f: AllocationFigures) => string][] = [
    ['policy', (f) => f.policy],
    ['parameters', paramsText],
    ['total charged', (f) => usd(f.totalCharged)],
    ['unallocated', (f) => usd(f.unallocated)],
    ['overshoot', (f) => usd(f.overshoot)],
    ['participants hit', (f) => String(f.participantsHit)],
    ['largest haircut', (f) => usd(f.largestHaircut)],
    ['  as a share of profit', (f) => percent(f.largestHaircutShareOfProfit)],
    ['gini of haircuts', (f) => f.gini],
    ['top-decile share', (f) => percent(f.topDecileShare)],
    ['notional closed', (f) => usd(f.notionalClosed)],
    ['conserved to the cent', (f) => (f.conserved ? 'yes' : 'NO')],
  ];
  const w0 = Math.max(...rows.map(([label]) => label.length)) + 2;
  const cells = rows.map(([, get]) => [rec ? get(rec) : '—', get(cf)] as const);
  const w1 = Math.max('recorded'.length, ...cells.map(([a]) => a.length)) + 2;
  const w2 = Math.max('counterfactual'.length, ...cells.map(([, b]) => b.length)) + 2;
  out.push(`${pad('', w0)}${lpad('recorded', w1)}${lpad('counterfactual', w2)}`);
  rows.forEach(([label], i) => out.push(`${pad(label, w0)}${lpad(cells[i]![0], w1)}${lpad(cells[i]![1], w2)}`));
  out.push(`${pad('', w0)}(conserved: Σ charges + unallocated = residual + overshoot)`);
  out.push('');
  const reproduced = r.reproduced === null ? 'n/a (not allocated yet)' : r.reproduced ? 'yes (byte-equal LossAllocated payload)' : `NO — first difference at ${r.reproductionDifference}`;
  out.push(`recorded allocation reproduced: ${reproduced}`);
  out.push('');
  if (r.participantsChanged === 0) {
    out.push('No participant would pay a different amount.');
  } else {
    out.push(`Participants whose charge changes: ${r.participantsChanged}; largest differences (by |delta|):`);
    const head = ['account', 'member', 'profit', 'recorded', 'counterfactual', 'delta', 'closed rec → cf'];
    const table = r.largestDifferences.map((d) => [
      d.accountId,
      d.memberId,
      usd(d.profit),
      usd(d.recorded),
      usd(d.counterfactual),
      `${d.delta.startsWith('-') ? '' : '+'}${usd(d.delta)}`,
      d.recordedQuantityClosed === '0' && d.counterfactualQuantityClosed === '0' ? '' : `${d.recordedQuantityClosed} → ${d.counterfactualQuantityClosed}`,
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
    const line = (row: readonly string[]) => `  ${row.map((c, i) => (i < 2 ? pad(c, widths[i]!) : lpad(c, widths[i]!))).join('  ')}`.trimEnd();
    out.push(line(head));
    for (const row of table) out.push(line(row));
  }
  return out.join('\n');
}
