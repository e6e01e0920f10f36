import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { RejectionError } from '@ccp/contracts';
import { caseFile, counterfactual, CounterfactualError, parseParamArguments, renderCaseFileHtml, verifyJournals, VerifyProgress } from '@ccp/audit';
import { DECIDERS, scenarioFile, simulate } from '@ccp/engine';
import { runHyperliquidStudy, StudyAuditor } from '@ccp/hyperliquid-study';
import { formatCounterfactual } from './format-counterfactual';
import { formatOutcome } from './format-outcome';

const USAGE = `usage:
  ccp simulate <scenario.json> [--out <dir>] [--json]
      run a scenario through the embedded engine; writes one journal per service and outcome.json
  ccp audit verify <journal-dir> [--progress] [--progress-every <n>]
      check every hash chain, re-decide every input, check every default's waterfall and allocation;
      exit 0 only if all holds, else name the first offending record (journal, position, field) and why.
      Progress goes to stderr every n records (default 10000) when stderr is a terminal or with --progress
  ccp audit default <journal-dir> <defaultId> [--html <file>]      (or: <defaultId> --journals <journal-dir>)
      the case file of one default as JSON on stdout: timeline, defaulter, tranches, residual, allocations,
      invariants; --html also writes it as a self-contained HTML report (waterfall chart, haircut histogram)
  ccp audit counterfactual <journal-dir> <defaultId> --policy <name> [--variant <v>] [--param k=v ...] [--json]
      re-run the recorded default's allocation on its recorded basis under another policy or parameters
      (the journals are only read); recorded vs counterfactual side by side, and whether the recorded
      allocation is reproduced byte for byte (exit 1 if not). --policy recorded re-runs the recorded one
  ccp study hyperliquid-2025-10-10 [--out <dir>] [--journals <dir>] [--data <dir>]
      replay the 2025-10-10 Hyperliquid ADL as one journaled default through the four deciders, audit the
      journals (verify, a counterfactual per policy) and write the report and chart. Defaults: --out
      docs/studies, --journals tmp/studies/hyperliquid-2025-10-10 (replaced), --data ../shared/data/hyperliquid-2025-10-10
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
    case 'audit':
      return audit(rest);
    case 'study':
      return study(rest);
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

/** parseArgs, its errors (unknown option, missing value) as a usage error */
function parsed<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    return fail(`${(error as Error).message}\n\n${USAGE}`);
  }
}

/** `<dir> <defaultId>`, or `<defaultId> --journals <dir>` */
function dirAndDefault(positionals: string[], journals: string | undefined): { dir: string; defaultId: string } {
  if (journals !== undefined) {
    if (positionals.length !== 1) fail(USAGE);
    return { dir: journals, defaultId: positionals[0]! };
  }
  if (positionals.length !== 2) fail(USAGE);
  return { dir: positionals[0]!, defaultId: positionals[1]! };
}

function requireDir(dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) fail(`journal directory ${dir} does not exist`);
}

const onError = (command: string) => (error: unknown) => {
  if (error instanceof CounterfactualError) fail(`ccp audit ${command}: ${error.message}`);
  process.stderr.write(`ccp audit ${command}: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(2);
};

