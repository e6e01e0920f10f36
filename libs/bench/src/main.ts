import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchClients, CLIENT_MODES, clientRate, type ClientComparisonConfig } from './client-comparison';
import { summarizeCpuProfile } from './cpu-profile';
import type { ChildMode, ChildRequest, ChildResult } from './crash-child';
import { crashFamilyScenario } from './crash-scenario';
import { growthSvg } from './growth-svg';
import { transportPayloads } from './journal-payloads';
import { BreachMismatchError, benchMarginSize, type MarginSizeResult } from './margin-bench';
import { GROWTH_SVG, growthSeries, renderBenchmarks } from './report';
import { loadResults, saveSection, SECTIONS, thisMachine, type CrashSizeResult, type ProfileResult, type SectionData, type SectionName } from './results';
import { fmt, int, ratio } from './timing';
import { benchTransport, type TransportConfig } from './transport-bench';

/**
 * `npm run bench [-- --quick] [--only transport,margin,crash,profile] [--verify-all] [--render]`: the transport ceiling
 * and the Kafka client comparison (kafkajs against the candidates in .tools/kafka-clients, ADR 0011),
 * margin breach search, the crash family (simulate / parse-only / audit verify, 12.5k → 100k
 * accounts, each step in its own process for its peak RSS) and CPU profiles; each part's figures go
 * to docs/bench/results/<part>.json and BENCHMARKS.md + docs/bench/growth.svg are re-rendered from
 * the latest figures of every part. Benchmarks, not tests: nothing fails on a timer. It exits
 * non-zero only when results disagree (a bug) or a part cannot run (no broker).
 */

const ROOT = resolve(__dirname, '../../..');
const CHILD = join(__dirname, 'crash-child.ts');
const argv = process.argv.slice(2);
const USAGE = `usage: npm run bench [-- --quick] [--only ${SECTIONS.join(',')}] [--verify-all] [--render]
  --quick        smaller sizes (a few minutes)
  --only PARTS   run only these parts (comma-separated); the others keep their saved figures
  --verify-all   also audit-verify the 100k-account journal (~2.5 min of CPU more)
  --render       re-render BENCHMARKS.md and the growth chart from the saved figures, run nothing
The pipeline through the four services is measured by libs/bench/src/pipeline.main.ts (--help there).`;
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
{
  const known = new Set(['--quick', '--only', '--verify-all', '--render']);
  const unknown = argv.find((a, i) => a.startsWith('-') && !known.has(a) && argv[i - 1] !== '--only');
  if (unknown !== undefined) {
    process.stderr.write(`bench: unknown option '${unknown}'\n${USAGE}\n`);
    process.exit(2);
  }
}
const quick = argv.includes('--quick');
const verifyAll = argv.includes('--verify-all');

function parseOnly(): SectionName[] {
  if (argv.includes('--render')) return []; // re-render BENCHMARKS.md and the chart from the saved figures
  const i = argv.indexOf('--only');
  if (i < 0) return [...SECTIONS];
  const raw = argv[i + 1];
  if (!raw) throw new Error(`--only needs a comma-separated list of ${SECTIONS.join(', ')}`);
  const names = raw.split(',').map((s) => s.trim());
  for (const n of names) if (!(SECTIONS as readonly string[]).includes(n)) throw new Error(`--only: unknown part '${n}'; parts are ${SECTIONS.join(', ')}`);
  return names as SectionName[];
}

const SIZES = {
  margin: quick ? [10_000, 12_500, 25_000] : [10_000, 12_500, 25_000, 50_000, 100_000, 1_000_000],
  crash: quick ? [12_500, 25_000] : [12_500, 25_000, 50_000, 100_000],
  /** audit verify of the 100k journal alone takes ~2.5 min of CPU here: only with --verify-all, to keep the full run under ~10 min */
  verifyUpTo: verifyAll ? Number.POSITIVE_INFINITY : 50_000,
  profile: 12_500,
  transport: (quick
    ? { singleMessages: 1_000, messages: 10_000, batchSize: 500, payloadAccounts: 2_000 }
    : { singleMessages: 5_000, messages: 50_000, batchSize: 500, payloadAccounts: 2_000 }) satisfies TransportConfig,
  /** the same records as the transport part; five rounds, the clients' order alternating (the median is reported) */
  clients: (quick
    ? { messages: 10_000, batchSize: 500, rounds: 1, exactlyOnceCount: 20 }
    : { messages: 50_000, batchSize: 500, rounds: 5, exactlyOnceCount: 100 }) satisfies ClientComparisonConfig,
};

