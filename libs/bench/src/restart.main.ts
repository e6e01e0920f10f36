import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { benchRestart, restartSection } from './restart-bench';

/**
 * node -r @swc-node/register libs/bench/src/restart.main.ts [--accounts N] [--tail T]
 * Restart of margin on a journal of ≥ 1,000,000 records: snapshot + tail against the full fold, same
 * run (restart-bench.ts). Writes docs/bench/restart.md (included in BENCHMARKS.md) and prints it.
 * Needs the Kafka broker (KAFKA_BROKERS) and PostgreSQL (DATABASE_URL).
 */
const ROOT = resolve(__dirname, '../../..');
const USAGE = 'usage: node -r @swc-node/register libs/bench/src/restart.main.ts [--accounts N (default 120000)] [--tail T (default 20000)]';

function intArg(argv: readonly string[], name: string, fallback: number, min: number): number {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const raw = argv[i + 1];
  const n = Number(raw?.replace(/_/g, ''));
  if (!raw || !Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}; got ${String(raw)}`);
  return n;
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n  needs the Kafka broker (KAFKA_BROKERS) and PostgreSQL (DATABASE_URL); writes docs/bench/restart.md\n`);
    return;
  }
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] !== '--accounts' && argv[i] !== '--tail') {
      process.stderr.write(`restart bench: unknown option '${argv[i]}'\n${USAGE}\n`);
      process.exit(2);
    }
  }
  const accounts = intArg(argv, '--accounts', 120_000, 2);
  if (accounts % 2 !== 0) throw new Error(`--accounts must be even (long/short pairs); got ${accounts}`);
  const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092').split(',').map((b) => b.trim());
  const load = loadavg()[0]!;
  const result = await benchRestart(ROOT, { accounts, tail: intArg(argv, '--tail', 20_000, 1), brokers }, (line) => process.stderr.write(`${line}\n`));
  const cpu = cpus()[0]?.model.split(' ').slice(0, 2).join(' ') ?? 'cpu';
  const measured = `Measured ${new Date().toISOString()} on ${cpu} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}; load average ${load.toFixed(1)} at the start → ${loadavg()[0]!.toFixed(1)} at the end (2 cores: above 2, other work competed)`;
  const markdown = restartSection(result, measured);
  mkdirSync(join(ROOT, 'docs/bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'docs/bench/restart.md'), markdown);
  writeFileSync(join(ROOT, 'docs/bench/results/restart.json'), `${JSON.stringify({ measured, result }, null, 2)}\n`);
  process.stdout.write(`\n${markdown}\nwrote docs/bench/restart.md\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
