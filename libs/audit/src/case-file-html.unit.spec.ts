import { toMinorExact } from '@ccp/money';
import { simulateScenario } from './audit-test-support';
import { CaseFile, caseFile } from './case-file';
import { esc, haircutHistogram, renderCaseFileHtml } from './case-file-html';

const cents = (s: string): bigint => toMinorExact(s, 2);
const attrs = (html: string, selector: RegExp): Record<string, string>[] =>
  [...html.matchAll(selector)].map((m) => Object.fromEntries([...m[0].matchAll(/data-([a-z-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])));
const trancheBars = (html: string) => attrs(html, /<rect class="bar tranche"[^>]*>/g);

describe('renderCaseFileHtml over the example scenarios', () => {
  it.each(['perpetual-adl-cascade', 'ccp-member-default', 'perpetual-insurance-fund'])('%s: one self-contained page per default, figures as in the case file', async (name) => {
    const run = simulateScenario(name);
    try {
      expect(run.summary.defaults.length).toBeGreaterThan(0);
      for (const d of run.summary.defaults) {
        const cf = await caseFile(run.dir, d.defaultId);
        const html = renderCaseFileHtml(cf);

        // structure: a whole document, every section, nothing fetched or run
        expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
        expect(html.trimEnd().endsWith('</html>')).toBe(true);
        for (const id of ['timeline', 'defaulter', 'waterfall', 'allocation', 'haircuts', 'invariants', 'signatures']) expect(html).toContain(`<section id="${id}">`);
        expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|href="(?!#)|url\(|@import/i);
        expect(html).toContain(esc(d.defaultId));
        // deterministic: the same journals give the same bytes
        expect(renderCaseFileHtml(await caseFile(run.dir, d.defaultId))).toBe(html);

        // the waterfall: one bar per tranche, in order, with the exact amounts
        const bars = trancheBars(html);
        expect(bars.map((b) => Number(b['order']))).toEqual(d.tranches.map((t) => t.order).sort((a, b) => a - b));
        expect(bars.map((b) => cents(b['amount']!))).toEqual(cf.tranches.map((t) => cents(t.amount)));
        const total = bars.reduce((s, b) => s + cents(b['amount']!), 0n);
        expect(total).toBe(cents(d.marginApplied) + cents(d.deficit));
        const forwarded = bars.filter((b) => b['effect'] === 'forwarded').reduce((s, b) => s + cents(b['amount']!), 0n);
        expect(forwarded).toBe(cents(d.residual));

        // the allocation: every line, the total charged, and the bar that ends the waterfall
        const allocated = attrs(html, /<rect class="bar allocated"[^>]*>/g);
        if (d.allocation) {
          expect(allocated).toHaveLength(1);
          expect(cents(allocated[0]!['amount']!)).toBe(cents(d.allocation.charged));
          expect(html.indexOf('class="bar allocated"')).toBeGreaterThan(html.lastIndexOf('class="bar tranche"'));
          const lines = attrs(html, /<tr data-account="[^"]*" data-amount="[^"]*">/g);
          expect(lines).toHaveLength(cf.allocations.length);
          expect(lines.reduce((s, l) => s + cents(l['amount']!), 0n)).toBe(cents(d.allocation.charged));
          const [footer] = attrs(html, /<th class="num" data-total-charged="[^"]*">/g);
          expect(cents(footer!['total-charged']!)).toBe(cents(d.allocation.charged));
          // the histogram counts every account charged once, plus the eligible ones not hit
          const bins = attrs(html, /<rect class="bin"[^>]*>/g);
          expect(bins).toHaveLength(12);
          const counts = bins.map((b) => Number(b['count']));
          expect(counts.slice(1).reduce((a, b) => a + b, 0)).toBe(d.allocation.fairness.participantsHit);
          expect(counts.reduce((a, b) => a + b, 0)).toBe(cf.basis!.eligible);
        } else {
          expect(allocated).toEqual([]);
          expect(html).toContain('nothing was charged to participants');
        }

        // the invariants, each with its result
        const inv = attrs(html, /<tr class="(?:pass|fail)" data-invariant="[^"]*" data-ok="[^"]*">/g);
        expect(inv.map((r) => [r['invariant'], r['ok']])).toEqual(cf.invariants.map((r) => [r.name, String(r.ok)]));
        expect(html).toContain('data-invariants-failed="0"');

        // the latest anchor of each journal, verified, and the keys' provenance said
        const heads = attrs(html, /<tr data-journal="[^"]*" data-seq="[^"]*" data-verified="[^"]*" data-status="[^"]*">/g);
        expect(heads.map((h) => [h['journal'], Number(h['seq']), h['verified']])).toEqual(
          cf.signatures.journals.map((j) => [j.journal, j.latestAnchor!.seq, 'true']),
        );
        expect(html).toContain('DEVELOPMENT keyring');
        expect(html).toContain('came from the audited directory itself');
      }
    } finally {
      run.cleanup();
    }
  });
});

describe('renderCaseFileHtml on a crafted case file', () => {
  const hostile = '<script>alert("x")</script>&\'';
  const crafted: CaseFile = {
    defaultId: `default:${hostile}`,
    timeline: [{ journal: 'liquidation', seq: 4, id: 'liquidation:4', kind: 'event', type: `AccountDefaulted${hostile}`, occurredAt: '2025-10-10T20:00:00Z' }],
    defaulter: {
      accountId: hostile,
      memberId: hostile,
      marginApplied: '10',
      deficit: '90',
      positions: [{ instrumentId: hostile, side: 'long', quantity: '1', markPrice: '10', bankruptcyPrice: '100', contractSize: '1' }],
    },
    tranches: [
      { order: 2, kind: 'insurance-fund', trancheId: hostile, effect: 'covered', capacity: '40', amount: '40', remainingBefore: '90', remainingAfter: '50' },
      { order: 1, kind: 'defaulter-margin', trancheId: null, effect: 'recorded', capacity: '10', amount: '10', remainingBefore: '90', remainingAfter: '90' },
      { order: 3, kind: 'recovery-tool', trancheId: null, effect: 'forwarded', capacity: '50', amount: '50', remainingBefore: '50', remainingAfter: '0' },
    ].sort((a, b) => a.order - b.order),
    outcome: 'ResidualLossForwarded',
    covered: '40',
    residual: '50',
    policy: hostile,
    allocations: [
      { accountId: `a${hostile}`, memberId: 'm', amount: '30', profit: '100', shareOfProfit: '0.3' },
      { accountId: 'b', memberId: 'm', amount: '15', profit: '10', shareOfProfit: '1.5' },
      { accountId: 'c', memberId: 'm', amount: '5', profit: '0', shareOfProfit: null },
    ],
    unallocated: '0',
    fairness: {
      participantsHit: 3,
      totalCharged: '50',
      overshoot: '0',
      largestHaircutShareOfProfit: '0.3',
      largestHaircut: '30',
      gini: '0.4',
      topDecileShare: '0.6',
      notionalClosed: '0',
    },
    basis: { journal: 'margin', seq: 9, participants: 10, eligible: 7, profitReference: 'profit' },
    invariants: [
      { name: 'waterfall-complete', ok: true, detail: hostile, at: null },
      { name: 'allocation-conservation', ok: false, detail: `Σ ≠ residual ${hostile}`, at: { journal: 'loss-allocation', position: 3, recordId: hostile, field: 'payload.allocations' } },
    ],
    signatures: {
      keyring: { source: 'given', path: `keys/${hostile}`, development: false },
      warnings: [hostile],
      journals: [
        {
          journal: 'liquidation',
          records: 5,
          signedThrough: -1,
          latestAnchor: { seq: 9, hash: 'a'.repeat(64), signaturePrefix: `${hostile}…`, reason: 'default-closed', defaultId: hostile, origin: hostile, status: 'beyond-end', verified: false },
        },
        { journal: 'margin', records: null, signedThrough: -1, latestAnchor: null },
      ],
    },
  };

  it('escapes every text it did not write itself', () => {
    const html = renderCaseFileHtml(crafted);
    expect(html).not.toContain('<script');
    expect(html).not.toContain('alert("x")');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
  });

  it('a failed invariant is shown as such, in the header and in its row', () => {
    const html = renderCaseFileHtml(crafted);
    expect(html).toContain('data-invariants-failed="1"');
    expect(html).toMatch(/<tr class="fail" data-invariant="allocation-conservation" data-ok="false"><td><span class="pill fail">FAIL<\/span>/);
  });

  it('an anchor that does not verify is shown as such, with why', () => {
    const html = renderCaseFileHtml(crafted);
    expect(html).toMatch(/<tr data-journal="liquidation" data-seq="9" data-verified="false" data-status="beyond-end">.*<span class="pill fail">FAIL<\/span> journal ends before it \(truncated\)/);
    expect(html).toMatch(/<tr data-journal="margin" data-verified="false">.*no anchor/);
  });

  it('tranche bars follow the tranche order, then the charged bar', () => {
    const html = renderCaseFileHtml(crafted);
    expect(trancheBars(html).map((b) => b['kind'])).toEqual(['defaulter-margin', 'insurance-fund', 'recovery-tool']);
    expect(html.indexOf('class="bar allocated"')).toBeGreaterThan(html.indexOf('data-kind="recovery-tool"'));
  });

  it('the histogram bins haircuts by share of profit, with charges beyond profit apart', () => {
    const bins = haircutHistogram(crafted)!;
    const count = (label: string) => bins.find((b) => b.label === label)!.count;
    expect(count('30–40%')).toBe(1); // 30 of 100
    expect(count('> 100%')).toBe(2); // 15 of 10, and 5 of no profit
    expect(count('not hit')).toBe(4); // 7 eligible − 3 hit
    expect(bins.reduce((s, b) => s + b.count, 0)).toBe(7);
  });

  it('exactly 100% of profit falls in the last decile, not beyond', () => {
    const full: CaseFile = { ...crafted, allocations: [{ accountId: 'a', memberId: 'm', amount: '50', profit: '50', shareOfProfit: '1' }] };
    const bins = haircutHistogram(full)!;
    expect(bins.find((b) => b.label === '90–100%')!.count).toBe(1);
    expect(bins.find((b) => b.label === '> 100%')!.count).toBe(0);
  });

  it('esc covers the five HTML specials', () => {
    expect(esc(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
