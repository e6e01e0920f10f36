import type { Command } from 'commander';
import { generateJournalKeys } from '@ccp/contracts';
import { writeJournalKeys } from '@ccp/engine';
import { CliError, messageOf } from './cli-io';
import { action, type CliContext, EXIT_OK } from './cli-program';

interface GenerateFlags {
  readonly out: string;
  readonly force?: boolean;
}

export function keysCommand(parent: Command, ctx: CliContext): void {
  const keys = parent.command('keys').summary('signing keys of the four journals').description('Signing keys of the four journals (Ed25519).');
  keys
    .command('generate')
    .summary('fresh Ed25519 keys for the four journals, and their keyring')
    .description(
      'Fresh Ed25519 keys for the four journals: <journal>.key.pem (private, PKCS#8 PEM, mode 0600; each service gets only its own) ' +
        "and keyring.json (the public keys: for every reader, and for auditors' --keyring). CCP_JOURNAL_KEYS_DIR=<dir> uses them.",
    )
    .requiredOption('--out <dir>', 'the directory to write the keys to')
    .option('--force', 'replace existing key files (journals signed with the old keys then verify only against the old keyring)')
    .action(
      action(ctx, 'ccp keys generate', 2, (flags: GenerateFlags) => {
        let written: string[];
        try {
          written = writeJournalKeys(flags.out, generateJournalKeys(), flags.force === true);
        } catch (error) {
          throw new CliError(`ccp keys generate: ${messageOf(error)}`, 2, error);
        }
        for (const path of written) ctx.io.stdout.write(`  ${path}\n`);
        ctx.io.stdout.write(
          `ccp keys generate: keys of the four journals written to ${flags.out} — give each service only its own <journal>.key.pem (or CCP_JOURNAL_KEYS_DIR=${flags.out}), and keyring.json to every reader and auditor (ccp audit verify --keyring)\n`,
        );
        return EXIT_OK;
      }),
    );
}
