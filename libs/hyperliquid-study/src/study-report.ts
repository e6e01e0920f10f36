import { MaxLeverage, parseAmount, ratioString } from '@ccp/loss-allocation-domain';
import { CHITRA_FIGURES } from './published-figures';
import { HYPERLIQUID_BTC_MAINTENANCE_RATE, INITIAL_MARGIN_RATE, MAINTENANCE_MARGIN_RATE, STUDY_DEFAULTER, STUDY_INSTRUMENT, STUDY_MEMBER } from './study-basis';
import { STUDY_OCCURRED_AT } from './study-journal';
import type { PolicyFigures, Scenario, StudyFacts } from './study';

/** Rendering only: every number comes from the facts it is given (no arithmetic beyond formatting). */

const centsOf = (amount: string): bigint => parseAmount(amount, 'amount');
const group = (digits: string): string => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** cents → "$1,234.56" */
export function usd(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  return `${negative ? '−' : ''}$${group((abs / 100n).toString())}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** cents → "$1,234.57M" (millions, half-even to 10k dollars) */
export function usdMillions(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const unit = 1_000_000n; // 10,000 dollars = 0.01 M
  let q = abs / unit;
  const r = abs % unit;
  if (r * 2n > unit || (r * 2n === unit && q % 2n === 1n)) q += 1n;
  return `${negative ? '−' : ''}$${group((q / 100n).toString())}.${(q % 100n).toString().padStart(2, '0')}M`;
}

/** contracts per cent of equity at mark 1 → leverage ×, 2 decimals */
export function leverage(l: MaxLeverage): string {
  if (l.infinite) return '∞';
  if (l.num === 0n) return '0×';
  const text = ratioString(l.num, l.den * 1_000_000n, 2);
  if (text === '0') return '< 0.01×';
  const [whole = '0', fraction = '00'] = text.split('.');
  return `${group(whole)}.${fraction.padEnd(2, '0')}×`;
}

const pct = (ratio: string): string => {
  const [whole = '0', frac = ''] = ratio.split('.');
  const scaled = `${whole}${frac.padEnd(6, '0')}`.replace(/^0+(?=\d)/, ''); // 6 decimals → units of 1e-6
  const n = BigInt(scaled);
  // percent with 1 decimal: n / 1e6 × 100 = n / 1e4, half-even to 0.1 → n / 1000
  let q = n / 1000n;
  const r = n % 1000n;
  if (r * 2n > 1000n || (r * 2n === 1000n && q % 2n === 1n)) q += 1n;
  return `${(q / 10n).toString()}.${(q % 10n).toString()}%`;
};

const multiple = (num: bigint, den: bigint): string => `${ratioString(num, den, 1)}×`;

function policyTable(s: Scenario, actual: StudyFacts['actual'] | null, deficit: bigint): string {
  const head =
    '| Policy | Notional force-closed (at the close price) | Profit taken | Overshoot beyond the deficit | Participants hit | Largest single haircut (share of its profit) | Gini / top-decile share | Max leverage left |\n' +
    '|---|--:|--:|--:|--:|--:|--:|--:|\n';
  const lines: string[] = [];
  if (actual !== null) {
    lines.push(
      `| **What happened** (Hyperliquid queue, 2025-10-10; profit = PnL its closes realized) | ${usdMillions(actual.notionalClosed)} | ${usdMillions(actual.profitRealized)} | ${usd(actual.profitRealized - deficit)} | ${group(String(actual.accounts))} | ${usdMillions(actual.largestProfitClosed)} (100.0%) | ${actual.gini} / ${pct(actual.topDecileShare)} | – |`,
    );
  }
  for (const r of s.rows) lines.push(row(r));
  return head + lines.join('\n') + '\n';
}

function row(r: PolicyFigures): string {
  const unallocated = r.unallocated > 0n ? ` (+${usdMillions(r.unallocated)} unallocated)` : '';
  return `| ${r.spec.label} | ${usdMillions(r.notionalClosed)} | ${usdMillions(r.profitTaken)}${unallocated} | ${usd(r.overshoot)} | ${group(String(r.participantsHit))} | ${usdMillions(r.largestHaircut)} (${pct(r.largestHaircutShareOfProfit)}) | ${r.gini} / ${pct(r.topDecileShare)} | ${leverage(r.maxLeverageAll)} |`;
}

const byKey = (s: Scenario, label: string): PolicyFigures => s.rows.find((r) => r.spec.label === label)!;

export function renderReport(f: StudyFacts, where: { dataDir: string; journalDir: string; chartFile: string }): string {
  const { imported, summary, basis, actual, headline, sensitivity, journal } = f;
  const deficit = basis.deficit;
  const excludedNeg = basis.excluded.filter((e) => e.reason === 'negative-equity').length;
  const excludedUnrep = basis.excluded.filter((e) => e.reason === 'unrepresentable').length;
  const excludedMaint = basis.excluded.filter((e) => e.reason === 'below-maintenance').length;
  const excludedInsolvent = basis.excluded.filter((e) => e.reason === 'below-maintenance' && e.equity !== undefined && e.equity <= 0n).length;
  const basisOi = basis.openInterest / 1_000_000n; // units of 1e-8 dollars → cents
  const rejections = [...imported.rejectedBy.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const inForce = headline.rows[0]!;
  const whole = byKey(headline, 'ADL queue, Hyperliquid key, whole positions');
  const prorata = byKey(headline, 'Socialized loss, pro rata to profit');
  const wfRows = [headline, ...sensitivity].map((s) => ({ s, wf: s.rows.find((r) => r.spec.key === 'adl:water-filling')!, hl: s.rows[0]! }));
  const pos = headline.residual.positions[0]!;
  const last = sensitivity[sensitivity.length - 1] ?? headline;

  const out: string[] = [];
  out.push(`# The 2025-10-10 Hyperliquid auto-deleveraging, replayed through our allocation policies

Generated by \`ccp study hyperliquid-2025-10-10\` (\`runHyperliquidStudy\` of \`libs/hyperliquid-study\`,
audited with \`@ccp/audit\`) from the public reconstruction in \`${where.dataDir}\`. Every number in the
tables and the chart is computed by that code from the data and the journals it writes; only the
published figures of section 4 are quoted (with their source). The output is deterministic: no
clock, no randomness.

![per policy: notional force-closed, profit taken, participants hit, largest single haircut](${where.chartFile})

## 1. Data and import

| | |
|---|--:|
| ADL'd accounts in \`adl_by_user_REALTIME.csv\` (rows read) | ${group(String(imported.rowsRead))} |
| kept | ${group(String(imported.accepted.length))} |
| rejected (malformed or inconsistent) | ${group(String(imported.rejected.length))} |
${rejections.map(([k, n]) => `| — ${k} | ${group(String(n))} |\n`).join('')}| ADL fills (Σ num_adl_events of kept rows) / summary | ${group(String(actual.fills))} / ${group(String(summary.adlEvents))} (${actual.fillsMatchSummary ? 'equal' : 'DIFFERENT'}) |
| ADL notional (Σ of kept rows) / summary | ${usd(actual.notionalClosed)} / ${usd(actual.summaryNotional)} (difference ${usd(actual.notionalCheckDifference)}) |
| deficit to cover = −negative_equity_total (${group(String(summary.negativeEquityCount))} fills in negative equity) | ${usd(deficit)} |
| accounts in the allocation basis | ${group(String(basis.included.length))} |
| — excluded: in negative equity at an ADL fill (the defaulters, A5) | ${group(String(excludedNeg))} |
| — excluded: loss ≥ notional, not representable as a short at mark 1 (A3) | ${group(String(excludedUnrep))} |
| — excluded: below maintenance at the mark, margin would liquidate it (A7); of them with equity ≤ 0 | ${group(String(excludedMaint))}; ${group(String(excludedInsolvent))} |
| basis open interest on \`${STUDY_INSTRUMENT}\` (dollars of notional at mark 1) | ${usd(basisOi)} |
| largest leverage in the basis before allocation (notional ÷ equity) | ${leverage(headline.leverageBefore)} |

Every row is accounted for: kept + rejected = read, and every kept row is in the basis or excluded
with its reason. No row is dropped silently; the rejected rows are listed by line in the study's
return value (\`imported.rejected\`).

## 2. What happened, and every policy on the same basis

The default, as journaled (section 6): \`${STUDY_DEFAULTER}\` long ${pos.quantity} units of \`${STUDY_INSTRUMENT}\`
(the basis's whole open interest, A9), closed out at mark ${pos.markPrice}: bankruptcy price ${pos.bankruptcyPrice}, deficit
${usd(deficit)} (A6), nothing covered by the empty insurance fund, residual ${usd(centsOf(headline.residual.residual))}. "Profit taken" is what
the policy charges the winners: cash haircuts, or for ADL the profit forgone by closing at the
bankruptcy price instead of the mark. Amounts in millions of US dollars, the overshoot to the cent.
The production reference is the registry's \`adl:hyperliquid\` queue — sort key (mark ÷ entry) ×
(notional ÷ account value), entry ÷ mark for a short (the docs' key read for a position in profit),
closes at the bankruptcy price — with partial closes (in force) and with whole positions.
Notional force-closed is the allocation's own figure (Σ quantity × close price over the closes sent
to margin, the bankruptcy price for ADL, the mark for tear-up) — what \`ccp audit counterfactual\`
prints. Max leverage left (notional ÷ equity after the allocation, at the mark) counts every close a
policy decides; a close whose charge rounds to less than a cent is not sent to margin (an allocation
line carries at least one cent), so such a tiny position stays open (${inForce.subCentCloses} under the policy in force here).

${policyTable(headline, actual, deficit)}
The row "What happened" is computed from the kept rows: the ADL notional, and — as Chitra counts a
haircut — the profit the forced closes realized (Σ positive closed_pnl over ${group(String(actual.profitableAccounts))} profitable
accounts), which is ${multiple(actual.profitRealized, deficit)} the deficit; the largest is account \`${actual.largestProfitAccount}\`.

## 3. Sensitivity: when only part of the open interest must be closed

In the headline the defaulted quantity is the basis's whole open interest, so every ADL variant
closes (almost) every position and they can hardly differ. If the same deficit had sat on a smaller defaulted
quantity (the loss beyond the bankruptcy price then larger per unit), the queues and water-filling
choose differently:

${sensitivity
  .map(
    (s) => `### ${s.share.label} of the open interest defaulted (quantity ${s.residual.positions[0]!.quantity}, bankruptcy price ${s.residual.positions[0]!.bankruptcyPrice})

${policyTable({ ...s, rows: s.rows.filter((r) => r.spec.key.startsWith('adl:') || r.spec.key === 'socialized-loss:pro-rata-profit') }, null, deficit)}`,
  )
  .join('\n')}
Water-filling never leaves a higher maximum leverage than the queues closing the same quantity
(checked on each scenario above: ${f.waterFillingAtMostQueue.map((w) => `${w.share} ${w.ok ? 'holds' : 'FAILS'}`).join(', ')}; and property-tested in
\`libs/loss-allocation-domain/src/water-filling.policy.unit.spec.ts\`).

## 4. Published figures

| Source | Figure | Value |
|---|---|---|
${CHITRA_FIGURES.map((c) => `| ${c.source} | ${c.figure} | ${c.value} |`).join('\n')}
| this study (computed) | profit the production closes realized ÷ deficit | ${usdMillions(actual.profitRealized)} ÷ ${usdMillions(deficit)} = ${multiple(actual.profitRealized, deficit)} |
| this study (computed) | ADL notional, accounts, fills | ${usdMillions(actual.notionalClosed)}, ${group(String(actual.accounts))}, ${group(String(actual.fills))} |

## 5. The differences, explained

- **Production vs the deficit.** Hyperliquid's queue closed ${usdMillions(actual.notionalClosed)} of positions of
  ${group(String(actual.accounts))} accounts to cover a ${usdMillions(deficit)} deficit. Counted as Chitra counts a haircut
  (the PnL the forced closes realized), that is ${usdMillions(actual.profitRealized)}, ${multiple(actual.profitRealized, deficit)} the deficit — the
  same order as his first figures (≈ $630–650M, ≈ 28×), which used an earlier cut of this
  reconstruction; the canonical "cash-only" files sum closed_pnl over all 34,983 fills, hence more.
- **Why our ADL takes exactly the deficit.** Our ADL closes at the defaulter's bankruptcy price and
  charges each counterparty only the profit it forgoes between the mark and that price, so the
  charges sum to the residual (overshoot ${usd(inForce.overshoot)}) however much notional it closes
  (${usdMillions(inForce.notionalClosed)} here: ADL must absorb the defaulted quantity). Hyperliquid closes at the previous
  mark: the winner keeps its PnL in cash, but loses the position; Chitra prices that loss as the
  realized PnL. Closing whole positions (the production-like row) only changes the last account the
  queue reaches — every account before it is closed in full either way — so one default overshoots
  little (${usd(whole.overshoot)} here; ${sensitivity.map((s) => `${usd(byKey(s, 'ADL queue, Hyperliquid key, whole positions').overshoot)} at ${s.share.label}`).join(', ')}).
  Production's overshoot comes from running the queue again and again, per asset and per
  liquidation, over twelve minutes, which one aggregate default does not model.
- **Closing at the bankruptcy price can take more than the profit.** When the loss per unit beyond
  the bankruptcy price exceeds an account's PnL per unit, the forgone profit is more than its
  profit: at ${last.share.label} the Hyperliquid queue's largest charge is ${pct(byKey(last, headline.rows[0]!.spec.label).largestHaircutShareOfProfit)} of that account's profit,
  water-filling's ${pct(last.rows.find((r) => r.spec.key === 'adl:water-filling')!.largestHaircutShareOfProfit)}.
- **Chitra's later, smaller excess** ($45.0M–$51.7M, ≈ $653.6M of positions) compares production with
  benchmark allocations *shock by shock* across 162 assets and the twelve minutes; the per-account
  file has neither the per-asset split nor the timing (A1), so this study is one aggregate default.
  It cannot reproduce that figure; it reproduces the structure: the deficit (${usdMillions(deficit)}) is small
  beside what the queue closed.
- **Cash policies close nothing.** Socialized loss pro rata to profit covers the same deficit with
  ${group(String(prorata.participantsHit))} haircuts, the largest ${usdMillions(prorata.largestHaircut)} (${pct(prorata.largestHaircutShareOfProfit)} of that account's profit), no position closed — the
  minimum-haircut benchmark the papers compare the queue to.
- **Water-filling vs the queue.** In the headline both close (almost) everything. When less must be
  closed, water-filling closes the most levered accounts first and leaves the lowest possible
  maximum leverage:
${wfRows.map(({ s, wf, hl }) => `  ${s.share.label}: water-filling ${leverage(wf.maxLeverageAll)}, ${group(String(wf.participantsHit))} accounts hit; Hyperliquid queue ${leverage(hl.maxLeverageAll)}, ${group(String(hl.participantsHit))} hit.`).join('\n')}

## 6. The run as a journaled default

The default is recorded the ordinary way: a scenario of upstream inputs run by the embedded engine
(\`simulate\`) through the four real deciders into \`${where.journalDir}\` (not committed: tens of MB).
Parameters first — liquidation at the mark with no fee, the perpetual-exchange waterfall (defaulter's
margin → insurance fund → recovery tool) with an empty insurance fund, \`SetAllocationPolicy\`
(${inForce.spec.key}), the instrument with the margin rates of A7; then the book — member \`${STUDY_MEMBER}\`, each
account opened, its cash deposited (or booked as a realized loss, A4), its short traded at its entry
price, and the defaulter's long (A9); then the mark 1 at ${STUDY_OCCURRED_AT}. Everything after the mark is
decided by the deciders: margin finds ${journal.breaches.length === 1 ? 'only the defaulter' : `${journal.breaches.length} accounts`} below maintenance; liquidation closes it at
the mark and declares the default (margin applied ${usd(centsOf(journal.marginApplied))} — the defaulter's cash — deficit
${usd(centsOf(journal.deficit))}); the default fund walks the waterfall and forwards the residual; loss allocation requests
the basis, margin captures it (${group(String(journal.basis.participants.length))} participants, ${f.basisAsModelled ? 'identical to the basis the study built from the data' : 'DIFFERENT from the study\'s model'}), loss allocation
decides and margin applies the allocation (\`LossAllocationApplied\`, ${group(String(journal.applied.lines.length))} lines, ${usd(centsOf(journal.applied.totalCharged))} charged).

| journal | records | head hash |
|---|--:|---|
${(['margin', 'liquidation', 'default-fund', 'loss-allocation'] as const).map((p) => `| ${p} | ${group(String(journal.heads[p].records))} | \`${journal.heads[p].headHash}\` |`).join('\n')}

