import { createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { KEYRING_FILE, PRODUCERS, SNAPSHOTS_FILE } from '@ccp/contracts';
import {
  caseFile,
  counterfactual,
  type ExpectedHead,
  type GivenKeyring,
  parseExpectedHead,
  parseParamArguments,
  readKeyringFile,
  renderCaseFileHtml,
  readSnapshotsFile,
  type SnapshotCheck,
  verifyJournals,
  verifySnapshots,
  type VerifyProgress,
} from '@ccp/audit';
import { DECIDERS, journalFileName } from '@ccp/engine';
import { CliError, type CliIo, messageOf } from './cli-io';
import { action, type CliContext, collect, EXIT_FAILED, EXIT_OK, parsedValue, positiveInteger } from './cli-program';
import { formatCounterfactual } from './format-counterfactual';
import { formatVerification } from './format-verify';
import { configuredKeyring, withExportedJournals } from './kafka-journals';
import { progressReporter, silentProgress } from './progress-reporter';

export const PROGRESS_EVERY_DEFAULT = 10_000;

export function auditCommand(parent: Command, ctx: CliContext): void {
  const audit = parent
    .command('audit')
    .summary('verify journals; the case file of a default; counterfactual allocations')
    .description('Audit journals as an outsider would: every record, chain, signature and anchor; one default as a case file; its allocation under other policies.');
  verifyCommand(audit, ctx);
  defaultCommand(audit, ctx);
  counterfactualCommand(audit, ctx);
}

interface VerifyFlags {
  readonly kafka?: boolean;
  readonly namespace?: string;
  readonly keyring?: string;
  readonly anchors?: string[];
  readonly expectHead?: ExpectedHead[];
  readonly json?: boolean;
  readonly progress?: boolean;
  readonly progressEvery: number;
}

function verifyCommand(audit: Command, ctx: CliContext): void {
  audit
    .command('verify')
    .summary('check every record, hash chain, signature, anchor and re-decided input of a journal directory')
    .description(
      "Check that every line is its record's canonical bytes, every hash chain, that each journal's owner signed its head " +
        "(keys: --keyring, else the directory's own keyring.json, with a warning), every anchor (the directory's anchors.jsonl and " +
        'each --anchors file) and pinned head against the journals (truncated, rewritten, missing); re-decide every input, check every ' +
        "default's waterfall and allocation; check each fold snapshot in the directory's snapshots.jsonl (--kafka exports the " +
        "services' from the database) against the fold of its journal. Names each offending record (journal, line, field) and why.",
    )
    .argument('[journal-dir]', 'the journal directory (ccp simulate --out, or a Kafka export); not with --kafka')
    .option('--kafka', 'verify the journal topics instead: copy them byte for byte (KAFKA_BROKERS, CCP_TOPIC_NAMESPACE) into a temporary folder first')
    .option('--namespace <ns>', 'with --kafka: the topic namespace (default CCP_TOPIC_NAMESPACE)')
    .option('--keyring <file>', "the journal owners' public keys (with --kafka default CCP_JOURNAL_KEYRING_FILE or $CCP_JOURNAL_KEYS_DIR/keyring.json)")
    .option('--anchors <file>', 'anchors the auditor holds, besides the directory\'s anchors.jsonl (repeatable)', collect)
    .option('--expect-head <journal=hash@seq>', 'pin a head: the journal reaches seq and its record there has the hash (repeatable)', (text: string, previous: ExpectedHead[] = []) => [...previous, parsedValue(parseExpectedHead)(text)])
    .option('--json', 'print the whole report as JSON, and nothing else on stdout (warnings go to stderr)')
    .option('--progress', 'progress on stderr also when it is not a terminal (default: only on a terminal)')
    .option('--no-progress', 'no progress, also on a terminal')
    .option('--progress-every <n>', 'a progress update every n records', positiveInteger, PROGRESS_EVERY_DEFAULT)
    .addHelpText('after', '\nExit codes: 0 everything holds; 1 a finding (each named on stdout); 2 a usage error, a missing\ndirectory or an unreadable keyring.')
    .action(
      action(ctx, 'ccp audit verify', 2, async (dir: string | undefined, flags: VerifyFlags, command: Command) => {
        if (flags.kafka === true) {
          if (dir !== undefined) command.error(`error: give a journal directory or --kafka, not both (got ${dir})`);
          const keyring = flags.keyring ?? configuredKeyring(ctx.io.env);
          return withExportedJournals(ctx.io, flags.namespace, (exported) => runVerify(ctx.io, exported, { ...flags, ...(keyring !== undefined ? { keyring } : {}) }));
        }
        if (flags.namespace !== undefined) command.error('error: --namespace goes with --kafka');
        if (dir === undefined) command.error("error: missing required argument 'journal-dir' (or --kafka)");
        return runVerify(ctx.io, dir, flags);
      }),
    );
}

async function runVerify(io: CliIo, dir: string, flags: VerifyFlags): Promise<number> {
  requireDir(dir);
  const keyring = givenKeyring(flags.keyring);
  const show = flags.progress === true || (flags.progress !== false && io.stderr.isTTY === true);
  const progress = show ? progressReporter(io.stderr, { label: 'audit verify', unit: 'records', ...(io.stderr.isTTY === true ? { total: await journalLines(dir) } : {}) }) : silentProgress;
  let report: Awaited<ReturnType<typeof verifyJournals>>;
  try {
    report = await verifyJournals(dir, DECIDERS, {
      ...(show ? { onProgress: (p: VerifyProgress) => progress.update(p.recordsRead, `${p.journal} seq ${p.position}`) } : {}),
      progressEvery: flags.progressEvery,
      ...(keyring ? { keyring } : {}),
      anchorFiles: flags.anchors ?? [],
      expectedHeads: flags.expectHead ?? [],
    });
  } finally {
    progress.stop();
  }
  const snapshots = await checkSnapshots(dir, keyring);
  const ok = report.ok && (snapshots?.every((c) => c.problem === null) ?? true);
  if (flags.json) {
    io.stdout.write(`${JSON.stringify(snapshots === null ? report : { ...report, ok, snapshots }, null, 2)}\n`);
    for (const w of report.warnings) io.stderr.write(`warning: ${w}\n`);
  } else {
    io.stdout.write(`${formatVerification(report)}\n`);
    if (snapshots !== null) io.stdout.write(`${formatSnapshotChecks(snapshots)}\n`);
  }
  return ok ? EXIT_OK : EXIT_FAILED;
}

/**
 * The fold snapshots exported beside the journals (snapshots.jsonl, docs/adr/0012-snapshots.md),
 * each checked against the fold of its journal; null when the directory has none. Checked against
 * the given keyring, else the directory's own (as the journals are).
 */
async function checkSnapshots(dir: string, given: GivenKeyring | undefined): Promise<SnapshotCheck[] | null> {
  const file = join(dir, SNAPSHOTS_FILE);
  if (!existsSync(file)) return null;
  try {
    const keyring = given?.keyring ?? readKeyringFile(join(dir, KEYRING_FILE));
    return await verifySnapshots(dir, readSnapshotsFile(file), keyring);
  } catch (error) {
    throw new CliError(`${file}: ${messageOf(error)}`, 2, error);
  }
}

function formatSnapshotChecks(checks: readonly SnapshotCheck[]): string {
  const bad = checks.filter((c) => c.problem !== null);
  const lines = [`snapshots: ${checks.length} checked against the fold of their journal; ${bad.length === 0 ? 'every one equals it' : `${bad.length} do NOT`}`];
  for (const c of bad) lines.push(`  ${c.producer} seq ${c.seq}: ${c.problem}`);
  return lines.join('\n');
}

/** Lines in the directory's journals: the total a progress bar counts towards. */
async function journalLines(dir: string): Promise<number> {
  let lines = 0;
  for (const producer of PRODUCERS) {
    const path = join(dir, journalFileName(producer));
    if (!existsSync(path)) continue;
    let last = 0x0a;
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) lines += 1;
      if (chunk.length > 0) last = chunk[chunk.length - 1]!;
    }
    if (last !== 0x0a) lines += 1;
  }
  return lines;
}

