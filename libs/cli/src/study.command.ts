import { existsSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { counterfactual, formatFinding, verifyJournals } from '@ccp/audit';
import { DECIDERS } from '@ccp/engine';
import { runHyperliquidStudy, type StudyAuditor } from '@ccp/hyperliquid-study';
import { CliError, type CliIo } from './cli-io';
import { action, type CliContext, EXIT_FAILED, EXIT_OK } from './cli-program';
import { progressReporter } from './progress-reporter';

export const STUDIES = ['hyperliquid-2025-10-10'] as const;

interface StudyFlags {
  readonly out?: string;
  readonly journals?: string;
  readonly data?: string;
  readonly progress?: boolean;
}

export function studyCommand(parent: Command, ctx: CliContext): void {
  parent
    .command('study')
    .summary('replay the 2025-10-10 Hyperliquid ADL as one journaled default, audit it, write the report')
    .description(
      'Replay the 2025-10-10 Hyperliquid ADL as one journaled default through the four deciders, audit the journals (verify, a ' +
        'counterfactual per policy) and write the report and chart.',
    )
    .argument('<study>', `the study: ${STUDIES.join(', ')}`)
    .option('--out <dir>', 'where the report and chart go (default docs/studies)')
    .option('--journals <dir>', 'where the journals go, replaced (default tmp/studies/hyperliquid-2025-10-10)')
    .option('--data <dir>', 'the published data (default ../shared/data/hyperliquid-2025-10-10)')
    .option('--no-progress', 'no progress on stderr (a line per phase; the audit as a bar on a terminal)')
    .addHelpText('after', '\nExit codes: 0 the study reproduces; 1 the audit failed, a figure differs from the table or the\nrecorded allocation was not reproduced; 2 a usage error or missing data.')
    .action(
      action(ctx, 'ccp study', 2, async (name: string, flags: StudyFlags, command: Command) => {
        if (!(STUDIES as readonly string[]).includes(name)) command.error(`error: unknown study '${name}' (one of: ${STUDIES.join(', ')})`);
        return runStudy(ctx.io, flags);
      }),
    );
}

async function runStudy(io: CliIo, flags: StudyFlags): Promise<number> {
  const root = io.cwd;
  const dataDir = resolve(root, flags.data ?? join('..', 'shared', 'data', 'hyperliquid-2025-10-10'));
  const outDir = resolve(root, flags.out ?? join('docs', 'studies'));
  const journalDir = resolve(root, flags.journals ?? join('tmp', 'studies', 'hyperliquid-2025-10-10'));
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) throw new CliError(`ccp study: data directory ${dataDir} does not exist (--data)`, 2);
  const say = flags.progress === false ? () => undefined : (line: string) => void io.stderr.write(`study: ${line}\n`);
  // the study library reports no progress of its own: its phases are told from here (before the run, and through the auditor)
  say(`importing ${relative(root, dataDir) || '.'} and journaling the default in ${relative(root, journalDir) || '.'}`);
  const result = await runHyperliquidStudy({
    dataDir,
    outDir,
    journalDir,
    dataDirLabel: relative(root, dataDir) || '.',
    journalDirLabel: relative(root, journalDir) || '.',
    auditor: studyAuditor(io, flags.progress !== false, say),
  });
  const audit = result.audit!;
  const equal = audit.rows.filter((r) => r.equal).length;
  io.stdout.write(
    `study hyperliquid-2025-10-10: ${result.imported.accepted.length} accounts kept, ${result.imported.rejected.length} rejected; ${result.basis.included.length} in the basis\n` +
      `  default ${result.journal.residual.defaultId}: residual ${result.journal.residual.residual}, ${result.journal.inputs} inputs journaled in ${journalDir}\n` +
      `  audit verify ${audit.verify.ok ? 'OK' : `FAILED: ${audit.verify.firstFinding ?? ''}`}; counterfactual figures equal to the table for ${equal} of ${audit.rows.length} policies; recorded allocation ${result.recordedReproduced ? 'reproduced' : 'NOT reproduced'}\n` +
      `  wrote ${relative(root, result.reportPath)}, ${relative(root, result.chartPath)}\n`,
  );
  return audit.verify.ok && equal === audit.rows.length && result.recordedReproduced ? EXIT_OK : EXIT_FAILED;
}

/** @ccp/audit as the study's auditor: the same functions `ccp audit verify` and `ccp audit counterfactual` run, with their progress. */
function studyAuditor(io: CliIo, showProgress: boolean, say: (line: string) => void): StudyAuditor {
  let counterfactuals = 0;
  return {
    verify: async (dir) => {
      say('audit verify of the journals');
      const progress = showProgress ? progressReporter(io.stderr, { label: 'study: audit verify', unit: 'records' }) : null;
      try {
        const report = await verifyJournals(dir, DECIDERS, progress ? { onProgress: (p) => progress.update(p.recordsRead, `${p.journal} seq ${p.position}`) } : {});
        const f = report.firstFinding;
        return { ok: report.ok, defaultsChecked: report.defaultsChecked, firstFinding: f === null ? null : formatFinding(f) };
      } finally {
        progress?.stop();
      }
    },
    counterfactual: async (dir, defaultId, policy, params) => {
      counterfactuals += 1;
      say(`counterfactual ${counterfactuals}: ${policy}`);
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
}
