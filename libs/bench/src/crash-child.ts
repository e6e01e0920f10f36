import { statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { verifyJournals } from '@ccp/audit';
import { canonicalJson, PRODUCERS } from '@ccp/contracts';
import { DECIDERS, journalFileName, readJournalLines, simulate } from '@ccp/engine';
import { Decimal } from '@ccp/money';
import { crashFamilyScenario } from './crash-scenario';

/**
 * One measured step of the crash benchmark, alone in its own process so its peak RSS is its own:
 *   node -r @swc-node/register crash-child.ts '{"mode":"simulate","root":…,"accounts":100000,"dir":…}'
 * modes: simulate (writes the journals into dir), parse (read + JSON.parse every line), verify
 * (verifyJournals), serialize (canonicalJson vs JSON.stringify of every parsed record: where the
 * journal's byte form costs). Prints one line `RESULT <json>` on stdout.
 */

export type ChildMode = 'simulate' | 'parse' | 'verify' | 'serialize';

export interface ChildRequest {
  readonly mode: ChildMode;
  readonly root: string;
  readonly accounts: number;
  readonly dir: string;
}

export interface ChildResult {
  readonly mode: ChildMode;
  readonly accounts: number;
  readonly ms: number;
  /** user + system CPU time of the process during the step (less sensitive than wall time to other load on the machine) */
  readonly cpuMs: number;
  /** process.resourceUsage().maxRSS, bytes */
  readonly maxRssBytes: number;
  readonly records: number;
  readonly bytes: number;
  /** simulate only */
  /** serialize only: time spent in each step over all records */
  readonly serialize?: { parseMs: number; canonicalJsonMs: number; stringifyMs: number };
  readonly run?: { scenario: string; insuranceFund: string; inputs: number; breaches: number; fills: number; defaults: number; socialized: number; deficit: string; residual: string };
}

/** Baseline: read every journal line and JSON.parse it, nothing else. */
export async function parseOnly(dir: string): Promise<number> {
  let records = 0;
  for (const p of PRODUCERS) {
    for await (const line of readJournalLines(join(dir, journalFileName(p)))) {
      JSON.parse(line.text);
      records += 1;
    }
  }
  return records;
}

const journalBytes = (dir: string): number => PRODUCERS.reduce((sum, p) => sum + statSync(join(dir, journalFileName(p))).size, 0);

const cpuNowMs = (): number => {
  const usage = process.resourceUsage();
  return (usage.userCPUTime + usage.systemCPUTime) / 1000;
};

async function run(request: ChildRequest): Promise<ChildResult> {
  const cpu0 = cpuNowMs();
  const result = await step(request);
  return { ...result, cpuMs: cpuNowMs() - cpu0 };
}

async function step(request: ChildRequest): Promise<Omit<ChildResult, 'cpuMs'>> {
  const base = { mode: request.mode, accounts: request.accounts };
  switch (request.mode) {
    case 'simulate': {
      const scenario = crashFamilyScenario(request.root, request.accounts);
      const deposit = scenario.steps.find((s) => s.type === 'DepositInsuranceFund');
      const t0 = performance.now();
      const { summary } = simulate(scenario, DECIDERS, { outDir: request.dir });
      const ms = performance.now() - t0;
      return {
        ...base,
        ms,
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
        records: PRODUCERS.reduce((sum, p) => sum + summary.journals[p].records, 0),
        bytes: journalBytes(request.dir),
        run: {
          scenario: scenario.name,
          insuranceFund: deposit?.payload?.amount ?? '?',
          inputs: summary.inputs,
          breaches: summary.breaches,
          fills: summary.liquidationFills,
          defaults: summary.defaults.length,
          socialized: summary.defaults.filter((d) => new Decimal(d.residual).gt(0)).length,
          deficit: summary.totals.deficit,
          residual: summary.totals.residual,
        },
      };
    }
    case 'parse': {
      const t0 = performance.now();
      const records = await parseOnly(request.dir);
      const ms = performance.now() - t0;
      return { ...base, ms, maxRssBytes: process.resourceUsage().maxRSS * 1024, records, bytes: journalBytes(request.dir) };
    }
    case 'serialize': {
      let parseMs = 0;
      let canonicalJsonMs = 0;
      let stringifyMs = 0;
      let records = 0;
      for (const p of PRODUCERS) {
        for await (const line of readJournalLines(join(request.dir, journalFileName(p)))) {
          const t0 = performance.now();
          const record = JSON.parse(line.text) as unknown;
          const t1 = performance.now();
          const canonical = canonicalJson(record);
          const t2 = performance.now();
          JSON.stringify(record);
          const t3 = performance.now();
          if (canonical !== line.text) throw new Error(`${p} line ${line.position}: canonicalJson of the parsed record differs from the journal line`);
          parseMs += t1 - t0;
          canonicalJsonMs += t2 - t1;
          stringifyMs += t3 - t2;
          records += 1;
        }
      }
      return { ...base, ms: parseMs + canonicalJsonMs + stringifyMs, maxRssBytes: process.resourceUsage().maxRSS * 1024, records, bytes: journalBytes(request.dir), serialize: { parseMs, canonicalJsonMs, stringifyMs } };
    }
    case 'verify': {
      const t0 = performance.now();
      const report = await verifyJournals(request.dir);
      const ms = performance.now() - t0;
      if (!report.ok) throw new Error(`verifyJournals failed on ${request.dir}: ${JSON.stringify(report.firstFinding)}`);
      const records = report.journals.reduce((sum, j) => sum + j.records, 0);
      return { ...base, ms, maxRssBytes: process.resourceUsage().maxRSS * 1024, records, bytes: journalBytes(request.dir) };
    }
  }
}

function parseRequest(raw: string | undefined): ChildRequest {
  if (!raw) throw new Error('crash-child: pass the request as one JSON argument');
  const r = JSON.parse(raw) as Partial<ChildRequest>;
  if (r.mode !== 'simulate' && r.mode !== 'parse' && r.mode !== 'verify' && r.mode !== 'serialize') throw new Error(`crash-child: mode must be simulate, parse, verify or serialize; got ${String(r.mode)}`);
  if (typeof r.root !== 'string') throw new Error('crash-child: root must be a path');
  if (typeof r.dir !== 'string') throw new Error('crash-child: dir must be a path');
  if (typeof r.accounts !== 'number' || !Number.isInteger(r.accounts) || r.accounts < 2) throw new Error('crash-child: accounts must be an integer ≥ 2');
  return r as ChildRequest;
}

if (require.main === module) {
  run(parseRequest(process.argv[2])).then(
    (result) => process.stdout.write(`RESULT ${JSON.stringify(result)}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
