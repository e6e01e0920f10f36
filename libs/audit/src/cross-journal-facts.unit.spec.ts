import { EventEnvelope, Producer, PRODUCERS } from '@ccp/contracts';
import { DECIDERS } from '@ccp/engine';
import { readLines, simulateScenario } from './audit-test-support';
import { CollectedFacts, CrossFinding, StreamingCrossChecks } from './cross-journal-facts';

/**
 * The streaming cross-journal checks vouch for journals only when the collected checks (every fact
 * of the four journals, checked at the end) find nothing: whatever they cannot vouch for, they give
 * back to the collected checks. Fed the records here directly, journal after journal.
 */
let run: ReturnType<typeof simulateScenario>;
let journals: Record<Producer, string[]>;
beforeAll(() => {
  run = simulateScenario('perpetual-adl-cascade');
  journals = Object.fromEntries(PRODUCERS.map((p) => [p, readLines(run.dir, p)])) as Record<Producer, string[]>;
});
afterAll(() => run.cleanup());

function check(edit: (j: Record<Producer, string[]>) => void): { streaming: boolean; spoiledBy: string | null; streamingDefaults: number; findings: CrossFinding[]; collectedDefaults: number } {
  const j = Object.fromEntries(PRODUCERS.map((p) => [p, [...journals[p]]])) as Record<Producer, string[]>;
  edit(j);
  const streaming = new StreamingCrossChecks(DECIDERS);
  const collected = new CollectedFacts(DECIDERS);
  for (const p of PRODUCERS) {
    streaming.begin(p);
    j[p].forEach((line, i) => {
      streaming.take(p, i, i, JSON.parse(line) as EventEnvelope, line);
      collected.collect(p, i, JSON.parse(line) as EventEnvelope);
    });
  }
  const findings: CrossFinding[] = [];
  const collectedDefaults = collected.check(() => true, (f) => findings.push(f));
  const ok = streaming.finish();
  return { streaming: ok, spoiledBy: streaming.spoiled, streamingDefaults: streaming.defaultsChecked, findings, collectedDefaults };
}

const indexOf = (lines: readonly string[], pattern: string): number => lines.findIndex((l) => l.includes(pattern));

describe('StreamingCrossChecks', () => {
  it('vouches for untouched journals, having checked every default', () => {
    const r = check(() => undefined);
    expect(r).toMatchObject({ streaming: true, spoiledBy: null, findings: [] });
    expect(r.streamingDefaults).toBe(run.summary.defaults.length);
    expect(r.collectedDefaults).toBe(run.summary.defaults.length);
  });

  it.each<[string, (j: Record<Producer, string[]>) => void]>([
    ['a routed input dropped (its wire event never applied)', (j) => j['default-fund'].splice(indexOf(j['default-fund'], '"type":"RunWaterfall"'), 1)],
    ['a routed input applied twice', (j) => {
      const i = indexOf(j.margin, '"type":"ApplyLiquidationFill"');
      j.margin.splice(i, 0, j.margin[i]!);
    }],
    ['a waterfall that never ends', (j) => {
      j['default-fund'] = j['default-fund'].filter((l) => !l.includes('"type":"DefaultCovered"') && !l.includes('"type":"ResidualLossForwarded"'));
    }],
    ['a journal emptied', (j) => {
      j['loss-allocation'] = [];
    }],
  ])('gives back to the collected checks: %s', (_name, edit) => {
    const r = check(edit);
    expect(r.streaming).toBe(false);
    expect(r.spoiledBy).toEqual(expect.any(String));
    expect(r.findings.length).toBeGreaterThan(0);
  });

  it('once spoiled, holds nothing more', () => {
    const s = new StreamingCrossChecks(DECIDERS);
    s.spoil('a journal is missing');
    s.begin('margin');
    journals.margin.forEach((line, i) => s.take('margin', i, i, JSON.parse(line) as EventEnvelope, line));
    expect(s.finish()).toBe(false);
    expect(s.spoiled).toBe('a journal is missing');
    expect(s.defaultsChecked).toBe(0);
  });
});