interface DefaultFlags {
  readonly journals?: string;
  readonly html?: string;
  readonly keyring?: string;
  readonly anchors?: string[];
}

function defaultCommand(audit: Command, ctx: CliContext): void {
  audit
    .command('default')
    .summary('the case file of one default as JSON (and as an HTML report)')
    .description(
      'The case file of one default as JSON on stdout: timeline, defaulter, tranches, residual, allocations, invariants, each ' +
        "journal's latest anchor and whether it verified; --html also writes it as a self-contained HTML report (waterfall chart, " +
        'haircut histogram, signed heads).',
    )
    .usage('[options] <journal-dir> <defaultId>\n       ccp audit default [options] <defaultId> --journals <journal-dir>')
    .argument('<journal-dir>', 'the journal directory (with --journals: the defaultId)')
    .argument('[defaultId]', 'the default (outcome.json lists them)')
    .option('--journals <journal-dir>', 'the journal directory, when it is not the first argument')
    .option('--html <file>', 'also write the case file as a self-contained HTML report')
    .option('--keyring <file>', "the journal owners' public keys (default the directory's own keyring.json, with a warning)")
    .option('--anchors <file>', "anchors the auditor holds, besides the directory's anchors.jsonl (repeatable)", collect)
    .addHelpText('after', '\nExit codes: 0 the case file of a recorded default; 1 no such default in the journals; 2 a usage\nerror or a missing directory.')
    .action(
      action(ctx, 'ccp audit default', 2, async (first: string, second: string | undefined, flags: DefaultFlags, command: Command) => {
        const { dir, defaultId } = dirAndDefault(command, first, second, flags.journals);
        requireDir(dir);
        const keyring = givenKeyring(flags.keyring);
        const file = await caseFile(dir, defaultId, { ...(keyring ? { keyring } : {}), anchorFiles: flags.anchors ?? [] });
        for (const w of file.signatures.warnings) ctx.io.stderr.write(`warning: ${w}\n`);
        ctx.io.stdout.write(`${JSON.stringify(file, null, 2)}\n`);
        if (flags.html !== undefined) {
          mkdirSync(dirname(flags.html), { recursive: true });
          writeFileSync(flags.html, renderCaseFileHtml(file));
          ctx.io.stderr.write(`case file of ${defaultId} written to ${flags.html}\n`);
        }
        return file.defaulter ? EXIT_OK : EXIT_FAILED;
      }),
    );
}

