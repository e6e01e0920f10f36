import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { RejectionError } from '@ccp/contracts';
import { DECIDERS, scenarioFile, simulate } from '@ccp/engine';
import { formatOutcome } from './format-outcome';

const USAGE = `usage:
  ccp simulate <scenario.json> [--out <dir>] [--json]
      run a scenario through the embedded engine; writes one journal per service and outcome.json
  ccp schema scenario [--out <file>]
      print (or write) the JSON Schema of the scenario format`;

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    fail(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    fail(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

export function main(argv: string[]): void {
  const [command, ...rest] = argv;
  switch (command) {
    case 'simulate': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { out: { type: 'string' }, json: { type: 'boolean' } } });
      const file = positionals[0] ?? fail(USAGE);
      const scenario = readJson(file);
      try {
        const result = simulate(scenario, DECIDERS, {
          ...(values.out ? { outDir: values.out } : {}),
          onProgress: (n) => process.stderr.write(`… ${n} inputs applied\r`),
        });
        process.stdout.write(values.json ? `${JSON.stringify(result.summary, null, 2)}\n` : `${formatOutcome(result.summary)}\n`);
        if (values.out) process.stdout.write(`\nJournals and outcome.json written to ${values.out}\n`);
      } catch (error) {
        if (error instanceof RejectionError) fail(`scenario ${file} rejected: ${error.message}`, 1);
        throw error;
      }
      return;
    }
    case 'schema': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { out: { type: 'string' } } });
      if (positionals[0] !== 'scenario') fail(USAGE);
      const schema = `${JSON.stringify(z.toJSONSchema(scenarioFile, { io: 'input' }), null, 2)}\n`;
      if (values.out) {
        mkdirSync(dirname(values.out), { recursive: true });
        writeFileSync(values.out, schema);
      } else process.stdout.write(schema);
      return;
    }
    default:
      fail(USAGE);
  }
}

if (require.main === module) main(process.argv.slice(2));
