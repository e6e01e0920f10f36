import { join, relative, resolve } from 'node:path';
import { runHyperliquidStudy } from './study';

/**
 * `node -r @swc-node/register libs/hyperliquid-study/src/main.ts [--data <dir>] [--out <dir>] [--journals <dir>]`
 * from the repository root. Defaults: the shared data folder next to the repository, docs/studies,
 * tmp/studies/hyperliquid-2025-10-10 (git-ignored).
 */
async function main(argv: readonly string[]): Promise<void> {
  const flag = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const root = process.cwd();
  const dataDir = resolve(flag('--data') ?? join(root, '..', 'shared', 'data', 'hyperliquid-2025-10-10'));
  const outDir = resolve(flag('--out') ?? join(root, 'docs', 'studies'));
  const journalDir = resolve(flag('--journals') ?? join(root, 'tmp', 'studies', 'hyperliquid-2025-10-10'));
  const result = await runHyperliquidStudy({
    dataDir,
    outDir,
    journalDir,
    dataDirLabel: relative(root, dataDir) || '.',
    journalDirLabel: relative(root, journalDir) || '.',
  });
  const h = result.headline.rows;
  process.stdout.write(
    `study hyperliquid-2025-10-10: ${result.imported.accepted.length} accounts kept, ${result.imported.rejected.length} rejected; ` +
      `basis ${result.basis.included.length} accounts; ${h.length} policies; journal ${result.journal.ok ? 'verified' : 'FAILED'} (${result.journal.records} records, head ${result.journal.headHash.slice(0, 12)}); ` +
      `recorded allocation ${result.recordedReproduced ? 'reproduced' : 'NOT reproduced'}\n  wrote ${relative(root, result.reportPath)}, ${relative(root, result.chartPath)}\n`,
  );
  if (!result.journal.ok || !result.recordedReproduced) process.exitCode = 1;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`study failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
