import { Decimal, toMinorExact } from '@ccp/money';
import { PRODUCERS } from '@ccp/contracts';
import type { CaseAllocation, CaseFile, CaseTranche } from './case-file';

/**
 * The case file of one default as a self-contained HTML page (inline CSS and SVG, no script, no
 * external asset): header, timeline across the four journals, the defaulter's resources, the
 * waterfall as a chart, every allocation, the distribution of haircuts, the invariants and the
 * latest signed head (anchor) of each journal the case file was checked against.
 * Pure and deterministic: the same case file gives the same bytes (no clock, no randomness).
 * Every amount is printed from its exact decimal string; floats are used only for pixel geometry.
 */
export function renderCaseFileHtml(cf: CaseFile): string {
  const title = `Default ${cf.defaultId}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)} — case file</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    header(cf),
    timelineSection(cf),
    defaulterSection(cf),
    waterfallSection(cf),
    allocationSection(cf),
    histogramSection(cf),
    invariantsSection(cf),
    signaturesSection(cf),
    '<footer>Generated from the journals by <code>ccp audit default</code>. Amounts in USD, exact to the cent.</footer>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

// ── text ────────────────────────────────────────────────────────────────────

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** HTML-escapes text for element content and quoted attribute values. */
export function esc(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const cents = (amount: string): bigint => toMinorExact(amount, 2);

/** 1234567.5 → 1,234,567.50 (exact, from the decimal string) */
export function usd(amount: string): string {
  const negative = amount.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? amount.slice(1) : amount).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}.${(fraction + '00').slice(0, Math.max(2, fraction.length))}`;
}