| | |
|---|--:|
| upstream inputs in the scenario | ${group(String(journal.inputs))} |
| default id | \`${journal.residual.defaultId}\` |
| journaled residual = the study's default at 100% (quantity, bankruptcy price, residual) | ${f.residualAsModelled ? 'yes' : 'NO'} |
| recorded LossAllocated = the policy in force re-run on the recorded basis; margin applied its total | ${f.recordedReproduced ? 'yes (canonical JSON)' : 'NO'} |
${
  f.audit === null
    ? '| `ccp audit verify` | not run (no auditor given) |\n'
    : `| \`ccp audit verify ${where.journalDir}\` | ${f.audit.verify.ok ? `OK: hash chains intact, every input re-decided, ${f.audit.verify.defaultsChecked} default(s) conserved to the cent` : `FAILED: ${f.audit.verify.firstFinding ?? ''}`} |\n`
}
Every table row of section 2 is computed from the *recorded* basis and residual with the
loss-allocation domain's \`runAllocation\` — what the decider runs. Each row is also re-run from the
journals by the audit, \`ccp audit counterfactual ${where.journalDir} ${journal.residual.defaultId} <arguments>\`,
whose figures (profit taken, unallocated, overshoot, participants hit, largest haircut and its
share, Gini, top-decile share, notional closed) must equal the row's:

${
  f.audit === null
    ? 'Not run (no auditor given).\n'
    : `| Policy | arguments | figures equal to the row | recorded allocation reproduced |\n|---|---|:-:|:-:|\n${f.audit.rows.map((r) => `| ${r.label} | \`${r.arguments}\` | ${r.equal ? 'yes' : 'NO'} | ${r.reproduced === null ? '–' : r.reproduced ? 'yes' : 'NO'} |`).join('\n')}\n`
}
## 7. Assumptions

- **A1 One aggregate instrument.** Each account's ADL'd exposure is one position on \`${STUDY_INSTRUMENT}\`,
  one unit = one dollar of notional at the mark (mark 1, contract size 1, quantity = adl_notional).
  The file aggregates 162 assets; per-asset marks and queues are not derivable from it.
- **A2 Side.** The file has no side. ADL'd positions are modeled as shorts (the crash liquidated
  longs), the default as a long.
- **A3 Entry price.** entry = 1 + closed_pnl ÷ adl_notional (8 decimals, half-even); margin values
  the short at mark 1, so its unrealized PnL is q × (entry − 1) rounded toward −∞ to the cent —
  closed_pnl up to the rounding of the entry. A loss ≥ the notional would need entry ≤ 0: such rows
  are excluded and counted.
- **A4 Cash and leverage.** cash = account_value_realtime (the upstream's cash-only value at the first
  ADL fill), to the cent, deposited as collateral. Margin holds a negative cash only as a realized
  loss, so an account with negative cash sells q + |cash| at its entry price and buys |cash| back at
  entry + 1 (a realized loss of exactly |cash|, leaving the short q at the entry price).
  equity = cash + PnL, leverage = notional ÷ equity. The upstream leverage column (÷ cash, averaged
  over fills) is not used.
- **A5 Defaulters.** Accounts flagged in negative equity at an ADL fill carry the deficit; they are
  excluded from the book and represented by one defaulter account, \`${STUDY_DEFAULTER}\`.
- **A6 Deficit.** −negative_equity_total of the summary (${usd(deficit)}), all of it left to allocation:
  the insurance fund is empty (no insurance fund or HLP tranche before it). The upstream sums equity
  over fills, not accounts.
- **A7 Margin parameters.** Maintenance ${MAINTENANCE_MARGIN_RATE} and initial ${INITIAL_MARGIN_RATE} × notional, uniform, no tiers.
  The data's accounts were ADL'd, not liquidated, at leverage up to ${leverage(headline.leverageBefore)} on the ADL'd notional,
  so the rates must let margin hold them at the mark without a breach (Hyperliquid's own BTC
  maintenance rate, ${HYPERLIQUID_BTC_MAINTENANCE_RATE} at 40×, would put ${group(String(basis.belowHyperliquidMaintenance))} of the ${group(String(basis.included.length))} below maintenance). An account whose equity at the mark is still below
  maintenance — every one with equity ≤ 0 — would be liquidated by margin, not deleveraged: it is
  excluded and counted. Margin does not refuse trades for margin (trades are executed facts), and
  the run checks that the mark breaches the defaulter alone. Only the Binance key reads the
  maintenance requirement; a uniform rate does not change its order (up to the cent rounding of
  tiny positions).
- **A8 Member and variation margin.** One clearing member, \`${STUDY_MEMBER}\` (the venue is its own
  clearinghouse; the users are its accounts). Variation-margin gain = equity − deposits (margin's
  rule): the unrealized PnL, plus the realized loss of A4 for an account with negative cash.
- **A9 The defaulter** holds the long opposite the book's whole open interest Q (ADL closes
  counterparties quantity for quantity), bought at E = 1 + ⌈deficit ÷ Q⌉ (8 decimals) with cash
  ⌈Q × (E − 1)⌉ − deficit, so that its close-out at the mark loses exactly the deficit beyond its
  cash and its bankruptcy price is E. Section 3 varies the defaulted quantity (not journaled: run
  on the recorded basis).

## 8. Reproduce

\`\`\`
npm run study    # = libs/cli/bin/ccp study hyperliquid-2025-10-10
\`\`\`
writes this file, \`${where.chartFile}\` and the journals (\`--out <dir>\` for the report, \`--journals <dir>\`,
\`--data <dir>\`); then \`ccp audit verify ${where.journalDir}\` and the counterfactual commands of section 6 re-check them.
`);
  return out.join('');
}

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface Bar {
  readonly label: string;
  readonly value: bigint;
  readonly text: string;
  readonly actual: boolean;
}