function audit(rest: string[]): void {
  const [sub, ...args] = rest;
  switch (sub) {
    case 'verify': {
      const { values, positionals } = parsed(() => parseArgs({ args, allowPositionals: true, options: { progress: { type: 'boolean' }, 'progress-every': { type: 'string' } } }));
      if (positionals.length !== 1) fail(USAGE);
      const dir = positionals[0]!;
      requireDir(dir);
      const every = values['progress-every'] === undefined ? 10_000 : Number(values['progress-every']);
      if (!Number.isSafeInteger(every) || every < 1) fail(`--progress-every must be a positive integer, got ${values['progress-every']}`);
      const show = values.progress === true || process.stderr.isTTY === true;
      const started = performance.now();
      const onProgress = show
        ? (p: VerifyProgress) => {
            const seconds = (performance.now() - started) / 1000;
            const rate = seconds > 0 ? Math.round(p.recordsRead / seconds) : 0;
            process.stderr.write(`audit verify: ${p.recordsRead} records, ${rate} records/s — ${p.journal} seq ${p.position}${process.stderr.isTTY ? '\r' : '\n'}`);
          }
        : undefined;
      void verifyJournals(dir, DECIDERS, { ...(onProgress ? { onProgress } : {}), progressEvery: every })
        .then((report) => {
          if (show && process.stderr.isTTY) process.stderr.write('\n');
          for (const j of report.journals) process.stdout.write(`  ${j.producer.padEnd(16)} ${String(j.records).padStart(9)} records   head ${j.headHash}\n`);
          if (report.ok) {
            process.stdout.write(`audit verify: OK — hash chains intact, every input re-decided to identical events, ${report.defaultsChecked} defaults conserved to the cent\n`);
            return;
          }
          const f = report.firstFinding!;
          process.stdout.write(`audit verify: FAILED — ${report.findings.length} finding(s); first: ${f.journal} position ${f.position} (${f.recordId ?? '-'}) ${f.field}: ${f.reason}\n`);
          process.exitCode = 1;
        })
        .catch(onError('verify'));
      return;
    }
    case 'default': {
      const { values, positionals } = parsed(() => parseArgs({ args, allowPositionals: true, options: { journals: { type: 'string' }, html: { type: 'string' } } }));
      const { dir, defaultId } = dirAndDefault(positionals, values.journals);
      requireDir(dir);
      void caseFile(dir, defaultId)
        .then((file) => {
          process.stdout.write(`${JSON.stringify(file, null, 2)}\n`);
          if (values.html) {
            mkdirSync(dirname(values.html), { recursive: true });
            writeFileSync(values.html, renderCaseFileHtml(file));
            process.stderr.write(`case file of ${defaultId} written to ${values.html}\n`);
          }
          if (!file.defaulter) process.exitCode = 1;
        })
        .catch(onError('default'));
      return;
    }
    case 'counterfactual': {
      const { values, positionals } = parsed(() =>
        parseArgs({
          args,
          allowPositionals: true,
          options: { journals: { type: 'string' }, policy: { type: 'string' }, variant: { type: 'string' }, param: { type: 'string', multiple: true }, json: { type: 'boolean' } },
        }),
      );
      const { dir, defaultId } = dirAndDefault(positionals, values.journals);
      if (values.policy === undefined) fail(`--policy is required (a policy name, a policy key, or "recorded")\n\n${USAGE}`);
      requireDir(dir);
      let params: Record<string, string>;
      try {
        params = parseParamArguments(values.param ?? []);
      } catch (error) {
        return onError('counterfactual')(error);
      }
      void counterfactual(dir, defaultId, { policy: values.policy, ...(values.variant !== undefined ? { variant: values.variant } : {}), params })
        .then((report) => {
          process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatCounterfactual(report)}\n`);
          if (report.reproduced === false) process.exitCode = 1;
        })
        .catch(onError('counterfactual'));
      return;
    }
    default:
      fail(USAGE);
  }
}

/** @ccp/audit as the study's auditor: the same functions `ccp audit verify` and `ccp audit counterfactual` run. */
const studyAuditor: StudyAuditor = {
  verify: async (dir) => {
    const report = await verifyJournals(dir, DECIDERS);
    const f = report.firstFinding;
    return { ok: report.ok, defaultsChecked: report.defaultsChecked, firstFinding: f === null ? null : `${f.journal} position ${f.position} ${f.field}: ${f.reason}` };
  },
  counterfactual: async (dir, defaultId, policy, params) => {
    const report = await counterfactual(dir, defaultId, { policy, params });
    const c = report.counterfactual;
    return {
      reproduced: report.reproduced,
      figures: {
        totalCharged: c.totalCharged,
        unallocated: c.unallocated,
        overshoot: c.overshoot,
        participantsHit: c.participantsHit,
        largestHaircut: c.largestHaircut,
        largestHaircutShareOfProfit: c.largestHaircutShareOfProfit,
        gini: c.gini,
        topDecileShare: c.topDecileShare,
        notionalClosed: c.notionalClosed,
      },
    };
  },
};

const STUDIES = ['hyperliquid-2025-10-10'] as const;

function study(rest: string[]): void {
  const { values, positionals } = parsed(() =>
    parseArgs({ args: rest, allowPositionals: true, options: { out: { type: 'string' }, journals: { type: 'string' }, data: { type: 'string' } } }),
  );
  if (positionals.length !== 1 || !(STUDIES as readonly string[]).includes(positionals[0]!)) fail(`ccp study: name one study (${STUDIES.join(', ')})\n\n${USAGE}`);
  const root = process.cwd();
  const dataDir = resolve(values.data ?? join(root, '..', 'shared', 'data', 'hyperliquid-2025-10-10'));
  const outDir = resolve(values.out ?? join(root, 'docs', 'studies'));
  const journalDir = resolve(values.journals ?? join(root, 'tmp', 'studies', 'hyperliquid-2025-10-10'));
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) fail(`ccp study: data directory ${dataDir} does not exist (--data)`);
  void runHyperliquidStudy({ dataDir, outDir, journalDir, dataDirLabel: relative(root, dataDir) || '.', journalDirLabel: relative(root, journalDir) || '.', auditor: studyAuditor })
    .then((result) => {
      const audit = result.audit!;
      const equal = audit.rows.filter((r) => r.equal).length;
      process.stdout.write(
        `study hyperliquid-2025-10-10: ${result.imported.accepted.length} accounts kept, ${result.imported.rejected.length} rejected; ${result.basis.included.length} in the basis\n` +
          `  default ${result.journal.residual.defaultId}: residual ${result.journal.residual.residual}, ${result.journal.inputs} inputs journaled in ${journalDir}\n` +
          `  audit verify ${audit.verify.ok ? 'OK' : `FAILED: ${audit.verify.firstFinding ?? ''}`}; counterfactual figures equal to the table for ${equal} of ${audit.rows.length} policies; recorded allocation ${result.recordedReproduced ? 'reproduced' : 'NOT reproduced'}\n` +
          `  wrote ${relative(root, result.reportPath)}, ${relative(root, result.chartPath)}\n`,
      );
      if (!audit.verify.ok || equal !== audit.rows.length || !result.recordedReproduced) process.exitCode = 1;
    })
    .catch((error: unknown) => {
      process.stderr.write(`ccp study: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(2);
    });
}

if (require.main === module) main(process.argv.slice(2));
