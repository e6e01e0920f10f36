import { CommanderError } from 'commander';
import { auditCommand } from './audit.command';
import { CliError, type CliIo, messageOf, processIo, stackOf } from './cli-io';
import { type CliContext, EXIT_FAILED, rootCommand } from './cli-program';
import { keysCommand } from './keys.command';
import { schemaCommand } from './schema.command';
import { simulateCommand } from './simulate.command';
import { studyCommand } from './study.command';
import { tokensCommand } from './tokens.command';

const ROOT_HELP_AFTER = `
Run 'ccp <command> --help' (or 'ccp help <command>') for a command's arguments and options.

Exit codes: 0 success; 1 a domain failure (an audit finding, a rejected scenario, an allocation not
reproduced); 2 a usage error (unknown command or option, missing or bad argument, unreadable file).
Set CCP_DEBUG=1 to add the stack of an unexpected error to its one-line message.`;

/** ccp and every command, parsed by commander; the actions leave their exit code in `ctx`. */
export function ccpProgram(ctx: CliContext) {
  const program = rootCommand(ctx.io)
    .description('ccp — the clearinghouse command line: run scenarios through the embedded engine, audit journals, make keys and tokens, replay studies.')
    .addHelpText('after', ROOT_HELP_AFTER);
  simulateCommand(program, ctx);
  auditCommand(program, ctx);
  keysCommand(program, ctx);
  tokensCommand(program, ctx);
  studyCommand(program, ctx);
  schemaCommand(program, ctx);
  return program;
}

/**
 * Runs `ccp <argv>` and resolves to its exit code; never throws. A usage error or a failure is one
 * line on stderr (with CCP_DEBUG=1, plus the stack of an unexpected error).
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const ctx: CliContext = { io, exitCode: 0 };
  try {
    await ccpProgram(ctx).parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    // commander has written its message (help, version, or the usage line) already
    if (error instanceof CommanderError) return error.exitCode;
    const debug = io.env['CCP_DEBUG'] === '1';
    if (error instanceof CliError) {
      io.stderr.write(`${error.message}\n`);
      const stack = stackOf(error.underlying);
      if (debug && stack !== undefined) io.stderr.write(`${stack}\n`);
      return error.exitCode;
    }
    io.stderr.write(`ccp: ${messageOf(error)}\n`);
    const stack = stackOf(error);
    if (debug && stack !== undefined) io.stderr.write(`${stack}\n`);
    return EXIT_FAILED;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
