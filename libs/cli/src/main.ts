import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { RejectionError } from '@ccp/contracts';
import { caseFile, verifyJournals } from '@ccp/audit';
import { DECIDERS, scenarioFile, simulate } from '@ccp/engine';
import { formatOutcome } from './format-outcome';

const USAGE = `usage:
  ccp simulate <scenario.json> [--out <dir>] [--json]
      run a scenario through the embedded engine; writes one journal per service and outcome.json
  ccp audit verify <journal-dir>
      check every hash chain, re-decide every input, check every default's waterfall and allocation;
      exit 0 only if all holds, else name the first offending record (journal, position, field) and why
  ccp audit default <defaultId> --journals <journal-dir>
      the case file of one default as JSON: timeline, defaulter, tranches, residual, allocations, invariants
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
    case 'audit': {
      const [sub, ...args] = rest;
      const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { journals: { type: 'string' } } });
      if (sub === 'verify') {
        const dir = positionals[0] ?? fail(USAGE);
        void verifyJournals(dir, DECIDERS).then((report) => {
          for (const j of report.journals) process.stdout.write(`  ${j.producer.padEnd(16)} ${String(j.records).padStart(9)} records   head ${j.headHash}\n`);
          if (report.ok) {
            process.stdout.write(`audit verify: OK — hash chains intact, every input re-decided to identical events, ${report.defaultsChecked} defaults conserved to the cent\n`);
            return;
          }
          const f = report.firstFinding!;
          process.stdout.write(`audit verify: FAILED — ${report.findings.length} finding(s); first: ${f.journal} position ${f.position} (${f.recordId ?? '-'}) ${f.field}: ${f.reason}\n`);
          process.exitCode = 1;
        });
        return;
      }
      if (sub === 'default') {
        const defaultId = positionals[0] ?? fail(USAGE);
        const dir = values.journals ?? fail(USAGE);
        void caseFile(dir, defaultId).then((file) => process.stdout.write(`${JSON.stringify(file, null, 2)}\n`));
        return;
      }
      return fail(USAGE);
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
