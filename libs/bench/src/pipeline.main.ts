import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runPipelineBench } from './pipeline-bench';

/**
 * node -r @swc-node/register libs/bench/src/pipeline.main.ts [--accounts N] [--shocks K] [--profile-shocks P] [--crash 12500,25000|none] [--raw-batch B]
 * Prints the markdown section and writes it to docs/bench/pipeline.md (the figures as a JSON line on stdout: `FIGURES {…}`).
 * Needs the Kafka broker (KAFKA_BROKERS) and PostgreSQL (DATABASE_URL).
 */

const ROOT = resolve(__dirname, '../../..');

function intArg(argv: readonly string[], name: string, fallback: number, min: number): number {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const raw = argv[i + 1];
  const n = Number(raw);
  if (!raw || !Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}; got ${String(raw)}`);
  return n;
}

function crashArg(argv: readonly string[]): number[] {
  const i = argv.indexOf('--crash');
  if (i < 0) return [100_000];
  const raw = argv[i + 1];
  if (!raw) throw new Error('--crash needs a comma-separated list of account counts, or none');
  if (raw === 'none') return [];
  return raw.split(',').map((x) => {
    const n = Number(x.trim().replace(/_/g, ''));
    if (!Number.isInteger(n) || n < 2 || n % 2 !== 0) throw new Error(`--crash: '${x}' is not an even account count`);
    return n;
  });
}

const USAGE = 'usage: node -r @swc-node/register libs/bench/src/pipeline.main.ts [--accounts N] [--shocks K] [--profile-shocks P] [--crash 12500,25000|none] [--raw-batch B]';
const OPTIONS = new Set(['--accounts', '--shocks', '--profile-shocks', '--crash', '--raw-batch']);

async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n  needs the Kafka broker (KAFKA_BROKERS) and PostgreSQL (DATABASE_URL); writes docs/bench/pipeline.md\n`);
    return;
  }
  for (let i = 0; i < argv.length; i += 2) {
    if (!OPTIONS.has(argv[i]!)) {
      process.stderr.write(`pipeline bench: unknown option '${argv[i]}'\n${USAGE}\n`);
      process.exit(2);
    }
  }
  const accounts = intArg(argv, '--accounts', 2_000, 2);
  if (accounts % 2 !== 0) throw new Error(`--accounts must be even (long/short pairs); got ${accounts}`);
  const { markdown, figures } = await runPipelineBench({
    root: ROOT,
    accounts,
    shocks: intArg(argv, '--shocks', 10, 1),
    profileShocks: intArg(argv, '--profile-shocks', 2, 0),
    crashSizes: crashArg(argv),
    rawBatchSize: intArg(argv, '--raw-batch', 500, 1),
  });
  process.stdout.write(`\n${markdown}\n`);
  mkdirSync(join(ROOT, 'docs/bench'), { recursive: true });
  writeFileSync(join(ROOT, 'docs/bench/pipeline.md'), `${markdown}\n`);
  process.stdout.write(`FIGURES ${JSON.stringify(figures)}\nwrote docs/bench/pipeline.md\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
