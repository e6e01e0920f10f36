import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyJournals } from '@ccp/audit';
import { PRODUCERS } from '@ccp/contracts';
import { DECIDERS, journalFileName, readJournalLines, simulate } from '@ccp/engine';
import { Decimal } from '@ccp/money';
import { median, timeMs, timeMsAsync } from './timing';

export const CRASH_SCENARIO = 'docs/scenarios/market-crash-10k.json';

export interface ReplayResult {
  readonly accounts: number;
  readonly inputs: number;
  readonly records: number;
  /** bytes of the four journal files */
  readonly bytes: number;
  readonly defaults: number;
  /** defaults whose residual went to loss allocation */
  readonly socialized: number;
  readonly simulateMs: number;
  readonly parseMs: number;
  readonly verifyMs: number;
}

interface Scenario {
  steps: { generate?: { kind: string; accounts?: number } }[];
  name: string;
}

/** The market-crash scenario with the population's account count replaced (same seed, shape and insurance fund). */
export function crashScenario(root: string, accounts: number): Scenario {
  const scenario = JSON.parse(readFileSync(join(root, CRASH_SCENARIO), 'utf8')) as Scenario;
  const population = scenario.steps.find((s) => s.generate?.kind === 'population');
  if (!population?.generate) throw new Error(`${CRASH_SCENARIO} has no population generator`);
  population.generate.accounts = accounts;
  scenario.name = `market-crash-${accounts}`;
  return scenario;
}

/** Baseline: read every journal line and JSON.parse it, nothing else. */
async function parseOnly(dir: string): Promise<number> {
  let records = 0;
  for (const p of PRODUCERS) {
    for await (const line of readJournalLines(join(dir, journalFileName(p)))) {
      JSON.parse(line.text);
      records += 1;
    }
  }
  return records;
}

export async function benchReplay(root: string, accounts: number, repeats: number): Promise<ReplayResult> {
  const scenario = crashScenario(root, accounts);
  const base = mkdtempSync(join(tmpdir(), 'ccp-bench-'));
  const dir = join(base, 'out');
  try {
    let summary!: ReturnType<typeof simulate>['summary'];
    const simulateMs = timeMs(() => {
      summary = simulate(scenario, DECIDERS, { outDir: dir }).summary;
    });
    const records = PRODUCERS.reduce((sum, p) => sum + summary.journals[p].records, 0);
    const bytes = PRODUCERS.reduce((sum, p) => sum + statSync(join(dir, journalFileName(p))).size, 0);
    const parseTimes: number[] = [];
    const verifyTimes: number[] = [];
    for (let r = 0; r < repeats; r += 1) {
      let parsed = 0;
      parseTimes.push(await timeMsAsync(async () => void (parsed = await parseOnly(dir))));
      if (parsed !== records) throw new Error(`parse-only read ${parsed} records, the engine wrote ${records}`);
      let ok = false;
      let finding = '';
      verifyTimes.push(
        await timeMsAsync(async () => {
          const report = await verifyJournals(dir);
          ok = report.ok;
          finding = JSON.stringify(report.firstFinding);
        }),
      );
      if (!ok) throw new Error(`verifyJournals failed on ${scenario.name}: ${finding}`);
    }
    return {
      accounts,
      inputs: summary.inputs,
      records,
      bytes,
      defaults: summary.defaults.length,
      socialized: summary.defaults.filter((d) => new Decimal(d.residual).gt(0)).length,
      simulateMs,
      parseMs: median(parseTimes),
      verifyMs: median(verifyTimes),
    };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