/** A plain SVG of four bar panels (linear scale per panel), deterministic. */
export function renderChart(f: StudyFacts): string {
  const { actual, headline, sensitivity } = f;
  const label = (r: PolicyFigures) => r.spec.label.replace(' (policy in force)', ' *');
  const last = sensitivity[sensitivity.length - 1];
  const adlRows = last === undefined ? [] : last.rows.filter((r) => r.spec.key.startsWith('adl:') || r.spec.key === 'socialized-loss:pro-rata-profit');
  // leverage × 100 as an integer for the bar length (contracts per cent × 10^-6 = leverage at mark 1)
  const leverageHundredths = (l: MaxLeverage): bigint => (l.infinite || l.den === 0n ? 0n : (l.num * 100n) / (l.den * 1_000_000n));
  const panels: { title: string; bars: Bar[] }[] = [
    {
      title: 'Notional force-closed',
      bars: [{ label: 'What happened (Hyperliquid, 2025-10-10)', value: actual.notionalClosed, text: usdMillions(actual.notionalClosed), actual: true }, ...headline.rows.map((r) => ({ label: label(r), value: r.notionalClosed, text: usdMillions(r.notionalClosed), actual: false }))],
    },
    {
      title: 'Profit taken from winners (production: PnL its closes realized)',
      bars: [{ label: 'What happened (Hyperliquid, 2025-10-10)', value: actual.profitRealized, text: usdMillions(actual.profitRealized), actual: true }, ...headline.rows.map((r) => ({ label: label(r), value: r.profitTaken, text: usdMillions(r.profitTaken), actual: false }))],
    },
    {
      title: 'Participants hit',
      bars: [{ label: 'What happened (Hyperliquid, 2025-10-10)', value: BigInt(actual.accounts), text: group(String(actual.accounts)), actual: true }, ...headline.rows.map((r) => ({ label: label(r), value: BigInt(r.participantsHit), text: group(String(r.participantsHit)), actual: false }))],
    },
    {
      title: 'Largest single haircut',
      bars: [{ label: 'What happened (Hyperliquid, 2025-10-10)', value: actual.largestProfitClosed, text: usdMillions(actual.largestProfitClosed), actual: true }, ...headline.rows.map((r) => ({ label: label(r), value: r.largestHaircut, text: usdMillions(r.largestHaircut), actual: false }))],
    },
    ...(last === undefined
      ? []
      : [
          {
            title: `If only ${last.share.label} of the open interest had defaulted: max leverage left among solvent accounts`,
            bars: adlRows.map((r) => ({ label: label(r), value: leverageHundredths(r.maxLeverageSolvent), text: leverage(r.maxLeverageSolvent), actual: false })),
          },
          {
            title: `If only ${last.share.label} of the open interest had defaulted: largest single haircut`,
            bars: adlRows.map((r) => ({ label: label(r), value: r.largestHaircut, text: usdMillions(r.largestHaircut), actual: false })),
          },
        ]),
  ];
  const width = 980;
  const labelWidth = 360;
  const barWidth = 470;
  const rowHeight = 20;
  const panelGap = 34;
  let y = 52;
  const parts: string[] = [];
  parts.push(`<text x="10" y="22" font-size="15" font-weight="bold">2025-10-10 Hyperliquid ADL: what happened vs our policies on the same basis</text>`);
  parts.push(`<text x="10" y="40" font-size="12">deficit ${escapeXml(usdMillions(f.basis.deficit))}, ${escapeXml(group(String(f.basis.included.length)))} accounts in the basis; * = policy in force; red = production (from the data)</text>`);
  for (const panel of panels) {
    parts.push(`<text x="10" y="${y + 14}" font-size="13" font-weight="bold">${escapeXml(panel.title)}</text>`);
    y += panelGap - 10;
    const max = panel.bars.reduce((m, b) => (b.value > m ? b.value : m), 0n);
    for (const bar of panel.bars) {
      const w = max > 0n ? Number((bar.value * BigInt(barWidth * 100)) / max) / 100 : 0;
      parts.push(`<text x="${labelWidth - 6}" y="${y + 14}" font-size="11" text-anchor="end">${escapeXml(bar.label)}</text>`);
      parts.push(`<rect x="${labelWidth}" y="${y + 3}" width="${w.toFixed(2)}" height="${rowHeight - 6}" fill="${bar.actual ? '#c0392b' : '#2c6fbb'}"/>`);
      parts.push(`<text x="${(labelWidth + w + 5).toFixed(2)}" y="${y + 14}" font-size="11">${escapeXml(bar.text)}</text>`);
      y += rowHeight;
    }
    y += 14;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" viewBox="0 0 ${width} ${y + 10}" font-family="Helvetica, Arial, sans-serif">
<rect width="100%" height="100%" fill="#ffffff"/>
${parts.join('\n')}
</svg>
`;
}
