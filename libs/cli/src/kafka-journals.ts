import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KEYRING_FILE } from '@ccp/contracts';
import { CliError, type CliIo, messageOf } from './cli-io';

/**
 * `ccp audit verify --kafka`: the four journal topics copied byte for byte into a temporary folder
 * of file journals by the Kafka runtime's export (KAFKA_BROKERS, CCP_TOPIC_NAMESPACE or
 * --namespace), which the audit then verifies like any other journal directory. The export runs
 * as its own process: the CLI does not link the Kafka runtime (the module boundaries keep
 * `type:cli` off `type:runtime`).
 */
export const EXPORT_JOURNALS_SCRIPT = resolve(__dirname, '..', '..', 'kafka-runtime', 'src', 'export-journals.main.ts');

/**
 * The keyring to check the exported journals against when none is given: the configured one
 * (CCP_JOURNAL_KEYRING_FILE, else $CCP_JOURNAL_KEYS_DIR/keyring.json), not the copy the export
 * leaves beside the journals.
 */
export function configuredKeyring(env: CliIo['env']): string | undefined {
  const file = env['CCP_JOURNAL_KEYRING_FILE'];
  if (file) return file;
  const dir = env['CCP_JOURNAL_KEYS_DIR'];
  return dir ? join(dir, KEYRING_FILE) : undefined;
}

/** Runs `use` on a fresh export of the journal topics; the folder is removed afterwards (also on SIGINT / SIGTERM). */
export async function withExportedJournals(io: CliIo, namespace: string | undefined, use: (dir: string) => Promise<number>): Promise<number> {
  const dir = mkdtempSync(join(io.env['TMPDIR'] || tmpdir(), 'ccp-kafka-journals.'));
  const onSignal = (signal: NodeJS.Signals) => {
    rmSync(dir, { recursive: true, force: true });
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const exported = await exportJournals(io, dir, namespace);
    return exported === 0 ? await use(dir) : exported;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The export's exit code; what it says goes to stderr (stdout stays the audit's). */
function exportJournals(io: CliIo, dir: string, namespace: string | undefined): Promise<number> {
  const env = { ...io.env, ...(namespace !== undefined ? { CCP_TOPIC_NAMESPACE: namespace } : {}) };
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['-r', require.resolve('@swc-node/register'), EXPORT_JOURNALS_SCRIPT, dir], { cwd: io.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => io.stderr.write(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => io.stderr.write(chunk.toString('utf8')));
    child.on('error', (error) => fail(new CliError(`ccp audit verify --kafka: cannot run the journal export: ${messageOf(error)}`, 2, error)));
    child.on('close', (code) => done(code ?? 1));
  });
}
