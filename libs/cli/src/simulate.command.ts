import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseUntrustedJson, rejection, RejectionError } from '@ccp/contracts';
import { DECIDERS, loadScenario, readJournalKeys, simulate } from '@ccp/engine';
import { CliError, type CliIo, messageOf } from './cli-io';
import { action, type CliContext, EXIT_OK } from './cli-program';
import { formatOutcome } from './format-outcome';
import { progressReporter, type ProgressReporter, silentProgress } from './progress-reporter';

interface SimulateFlags {
  readonly out?: string;
  readonly keys?: string;
  readonly json?: boolean;
  readonly progress?: boolean;
}

export function simulateCommand(parent: Command, ctx: CliContext): void {
  parent
    .command('simulate')
    .summary('run a scenario through the embedded engine')
    .description(
      'Run a scenario through the embedded engine: prints the defaults, the waterfall tranche by tranche, the residual and the ' +
        'allocation. With --out, writes one journal per service, outcome.json, and anchors.jsonl + keyring.json: heads signed with ' +
        'the keys in --keys <dir> (ccp keys generate), else with the public development keys.',
    )
    .argument('<scenario.json>', 'the scenario (its format: ccp schema scenario)')
    .option('--out <dir>', 'write the journals, outcome.json, anchors.jsonl and keyring.json here (else the run stays in memory)')
    .option('--keys <dir>', 'sign the journal heads with the keys in this directory (ccp keys generate)')
    .option('--json', 'print the outcome summary as JSON, and nothing else on stdout')
    .option('--no-progress', 'no progress on stderr (a bar on a terminal, else a line every 10000 inputs)')
    .addHelpText('after', '\nExit codes: 0 the scenario ran; 1 a step was rejected (nothing is written); 2 a usage error or an\nunreadable file.')
    .action(action(ctx, 'ccp simulate', 1, (file: string, flags: SimulateFlags) => runSimulate(ctx.io, file, flags)));
}

function runSimulate(io: CliIo, file: string, flags: SimulateFlags): number {
  const scenario = readScenarioJson(file);
  let keys: ReturnType<typeof readJournalKeys> | undefined;
  try {
    keys = flags.keys === undefined ? undefined : readJournalKeys(flags.keys);
  } catch (error) {
    throw new CliError(`ccp simulate --keys: ${messageOf(error)}`, 2, error);
  }
  const progress = flags.progress === false ? silentProgress : simulateProgress(io, file, scenario);
  let result: ReturnType<typeof simulate>;
  try {
    result = simulate(scenario, DECIDERS, {
      ...(flags.out !== undefined ? { outDir: flags.out } : {}),
      ...(keys ? { keys } : {}),
      onProgress: (inputs) => progress.update(inputs),
    });
  } catch (error) {
    throw rejected(file, error);
  } finally {
    progress.stop();
  }
  io.stdout.write(flags.json ? `${JSON.stringify(result.summary, null, 2)}\n` : `${formatOutcome(result.summary)}\n`);
  if (flags.out !== undefined) (flags.json ? io.stderr : io.stdout).write(`\nJournals and outcome.json written to ${flags.out}\n`);
  return EXIT_OK;
}

/** A bar needs the number of inputs: counted (validated and generated once more) only when a terminal shows it. */
function simulateProgress(io: CliIo, file: string, scenario: unknown): ProgressReporter {
  let total: number | undefined;
  if (io.stderr.isTTY === true) {
    total = 0;
    try {
      for (const _ of loadScenario(scenario, DECIDERS)) total += 1;
    } catch (error) {
      throw rejected(file, error);
    }
  }
  return progressReporter(io.stderr, { label: 'simulate', unit: 'inputs', ...(total !== undefined ? { total } : {}) });
}

function rejected(file: string, error: unknown): unknown {
  return error instanceof RejectionError ? new CliError(`scenario ${file} rejected: ${error.message}`, 1, error) : error;
}

/**
 * A JSON file from outside (a scenario): unreadable or not JSON is a usage error (exit 2); a
 * forbidden key (`__proto__`, `constructor`, `prototype`) anywhere is a rejection naming its path
 * (exit 1) — the scenario format reads payloads as records, which would otherwise drop a
 * `__proto__` key silently.
 */
export function readScenarioJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${messageOf(error)}`, 2, error);
  }
  const json = parseUntrustedJson(text);
  if (json.ok) return json.value;
  if (json.reason === 'invalid_json') throw new CliError(`${path} is not valid JSON: ${json.message}`, 2);
  throw new CliError(`scenario ${path} rejected: ${new RejectionError(rejection('malformed', json.path, json.message)).message}`, 1);
}