const fromCents = (c: bigint): string => {
  const neg = c < 0n;
  const a = neg ? -c : c;
  return `${neg ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
};

/** a ratio string (0.5625) as a percentage (56.25%), rounded half-even to 2 decimals for display */
const percent = (ratio: string): string => `${new Decimal(ratio).times(100).toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN).toFixed()}%`;

const JOURNAL_COLOURS: Readonly<Record<string, string>> = {
  margin: '#2f6db5',
  liquidation: '#b5622f',
  'default-fund': '#2f8f5b',
  'loss-allocation': '#8a3fb5',
};
/** events named under the timeline */
const MILESTONES: ReadonlySet<string> = new Set(['AccountDefaulted', 'DefaultCovered', 'ResidualLossForwarded', 'AllocationBasisCaptured', 'LossAllocated', 'LossAllocationApplied']);
const EFFECT_COLOURS: Readonly<Record<string, string>> = { recorded: '#7d8a9c', covered: '#2f8f5b', forwarded: '#c0392b' };
const BAR_NOTES: Readonly<Record<string, string>> = { recorded: 'own margin', covered: 'covered', forwarded: 'residual → recovery' };
const EFFECT_LABELS: Readonly<Record<string, string>> = {
  recorded: "defaulter's own margin",
  covered: 'covered by a fund',
  forwarded: 'forwarded to the recovery tool',
};

const kv = (rows: readonly (readonly [string, string])[]): string =>
  `<dl class="kv">${rows.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${v}</dd></div>`).join('')}</dl>`;

const money = (amount: string | null | undefined): string => (amount === null || amount === undefined ? '<span class="muted">—</span>' : `<span class="num">${esc(usd(amount))}</span>`);

// ── sections ────────────────────────────────────────────────────────────────

function header(cf: CaseFile): string {
  const failed = cf.invariants.filter((r) => !r.ok).length;
  const declared = cf.timeline.find((t) => t.type === 'AccountDefaulted');
  const verdict =
    failed === 0
      ? `<p class="verdict ok" data-invariants-failed="0">All ${cf.invariants.length} invariants checked hold.</p>`
      : `<p class="verdict fail" data-invariants-failed="${failed}">${failed} of ${cf.invariants.length} invariants FAIL — see the last section.</p>`;
  const d = cf.defaulter;
  return `<header>
<h1>Default case file</h1>
<p class="id"><code>${esc(cf.defaultId)}</code></p>
${verdict}
${kv([
  ['Account', d ? `<code>${esc(d.accountId)}</code>` : '<span class="muted">no AccountDefaulted found</span>'],
  ['Member', d ? `<code>${esc(d.memberId)}</code>` : '—'],
  ['Declared at', declared ? `<time>${esc(declared.occurredAt)}</time> <span class="muted">(${esc(declared.id)})</span>` : '—'],
  ['Deficit beyond margin', money(d?.deficit)],
  ['Covered by the funds', money(cf.covered)],
  ['Residual', money(cf.residual)],
  ['Outcome', cf.outcome ? esc(cf.outcome) : '<span class="muted">the waterfall never ended</span>'],
  ['Allocation policy', cf.policy ? `<code>${esc(cf.policy)}</code>` : '<span class="muted">none (nothing left to allocate)</span>'],
])}
</header>`;
}

function timelineSection(cf: CaseFile): string {
  const n = cf.timeline.length;
  if (n === 0) return section('timeline', 'Timeline', '<p class="muted">No record of this default in any journal.</p>');
  const laneH = 26;
  const left = 120;
  const step = Math.max(6, Math.min(28, Math.floor(760 / Math.max(1, n))));
  const width = left + step * n + 120;
  const milestones = cf.timeline.map((t, k) => ({ t, k })).filter(({ t }) => t.kind === 'event' && MILESTONES.has(t.type));
  const stripTop = laneH * PRODUCERS.length + 8;
  const lanes = PRODUCERS.map(
    (p, i) =>
      `<text x="4" y="${i * laneH + 21}" class="lane">${esc(p)}</text><line x1="${left - 6}" x2="${width - 10}" y1="${i * laneH + 17}" y2="${i * laneH + 17}" class="lane-line"/>`,
  ).join('');
  const dots = cf.timeline
    .map((t, k) => {
      const lane = PRODUCERS.indexOf(t.journal);
      const x = left + k * step + step / 2;
      const y = lane * laneH + 17;
      const colour = JOURNAL_COLOURS[t.journal] ?? '#555';
      const fill = t.kind === 'input' ? '#fff' : colour;
      return `<circle cx="${x.toFixed(1)}" cy="${y}" r="5" fill="${fill}" stroke="${colour}" stroke-width="2"><title>${esc(`${t.id} ${t.kind} ${t.type} at ${t.occurredAt}`)}</title></circle>`;
    })
    .join('');
  const rowEnds: number[] = [];
  const marks = milestones
    .map(({ t, k }) => {
      const x = left + k * step + step / 2;
      let row = rowEnds.findIndex((end) => end < x);
      if (row < 0) row = rowEnds.length < 4 ? rowEnds.length : 0;
      rowEnds[row] = x + 6 * t.type.length + 8;
      const y = stripTop + 12 + 14 * row;
      return `<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${PRODUCERS.indexOf(t.journal) * laneH + 23}" y2="${y - 9}" class="connector"/><text x="${(x + 3).toFixed(1)}" y="${y}" class="sublabel milestone">${esc(t.type)}</text>`;
    })
    .join('');
  const height = stripTop + (rowEnds.length > 0 ? 14 * rowEnds.length + 8 : 0);
  const svg = `<svg class="chart" role="img" aria-label="records of this default across the four journals, in causal order" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">${lanes}${dots}${marks}</svg>`;
  const rows = cf.timeline
    .map(
      (t, k) =>
        `<tr data-journal="${esc(t.journal)}" data-seq="${t.seq}"><td class="num">${k + 1}</td><td><span class="badge" style="background:${JOURNAL_COLOURS[t.journal] ?? '#555'}">${esc(t.journal)}</span></td><td class="num">${t.seq}</td><td>${esc(t.kind)}</td><td><code>${esc(t.type)}</code></td><td><time>${esc(t.occurredAt)}</time></td></tr>`,
    )
    .join('\n');
  return section(
    'timeline',
    'Timeline across the four journals',
    `<p class="muted">${n} records, by time and, within one instant, in causal order (a routed input after the record it came from). Hollow: an input applied; filled: an event decided.</p>
<div class="scroll">${svg}</div>
<details${n <= 40 ? ' open' : ''}><summary>All ${n} records</summary>
<table><thead><tr><th>#</th><th>journal</th><th>seq</th><th>kind</th><th>type</th><th>time</th></tr></thead><tbody>
${rows}
</tbody></table></details>`,
  );
}

function defaulterSection(cf: CaseFile): string {
  const d = cf.defaulter;
  if (!d) return section('defaulter', "The defaulter's resources", '<p class="muted">No AccountDefaulted for this default in the liquidation journal.</p>');
  const closeOut = fromCents(cents(d.marginApplied) + cents(d.deficit));
  const positions = d.positions.length
    ? `<table><thead><tr><th>instrument</th><th>side</th><th class="num">quantity</th><th class="num">contract size</th><th class="num">mark</th><th class="num">bankruptcy price</th></tr></thead><tbody>
${d.positions
  .map(
    (p) =>
      `<tr><td><code>${esc(p.instrumentId)}</code></td><td>${esc(p.side)}</td><td class="num">${esc(p.quantity)}</td><td class="num">${esc(p.contractSize)}</td><td class="num">${esc(p.markPrice)}</td><td class="num">${esc(p.bankruptcyPrice)}</td></tr>`,
  )
  .join('\n')}
</tbody></table>`
    : '<p class="muted">No open position was left at the default.</p>';
  return section(
    'defaulter',
    "The defaulter's resources",
    `${kv([
      ['Close-out loss', money(closeOut)],
      ['Margin applied (own resources)', money(d.marginApplied)],
      ['Deficit beyond margin', money(d.deficit)],
    ])}
<h3>Positions at the default</h3>
${positions}`,
  );
}

interface Bar {
  readonly label: string;
  readonly sub: string;
  readonly amount: bigint;
  readonly from: bigint;
  readonly to: bigint;
  readonly colour: string;
  readonly attrs: string;
}

function waterfallSection(cf: CaseFile): string {
  if (cf.tranches.length === 0) return section('waterfall', 'The waterfall', '<p class="muted">No tranche was applied.</p>');
  const tranches = cf.tranches; // already in order
  const total = tranches.reduce((s, t) => s + cents(t.amount), 0n);
  const bars: Bar[] = [];
  let remaining = total;
  for (const t of tranches) {
    const amount = cents(t.amount);
    bars.push({
      label: `${t.order}. ${t.kind}`,
      sub: t.trancheId ?? BAR_NOTES[t.effect] ?? t.effect,
      amount,
      from: remaining,
      to: remaining - amount,
      colour: EFFECT_COLOURS[t.effect] ?? '#555',
      attrs: `class="bar tranche" data-order="${t.order}" data-kind="${esc(t.kind)}" data-effect="${esc(t.effect)}" data-amount="${esc(fromCents(amount))}"`,
    });
    remaining -= amount;
  }
  const charged = cf.allocations.reduce((s, l) => s + cents(l.amount), 0n);
  if (cf.policy !== null) {
    bars.push({
      label: 'charged',
      sub: cf.policy,
      amount: charged,
      from: charged,
      to: 0n,
      colour: '#8a3fb5',
      attrs: `class="bar allocated" data-amount="${esc(fromCents(charged))}"`,
    });
    const unallocated = cf.unallocated ? cents(cf.unallocated) : 0n;
    if (unallocated > 0n) {
      bars.push({
        label: 'unallocated',
        sub: 'no one could take it',
        amount: unallocated,
        from: unallocated,
        to: 0n,
        colour: '#e0a526',
        attrs: `class="bar unallocated" data-amount="${esc(fromCents(unallocated))}"`,
      });
    }
  }
  const max = bars.reduce((m, b) => (b.from > m ? b.from : m), 0n) || 1n;
  const barW = 92;
  const gap = 34;
  const left = 20;
  const top = 30;
  const plotH = 240;
  const width = left + bars.length * (barW + gap) + 10;
  const height = top + plotH + 60;
  const y = (v: bigint) => top + plotH * (1 - Number(v) / Number(max));
  const shapes = bars
    .map((b, i) => {
      const x = left + i * (barW + gap);
      const y1 = y(b.from);
      const h = Math.max(1.5, y(b.to) - y1);
      const connector =
        i > 0 && i < tranches.length ? `<line x1="${x - gap}" x2="${x}" y1="${y1.toFixed(1)}" y2="${y1.toFixed(1)}" class="connector"/>` : '';
      return `${connector}<rect ${b.attrs} x="${x}" y="${y1.toFixed(1)}" width="${barW}" height="${h.toFixed(1)}" fill="${b.colour}"><title>${esc(`${b.label} (${b.sub}): ${usd(fromCents(b.amount))}`)}</title></rect>
<text x="${x + barW / 2}" y="${(y1 - 6).toFixed(1)}" class="amount">${esc(usd(fromCents(b.amount)))}</text>
<text x="${x + barW / 2}" y="${top + plotH + 18}" class="label">${esc(clip(b.label, 20))}</text>
<text x="${x + barW / 2}" y="${top + plotH + 34}" class="sublabel">${esc(clip(b.sub, 24))}</text>`;
    })
    .join('\n');
  const svg = `<svg class="chart" role="img" aria-label="waterfall: each tranche consumed in order, then the residual charged by the recovery tool" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">
<line x1="${left - 6}" x2="${width - 6}" y1="${top + plotH}" y2="${top + plotH}" class="axis"/>
${shapes}
</svg>`;
  const legend = Object.entries(EFFECT_LABELS)
    .map(([effect, label]) => `<span><i style="background:${EFFECT_COLOURS[effect]}"></i>${esc(label)}</span>`)
    .concat(cf.policy !== null ? [`<span><i style="background:#8a3fb5"></i>charged to participants</span>`] : [])
    .join('');
  return section(
    'waterfall',
    'The waterfall',
    `<p class="muted">The close-out loss of ${esc(usd(fromCents(total)))}, consumed tranche by tranche in order; what the funds could not cover goes to the recovery tool.</p>
<div class="legend">${legend}</div>
<div class="scroll">${svg}</div>
${trancheTable(tranches)}`,
  );
}

function trancheTable(tranches: readonly CaseTranche[]): string {
  return `<table class="tranches"><thead><tr><th class="num">order</th><th>tranche</th><th>effect</th><th class="num">capacity</th><th class="num">amount</th><th class="num">remaining before</th><th class="num">remaining after</th></tr></thead><tbody>
${tranches
  .map(
    (t) =>
      `<tr data-order="${t.order}"><td class="num">${t.order}</td><td>${esc(t.kind)}${t.trancheId ? ` <code>${esc(t.trancheId)}</code>` : ''}</td><td>${esc(t.effect)}</td><td class="num">${esc(usd(t.capacity))}</td><td class="num">${esc(usd(t.amount))}</td><td class="num">${esc(usd(t.remainingBefore))}</td><td class="num">${esc(usd(t.remainingAfter))}</td></tr>`,
  )
  .join('\n')}
</tbody></table>`;
}

function allocationSection(cf: CaseFile): string {
  if (cf.policy === null) {
    const why = cf.outcome === 'DefaultCovered' ? 'The funds covered the whole deficit: nothing was charged to participants.' : 'No LossAllocated was recorded for this default.';
    return section('allocation', 'Allocation of the residual', `<p class="muted">${esc(why)}</p>`);
  }
  const charged = cf.allocations.reduce((s, l) => s + cents(l.amount), 0n);
  const f = cf.fairness;
  const ref = cf.basis?.profitReference ?? 'profit';
  const adl = cf.allocations.some((l) => l.quantityClosed !== undefined);
  const rows = cf.allocations
    .map(
      (l: CaseAllocation) =>
        `<tr data-account="${esc(l.accountId)}" data-amount="${esc(l.amount)}"><td><code>${esc(l.accountId)}</code></td><td>${esc(l.memberId)}</td>${
          adl
            ? `<td>${esc(l.instrumentId ?? '')}</td><td>${esc(l.side ?? '')}</td><td class="num">${esc(l.quantityClosed ?? '')}</td><td class="num">${esc(l.closePrice ?? '')}</td>`
            : ''
        }<td class="num">${esc(usd(l.amount))}</td><td class="num">${l.profit !== undefined ? esc(usd(l.profit)) : '—'}</td><td class="num">${shareCell(l)}</td></tr>`,
    )
    .join('\n');
  const figures = f
    ? kv([
        ['Residual', money(cf.residual)],
        ['Total charged', `${money(fromCents(charged))} to ${cf.allocations.length} line(s)`],
        ['Unallocated', money(cf.unallocated)],
        ['Overshoot', money(f.overshoot)],
        ['Participants hit', `<span class="num">${f.participantsHit}</span>${cf.basis ? ` of ${cf.basis.eligible} eligible (${cf.basis.participants} in the basis, margin:${cf.basis.seq})` : ''}`],
        ['Largest haircut', `${money(f.largestHaircut)} = ${esc(percent(f.largestHaircutShareOfProfit))} of that participant's ${esc(ref)}`],
        ['Gini of haircuts', `<span class="num">${esc(f.gini)}</span>`],
        ['Top-decile share', `<span class="num">${esc(percent(f.topDecileShare))}</span>`],
        ['Notional closed', money(f.notionalClosed)],
      ])
    : '';
  return section(
    'allocation',
    `Allocation of the residual by ${esc(cf.policy)}`,
    `${figures}
<table class="allocations"><thead><tr><th>account</th><th>member</th>${adl ? '<th>instrument</th><th>side</th><th class="num">quantity closed</th><th class="num">close price</th>' : ''}<th class="num">charge</th><th class="num">${esc(ref)}</th><th class="num">haircut ÷ ${esc(ref)}</th></tr></thead><tbody>
${rows}
</tbody><tfoot><tr><th colspan="${adl ? 6 : 2}">total</th><th class="num" data-total-charged="${esc(fromCents(charged))}">${esc(usd(fromCents(charged)))}</th><th></th><th></th></tr></tfoot></table>`,
  );
}

function shareCell(l: CaseAllocation): string {
  if (l.shareOfProfit === undefined) return '—';
  if (l.shareOfProfit === null) return '<span class="bad">beyond any profit</span>';
  const over = new Decimal(l.shareOfProfit).greaterThan(1);
  return `<span class="${over ? 'bad' : ''}">${esc(percent(l.shareOfProfit))}</span>`;
}

/** Buckets of the haircut as a share of profit: not hit, ten deciles, beyond profit. */
export interface HaircutBin {
  readonly label: string;
  readonly count: number;
}

export function haircutHistogram(cf: CaseFile): HaircutBin[] | null {
  if (cf.policy === null || cf.allocations.some((l) => l.shareOfProfit === undefined)) return null;
  const perAccount = new Map<string, { charged: bigint; profit: bigint }>();
  for (const l of cf.allocations) {
    const a = perAccount.get(l.accountId) ?? { charged: 0n, profit: cents(l.profit ?? '0') };
    a.charged += cents(l.amount);
    perAccount.set(l.accountId, a);
  }
  const deciles = Array.from({ length: 10 }, () => 0);
  let beyond = 0;
  for (const { charged, profit } of perAccount.values()) {
    if (profit <= 0n || charged > profit) beyond += 1;
    else {
      const bin = Number((charged * 10n) / profit); // 0…10; exactly 100% belongs to the last decile
      deciles[Math.min(9, bin)]! += 1;
    }
  }
  const notHit = cf.basis ? Math.max(0, cf.basis.eligible - perAccount.size) : 0;
  return [
    { label: 'not hit', count: notHit },
    ...deciles.map((count, i) => ({ label: `${i * 10}–${i * 10 + 10}%`, count })),
    { label: '> 100%', count: beyond },
  ];
}

function histogramSection(cf: CaseFile): string {
  const bins = haircutHistogram(cf);
  if (bins === null) return section('haircuts', 'Distribution of haircuts', '<p class="muted">No allocation (or no basis to measure it against).</p>');
  const ref = cf.basis?.profitReference ?? 'profit';
  const max = Math.max(1, ...bins.map((b) => b.count));
  const barW = 44;
  const gap = 10;
  const left = 20;
  const top = 24;
  const plotH = 160;
  const width = left + bins.length * (barW + gap) + 10;
  const height = top + plotH + 40;
  const shapes = bins
    .map((b, i) => {
      const x = left + i * (barW + gap);
      const h = b.count === 0 ? 0 : Math.max(2, (plotH * b.count) / max);
      const colour = i === 0 ? '#b9c2cf' : i === bins.length - 1 ? '#c0392b' : '#8a3fb5';
      return `<rect class="bin" data-bin="${esc(b.label)}" data-count="${b.count}" x="${x}" y="${(top + plotH - h).toFixed(1)}" width="${barW}" height="${h.toFixed(1)}" fill="${colour}"><title>${esc(`${b.label}: ${b.count}`)}</title></rect>
<text x="${x + barW / 2}" y="${(top + plotH - h - 5).toFixed(1)}" class="amount">${b.count}</text>
<text x="${x + barW / 2}" y="${top + plotH + 16}" class="sublabel">${esc(b.label)}</text>`;
    })
    .join('\n');
  const svg = `<svg class="chart" role="img" aria-label="number of participants by haircut as a share of ${esc(ref)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">
<line x1="${left - 6}" x2="${width - 6}" y1="${top + plotH}" y2="${top + plotH}" class="axis"/>
${shapes}
</svg>`;
  return section(
    'haircuts',
    'Distribution of haircuts',
    `<p class="muted">Participants by haircut as a share of their ${esc(ref)} (all charges to one account summed). "Not hit": eligible participants who paid nothing; "&gt; 100%": charged beyond their ${esc(ref)}.</p>
<div class="scroll">${svg}</div>`,
  );
}

function invariantsSection(cf: CaseFile): string {
  const rows = cf.invariants
    .map(
      (r) =>
        `<tr class="${r.ok ? 'pass' : 'fail'}" data-invariant="${esc(r.name)}" data-ok="${r.ok}"><td><span class="pill ${r.ok ? 'pass' : 'fail'}">${r.ok ? 'PASS' : 'FAIL'}</span></td><td><code>${esc(r.name)}</code></td><td>${esc(r.detail)}${
          r.at ? ` <span class="muted">(${esc(`${r.at.journal} position ${r.at.position}, ${r.at.recordId}, ${r.at.field}`)})</span>` : ''
        }</td></tr>`,
    )
    .join('\n');
  return section(
    'invariants',
    'Invariants checked',
    `<table class="invariants"><thead><tr><th>result</th><th>invariant</th><th>detail</th></tr></thead><tbody>
${rows}
</tbody></table>`,
  );
}

const STATUS_TEXT: Readonly<Record<string, string>> = {
  verified: 'verified',
  'signature-invalid': "not the owner's signature",
  unchecked: 'no keyring to check it',
  'journal-missing': 'journal missing',
  'beyond-end': 'journal ends before it (truncated)',
  'hash-mismatch': 'another hash in the journal (rewritten)',
};

function signaturesSection(cf: CaseFile): string {
  const s = cf.signatures;
  const keys = s.keyring
    ? `<p class="muted">Signatures checked against the keyring <code>${esc(s.keyring.path)}</code> (${s.keyring.source === 'given' ? 'given by the auditor' : 'found in the audited directory'}${s.keyring.development ? ', the public development keys' : ''}).</p>`
    : '<p class="bad">No keyring: no signature could be checked.</p>';
  const warnings = s.warnings.map((w) => `<p class="warning">${esc(w)}</p>`).join('\n');
  const rows = s.journals
    .map((j) => {
      const a = j.latestAnchor;
      const records = j.records === null ? '<span class="bad">missing</span>' : String(j.records);
      const signed = j.signedThrough >= 0 ? String(j.signedThrough) : '<span class="bad">none</span>';
      if (!a) return `<tr data-journal="${esc(j.journal)}" data-verified="false"><td>${esc(j.journal)}</td><td class="num">${records}</td><td class="num">${signed}</td><td colspan="5" class="muted">no anchor</td><td><span class="pill fail">NONE</span></td></tr>`;
      return `<tr data-journal="${esc(j.journal)}" data-seq="${a.seq}" data-verified="${a.verified}" data-status="${esc(a.status)}"><td>${esc(j.journal)}</td><td class="num">${records}</td><td class="num">${signed}</td><td class="num">${a.seq}</td><td>${esc(a.reason)}${a.defaultId ? ` <code>${esc(a.defaultId)}</code>` : ''}</td><td><code title="${esc(a.hash)}">${esc(a.hash.slice(0, 16))}…</code></td><td><code>${esc(a.signaturePrefix)}</code></td><td class="muted">${esc(a.origin)}</td><td><span class="pill ${a.verified ? 'pass' : 'fail'}">${a.verified ? 'VERIFIED' : 'FAIL'}</span> ${a.verified ? '' : esc(STATUS_TEXT[a.status] ?? a.status)}</td></tr>`;
    })
    .join('\n');
  return section(
    'signatures',
    'Signed heads',
    `<p class="muted">Each journal's owner signs its chain's head; a signed head at seq n vouches for every record up to n. The latest anchor of each journal, checked against the journal as read.</p>
${keys}
${warnings}
<table class="signatures"><thead><tr><th>journal</th><th class="num">records</th><th class="num">signed through seq</th><th class="num">anchor seq</th><th>reason</th><th>hash</th><th>signature</th><th>from</th><th>result</th></tr></thead><tbody>
${rows}
</tbody></table>`,
  );
}

const section = (id: string, heading: string, body: string): string => `<section id="${id}">\n<h2>${heading}</h2>\n${body}\n</section>`;

const clip = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

const CSS = `
:root{--ink:#1d2430;--muted:#6b7686;--line:#dde2ea;--bg:#f7f8fa}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg);margin:0;padding:24px 32px;max-width:1200px}
h1{margin:0;font-size:22px}h2{font-size:17px;margin:0 0 10px;border-bottom:1px solid var(--line);padding-bottom:6px}h3{font-size:14px;margin:14px 0 6px}
header,section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin:0 0 16px}
.id code{font-size:15px}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f0f2f5;padding:1px 4px;border-radius:3px}
.muted{color:var(--muted)}
.verdict{font-weight:600;padding:6px 10px;border-radius:6px;display:inline-block;margin:8px 0}
.verdict.ok{background:#e3f4ea;color:#1e6b3f}.verdict.fail{background:#fbe4e1;color:#9b2517}
.kv{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:6px 24px;margin:8px 0}
.kv div{display:flex;justify-content:space-between;border-bottom:1px dotted var(--line);padding:3px 0}
.kv dt{color:var(--muted)}.kv dd{margin:0;text-align:right}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:13px}
th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#f3f5f8;font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tfoot th{background:#fff;border-top:2px solid var(--ink)}
.badge{color:#fff;border-radius:10px;padding:1px 8px;font-size:12px}
.pill{font-weight:700;font-size:11px;padding:2px 7px;border-radius:10px}
.pill.pass{background:#e3f4ea;color:#1e6b3f}.pill.fail{background:#fbe4e1;color:#9b2517}
tr.fail td{background:#fff6f5}
.bad{color:#9b2517;font-weight:600}
.warning{background:#fff6e0;border-left:3px solid #e0a526;padding:4px 8px;margin:6px 0}
.scroll{overflow-x:auto}
.chart text{font:11px system-ui,sans-serif;fill:var(--ink)}
.chart .amount{text-anchor:middle;font-weight:600}
.chart .label{text-anchor:middle}
.chart .sublabel{text-anchor:middle;fill:var(--muted);font-size:10px}
.chart .milestone{text-anchor:start}
.chart .lane{font-size:11px;fill:var(--muted)}
.chart .lane-line{stroke:var(--line)}
.chart .axis{stroke:var(--ink)}
.chart .connector{stroke:var(--muted);stroke-dasharray:3 3}
.legend{display:flex;flex-wrap:wrap;gap:14px;font-size:12px;color:var(--muted)}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
details summary{cursor:pointer;color:var(--muted);margin:6px 0}
footer{color:var(--muted);font-size:12px;margin:8px 0 0}
`;