interface CounterfactualFlags {
  readonly journals?: string;
  readonly policy: string;
  readonly variant?: string;
  readonly param?: string[];
  readonly json?: boolean;
}

function counterfactualCommand(audit: Command, ctx: CliContext): void {
  audit
    .command('counterfactual')
    .summary("re-run a recorded default's allocation under another policy or parameters")
    .description(
      "Re-run the recorded default's allocation on its recorded basis under another policy or parameters (the journals are only " +
        'read): recorded vs counterfactual side by side, and whether the recorded allocation is reproduced byte for byte. ' +
        '--policy recorded re-runs the recorded one.',
    )
    .usage('[options] <journal-dir> <defaultId> --policy <name>\n       ccp audit counterfactual [options] <defaultId> --journals <journal-dir> --policy <name>')
    .argument('<journal-dir>', 'the journal directory (with --journals: the defaultId)')
    .argument('[defaultId]', 'the default (outcome.json lists them)')
    .requiredOption('--policy <name>', 'a policy name, a policy key, or "recorded"')
    .option('--variant <v>', "the policy's variant")
    .option('--param <k=v>', 'a policy parameter (repeatable)', collect)
    .option('--journals <journal-dir>', 'the journal directory, when it is not the first argument')
    .option('--json', 'print the whole report as JSON, and nothing else on stdout')
    .addHelpText('after', '\nExit codes: 0 done (and, where it applies, the recorded allocation reproduced); 1 the recorded\nallocation was not reproduced; 2 a usage error, a missing directory, an unknown policy or default.')
    .action(
      action(ctx, 'ccp audit counterfactual', 2, async (first: string, second: string | undefined, flags: CounterfactualFlags, command: Command) => {
        const { dir, defaultId } = dirAndDefault(command, first, second, flags.journals);
        requireDir(dir);
        const params = parseParamArguments(flags.param ?? []);
        const report = await counterfactual(dir, defaultId, { policy: flags.policy, ...(flags.variant !== undefined ? { variant: flags.variant } : {}), params });
        ctx.io.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatCounterfactual(report)}\n`);
        return report.reproduced === false ? EXIT_FAILED : EXIT_OK;
      }),
    );
}

/** `<dir> <defaultId>`, or `<defaultId> --journals <dir>` */
function dirAndDefault(command: Command, first: string, second: string | undefined, journals: string | undefined): { dir: string; defaultId: string } {
  if (journals !== undefined) {
    if (second !== undefined) command.error(`error: with --journals, give only the defaultId (got ${first} ${second})`);
    return { dir: journals, defaultId: first };
  }
  if (second === undefined) command.error("error: missing required argument 'defaultId' (or: <defaultId> --journals <journal-dir>)");
  return { dir: first, defaultId: second };
}

function requireDir(dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError(`journal directory ${dir} does not exist`, 2);
}

/** --keyring <file>: the journal owners' public keys, as the auditor holds them (a bad file is a usage error). */
function givenKeyring(path: string | undefined): GivenKeyring | undefined {
  if (path === undefined) return undefined;
  try {
    return { keyring: readKeyringFile(path), path };
  } catch (error) {
    throw new CliError(messageOf(error), 2, error);
  }
}
