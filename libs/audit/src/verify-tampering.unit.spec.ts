import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ANCHORS_FILE, EventEnvelope, KEYRING_FILE, Producer, PRODUCERS } from '@ccp/contracts';
import { readLines, reseal, simulateScenario, writeLines } from './audit-test-support';
import { verifyJournals } from './verify-journals';

/**
 * Tampering anywhere is detected and pinpointed (issue 5): a property over every journal and line of
 * a recorded scenario — one byte changed, a record deleted, two records swapped — and a table of the
 * parameter events of each journal, changed with and without re-sealing the chain.
 * Each run re-verifies four whole journals, so the default number of runs is modest.
 */
const RUNS = Number(process.env.FC_RUNS ?? 40);
/** a generous ceiling per property (not an assertion about speed) */
const PROPERTY_TIMEOUT_MS = Math.max(60_000, RUNS * 1_000);

let run: ReturnType<typeof simulateScenario>;
let pristine: Record<Producer, string[]>;
beforeAll(() => {
  run = simulateScenario('perpetual-adl-cascade');
  pristine = Object.fromEntries(PRODUCERS.map((p) => [p, readLines(run.dir, p)])) as Record<Producer, string[]>;
});
afterAll(() => run.cleanup());

/** Verifies the scenario's journals with one of them replaced. */
async function verifyWith(journal: Producer, lines: readonly string[]) {
  const root = mkdtempSync(join(tmpdir(), 'ccp-tamper-'));
  try {
    for (const p of PRODUCERS) writeLines(root, p, p === journal ? lines : pristine[p]);
    for (const file of [ANCHORS_FILE, KEYRING_FILE]) copyFileSync(join(run.dir, file), join(root, file));
    return await verifyJournals(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const journalArb = fc.constantFrom(...PRODUCERS);

describe('tampering: property over every journal and line', () => {
  it('the untouched journals verify clean (the baseline of these properties)', async () => {
    const report = await verifyWith('margin', pristine.margin);
    expect(report.findings).toEqual([]);
  });

  it('one byte changed in any record: the first finding is that journal, that line', async () => {
    await fc.assert(
      fc.asyncProperty(journalArb, fc.nat(), fc.nat(), fc.integer({ min: 0x20, max: 0x7e }), async (journal, lineSeed, offsetSeed, code) => {
        const lines = [...pristine[journal]];
        const i = lineSeed % lines.length;
        const line = lines[i]!;
        const at = offsetSeed % line.length;
        const replacement = String.fromCharCode(code);
        fc.pre(line[at] !== replacement);
        lines[i] = line.slice(0, at) + replacement + line.slice(at + 1);

        const report = await verifyWith(journal, lines);
        expect(report.ok).toBe(false);
        expect(report.firstFinding).toMatchObject({ journal, position: i });
        expect(report.firstFinding!.field).toMatch(/^[a-zA-Z]/);
      }),
      { numRuns: RUNS },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('a record deleted (not the last): the chain breaks at its line', async () => {
    await fc.assert(
      fc.asyncProperty(journalArb, fc.nat(), async (journal, seed) => {
        const lines = [...pristine[journal]];
        const i = seed % (lines.length - 1);
        lines.splice(i, 1);
        const report = await verifyWith(journal, lines);
        expect(report.firstFinding).toMatchObject({ journal, position: i, recordId: `${journal}:${i + 1}` });
        expect(['seq', 'id', 'prevHash']).toContain(report.firstFinding!.field);
      }),
      { numRuns: RUNS },
    );
  }, PROPERTY_TIMEOUT_MS);

  it('the last record deleted: the decision it completed is reported missing, or its consumer cites a record that is gone', async () => {
    for (const journal of PRODUCERS) {
      const lines = pristine[journal].slice(0, -1);
      const report = await verifyWith(journal, lines);
      expect(report.ok).toBe(false);
      const gone = `${journal}:${lines.length}`;
      expect(report.findings.some((f) => (f.journal === journal && f.position === lines.length) || f.recordId === gone || f.reason.includes(gone))).toBe(true);
    }
  });

  it('two adjacent records swapped: the chain breaks at the first of them', async () => {
    await fc.assert(
      fc.asyncProperty(journalArb, fc.nat(), async (journal, seed) => {
        const lines = [...pristine[journal]];
        const i = seed % (lines.length - 1);
        [lines[i], lines[i + 1]] = [lines[i + 1]!, lines[i]!];
        const report = await verifyWith(journal, lines);
        expect(report.firstFinding).toMatchObject({ journal, position: i, recordId: `${journal}:${i + 1}` });
        expect(['seq', 'id', 'prevHash']).toContain(report.firstFinding!.field);
      }),
      { numRuns: RUNS },
    );
  }, PROPERTY_TIMEOUT_MS);
});

type Payload = Record<string, unknown>;
/** The parameter event of each journal, a change to it, and the payload field that change touches. */
const PARAMETER_EVENTS: readonly [Producer, string, (p: Payload) => Payload, string][] = [
  ['margin', 'InstrumentListed', (p) => ({ ...p, maintenanceMarginRate: '0.02' }), 'payload.maintenanceMarginRate'],
  ['liquidation', 'LiquidationParametersSet', (p) => ({ ...p, liquidationFeeRate: '0.001' }), 'payload.liquidationFeeRate'],
  [
    'default-fund',
    'WaterfallConfigured',
    (p) => ({ ...p, tranches: [...(p['tranches'] as Payload[])].reverse() }),
    'payload.tranches[0].kind',
  ],
  ['loss-allocation', 'AllocationPolicySet', (p) => ({ ...p, params: { closeWholePosition: true } }), 'payload.params.closeWholePosition'],
];

describe('tampering: a parameter event changed', () => {
  const forge = (journal: Producer, type: string, change: (p: Payload) => Payload) => {
    const records = pristine[journal].map((l) => JSON.parse(l) as EventEnvelope);
    const i = records.findIndex((r) => r.kind === 'event' && r.type === type);
    expect(i).toBeGreaterThan(0);
    const forged = records.map((r, k) => (k === i ? { ...r, payload: change(r.payload as Payload) } : r));
    return { i, forged: forged.map((r) => JSON.stringify(r)) };
  };

  it.each(PARAMETER_EVENTS)('%s %s, chain not re-sealed: pinpointed to the field, and the edit named', async (journal, type, change, field) => {
    const { i, forged } = forge(journal, type, change);
    const report = await verifyWith(journal, forged);
    expect(report.firstFinding).toMatchObject({ journal, position: i, recordId: `${journal}:${i}`, field });
    expect(report.firstFinding!.reason).toMatch(/hash does not match/);
  });

  it.each(PARAMETER_EVENTS)('%s %s, chain re-sealed by the forger: re-deciding its input still pinpoints the field', async (journal, type, change, field) => {
    const { i, forged } = forge(journal, type, change);
    const report = await verifyWith(journal, reseal(forged));
    expect(report.firstFinding).toMatchObject({ journal, position: i, recordId: `${journal}:${i}`, field });
    expect(report.firstFinding!.reason).toMatch(/re-deciding/);
    expect(report.firstFinding!.reason).not.toMatch(/hash does not match/);
  });
});