function reexecWithGc(): never {
  // --expose-gc for heap-per-account figures; a larger old space for the 1M-account state.
  const result = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', '--max-old-space-size=6144', ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, CCP_BENCH_CHILD: '1' },
  });
  process.exit(result.status ?? 1);
}

const log = (s: string): void => void process.stdout.write(`${s}\n`);

/** Runs one crash-child step in a fresh process (same node flags), optionally under the CPU profiler. */
function child(mode: ChildMode, accounts: number, dir: string, cpuProf?: { dir: string; name: string }): ChildResult {
  const request: ChildRequest = { mode, root: ROOT, accounts, dir };
  const flags = process.execArgv.filter((a) => a !== '--expose-gc');
  const prof = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf.dir}`, `--cpu-prof-name=${cpuProf.name}`] : [];
  const result = spawnSync(process.execPath, [...flags, ...prof, CHILD, JSON.stringify(request)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  const line = result.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (result.status !== 0 || !line) throw new Error(`crash-child ${mode} at ${accounts} accounts failed (exit ${String(result.status)}${result.signal ? `, ${result.signal}` : ''})`);
  return JSON.parse(line.slice('RESULT '.length)) as ChildResult;
}

async function runTransport(): Promise<SectionData['transport']> {
  const config = SIZES.transport;
  // an unlimited fund: no allocation-basis records among the payloads (MB-sized; chunked separately)
  const scenario = crashFamilyScenario(ROOT, config.payloadAccounts, '1000000000');
  log(`transport: payloads from ${scenario.name} (unlimited insurance fund)`);
  const payloads = transportPayloads(scenario, `${scenario.name} (insurance fund 1,000,000,000 USD)`, Math.max(config.messages, SIZES.clients.messages));
  const r = await benchTransport(config, payloads, log);
  const eps = (run: { messages: number; ms: number }) => int(run.messages / (run.ms / 1000));
  log(`  median payload ${int(r.pool.medianBytes)} B; single ${eps(r.single)}/s, batched ${eps(r.batched)}/s, transactional ${eps(r.transactional)}/s, consume ${eps(r.consumeCommitted)}/s, end to end ${eps(r.endToEnd)}/s`);
  const clientsConfig = SIZES.clients;
  log(`transport: Kafka clients, ${int(clientsConfig.messages)} records, ${clientsConfig.rounds} round(s)`);
  const clients = await benchClients(ROOT, clientsConfig, payloads.messages.slice(0, clientsConfig.messages), log);
  for (const c of clients.clients.filter((x) => x.status === 'measured'))
    log(`  ${c.label}: ${CLIENT_MODES.map((mode) => `${mode} ${int(clientRate(c, mode, clientsConfig.messages) ?? 0)}/s`).join(', ')}`);
  return { ...r, clients };
}

function runMargin(): SectionData['margin'] {
  const margin: MarginSizeResult[] = [];
  for (const n of SIZES.margin) {
    log(`margin: ${int(n)} accounts`);
    margin.push(benchMarginSize(n, log));
    const last = margin[margin.length - 1]!;
    for (const m of last.marks)
      log(`  ${m.label.padEnd(20)} breached ${int(m.breached).padStart(7)}  examined ${int(m.indexedExamined).padStart(7)} vs ${int(m.naiveExamined).padStart(9)}  ${fmt(m.indexedMs, 3)} ms vs ${fmt(m.naiveMs, 3)} ms  ${ratio(m.naiveMs / Math.max(m.indexedMs, 1e-6))}`);
    if (global.gc) global.gc();
  }
  return margin;
}

function runCrash(): SectionData['crash'] {
  const rows: CrashSizeResult[] = [];
  for (const accounts of SIZES.crash) {
    const base = mkdtempSync(join(tmpdir(), 'ccp-bench-crash-'));
    const dir = join(base, 'journals');
    try {
      log(`crash: ${int(accounts)} accounts`);
      const simulate = child('simulate', accounts, dir);
      log(`  simulate ${fmt(simulate.ms / 1000, 1)} s: ${int(simulate.records)} records, ${fmt(simulate.bytes / 2 ** 20, 0)} MiB, ${int(simulate.run?.defaults ?? 0)} defaults / ${int(simulate.run?.socialized ?? 0)} socialized, peak RSS ${fmt(simulate.maxRssBytes / 2 ** 20, 0)} MiB`);
      const parse = child('parse', accounts, dir);
      if (parse.records !== simulate.records) throw new Error(`parse-only read ${parse.records} records, simulate wrote ${simulate.records}`);
      log(`  parse-only ${fmt(parse.ms / 1000, 2)} s`);
      let verify: ChildResult | null = null;
      if (accounts <= SIZES.verifyUpTo) {
        verify = child('verify', accounts, dir);
        if (verify.records !== simulate.records) throw new Error(`verify read ${verify.records} records, simulate wrote ${simulate.records}`);
        log(`  verify ${fmt(verify.ms / 1000, 1)} s (${fmt((100 * parse.ms) / verify.ms, 1)}% of parse-only speed), peak RSS ${fmt(verify.maxRssBytes / 2 ** 20, 0)} MiB`);
      } else log('  verify skipped (--verify-all to include it)');
      rows.push({ accounts, simulate, parse, verify });
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  }
  return rows;
}

function runProfile(): SectionData['profile'] {
  const accounts = SIZES.profile;
  const base = mkdtempSync(join(tmpdir(), 'ccp-bench-profile-'));
  const dir = join(base, 'journals');
  const profDir = join(base, 'profiles');
  mkdirSync(profDir);
  try {
    log(`profile: ${int(accounts)} accounts (node --cpu-prof)`);
    const simulate = child('simulate', accounts, dir, { dir: profDir, name: 'simulate.cpuprofile' });
    const verify = child('verify', accounts, dir, { dir: profDir, name: 'verify.cpuprofile' });
    log('  serialize: canonicalJson vs JSON.stringify over the journal');
    const serialize = child('serialize', accounts, dir);
    const result: ProfileResult = {
      accounts,
      simulate: { ms: simulate.ms, summary: summarizeCpuProfile(join(profDir, 'simulate.cpuprofile'), ROOT) },
      verify: { ms: verify.ms, summary: summarizeCpuProfile(join(profDir, 'verify.cpuprofile'), ROOT) },
      serialize: { records: serialize.records, bytes: serialize.bytes, ...serialize.serialize! },
    };
    for (const [name, p] of [
      ['simulate', result.simulate.summary],
      ['verify', result.verify.summary],
    ] as const)
      log(`  ${name}: ${p.places
        .slice(0, 3)
        .map((x) => `${x.frame} ${fmt(100 * x.share, 0)}%`)
        .join(', ')}`);
    return result;
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

async function runSection(section: SectionName): Promise<SectionData[SectionName]> {
  switch (section) {
    case 'transport':
      return runTransport();
    case 'margin':
      return runMargin();
    case 'crash':
      return runCrash();
    case 'profile':
      return runProfile();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const only = parseOnly();
  const command = `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;
  for (const section of SECTIONS.filter((s) => only.includes(s))) {
    const t0 = performance.now();
    const loadStart = loadavg().map((x) => Math.round(x * 100) / 100);
    const data = await runSection(section);
    saveSection(ROOT, {
      section,
      measuredAt: new Date().toISOString(),
      command,
      quick,
      runSeconds: (performance.now() - t0) / 1000,
      machine: thisMachine(),
      loadAverage: { start: loadStart, end: loadavg().map((x) => Math.round(x * 100) / 100) },
      data,
    } as Parameters<typeof saveSection>[1]);
    log(`${section}: ${fmt((performance.now() - t0) / 1000, 0)} s`);
  }
  const results = loadResults(ROOT);
  const pipelineFile = join(ROOT, 'docs/bench/pipeline.md');
  const pipeline = existsSync(pipelineFile) ? readFileSync(pipelineFile, 'utf8') : undefined;
  const restartFile = join(ROOT, 'docs/bench/restart.md');
  const restart = existsSync(restartFile) ? readFileSync(restartFile, 'utf8') : undefined;
  writeFileSync(join(ROOT, 'BENCHMARKS.md'), renderBenchmarks(results, thisMachine(), command, pipeline, restart));
  const series = growthSeries(results);
  if (series.length > 0) {
    mkdirSync(join(ROOT, 'docs/bench'), { recursive: true });
    writeFileSync(join(ROOT, GROWTH_SVG), growthSvg('Cost as accounts double (relative to the smallest size)', series));
  }
  log(`wrote BENCHMARKS.md${series.length > 0 ? ` and ${GROWTH_SVG}` : ''} (${fmt((performance.now() - started) / 1000, 0)} s)`);
}

if (process.env['CCP_BENCH_CHILD'] !== '1' && typeof global.gc !== 'function') reexecWithGc();
main().catch((error: unknown) => {
  if (error instanceof BreachMismatchError) log(`MISMATCH (a bug): ${error.message}`);
  else log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
