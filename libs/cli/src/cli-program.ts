import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, type ErrorOptions, type HelpContext, InvalidArgumentError } from 'commander';
import { CliError, type CliIo, messageOf } from './cli-io';

/** Exit codes of every command. */
export const EXIT_OK = 0;
/** a domain failure: the audit found something, a scenario was rejected, an allocation was not reproduced */
export const EXIT_FAILED = 1;
/** a usage error: unknown command or option, a missing or bad argument */
export const EXIT_USAGE = 2;

/** What every command's action gets: where to write, and where to leave its exit code. */
export interface CliContext {
  readonly io: CliIo;
  exitCode: number;
}

/** `audit verify` for the verify subcommand of audit; '' for ccp itself. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * A commander message (`error: unknown option '--x'\n(Did you mean --y?)`) as the one line ccp
 * prints: `ccp: unknown option '--x' for 'audit verify' — did you mean --y? (see 'ccp audit verify --help')`.
 */
export function usageLine(command: Command, message: string): string {
  const path = commandPath(command);
  const [first = '', ...rest] = message
    .replace(/^error: /, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  let text = first.replace(/\.$/, '');
  const hint = rest
    .map((l) => l.replace(/^\((.*)\)$/, '$1'))
    .map((l) => ` — ${l.charAt(0).toLowerCase()}${l.slice(1)}`)
    .join('');
  if (path !== '') {
    // name the command where the clause that says what is wrong ends: before `. Expected …` or ` (or …)`
    text = text.replace(` for '${command.name()}'`, ` for '${path}'`);
    const ends = [text.indexOf('. '), text.indexOf(' (')].filter((i) => i >= 0);
    const stop = ends.length === 0 ? text.length : Math.min(...ends);
    const [head, tail] = [text.slice(0, stop), text.slice(stop)];
    const where = head.includes(` for '${path}'`) || head.startsWith(`'${path}'`) ? head : `${head} for '${path}'`;
    text = tail.startsWith('. ') ? `${where}: ${tail.charAt(2).toLowerCase()}${tail.slice(3)}` : `${where}${tail}`;
  }
  const help = path === '' ? 'ccp --help' : `ccp ${path} --help`;
  return `ccp: ${text}${hint} (see '${help}')`;
}

/**
 * commander's Command with ccp's usage errors: every parse error (unknown command or option,
 * missing argument, bad value, a missing subcommand) is one line on stderr and exit code 2.
 */
export class CcpCommand extends Command {
  override createCommand(name?: string): Command {
    return new CcpCommand(name);
  }

  override error(message: string, errorOptions?: ErrorOptions): never {
    return super.error(usageLine(this, message), { code: errorOptions?.code ?? 'ccp.usage', exitCode: EXIT_USAGE });
  }

  /** commander shows the whole help on stderr when a command that only groups others is run bare; ccp says what is missing. */
  override help(context?: HelpContext): never;
  override help(cb: (str: string) => string): never;
  override help(context?: HelpContext | ((str: string) => string)): never {
    if (typeof context === 'object' && context.error) {
      const names = this.commands.map((c) => c.name()).filter((n) => n !== 'help');
      const ask = this.parent ? `'${commandPath(this)}' needs a command` : 'name a command';
      this.error(`error: ${ask}: ${names.join(', ')}`, { code: 'ccp.missingCommand' });
    }
    return super.help(context as HelpContext);
  }
}

/** The root package.json's version: the one the workspace releases. */
export function ccpVersion(): string {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : '0.0.0';
}

/** The root command, configured so that every subcommand made with `.command()` inherits it. */
export function rootCommand(io: CliIo): CcpCommand {
  const width = (columns: number | undefined) => Math.min(Math.max(columns ?? 100, 60), 120);
  return (
    new CcpCommand('ccp')
      .configureOutput({
        writeOut: (text) => void io.stdout.write(text),
        writeErr: (text) => void io.stderr.write(text),
        getOutHelpWidth: () => width(io.stdout.columns),
        getErrHelpWidth: () => width(io.stderr.columns),
        getOutHasColors: () => false,
        getErrHasColors: () => false,
      })
      // throw instead of exiting: runCli turns a CommanderError into the exit code
      .exitOverride()
      .showSuggestionAfterError(true)
      .configureHelp({ sortSubcommands: false, sortOptions: false })
      .version(ccpVersion(), '-V, --version', 'print the version of ccp')
      .helpOption('-h, --help', 'show this help')
      .helpCommand('help [command]', 'show the help of a command')
  );
}

/** Wraps a command's action: its exit code lands in the context; an unexpected error becomes one line, `<label>: <message>`. */
export function action<A extends unknown[]>(ctx: CliContext, label: string, unexpectedExitCode: 1 | 2, run: (...args: A) => number | Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      ctx.exitCode = await run(...args);
    } catch (error) {
      if (error instanceof CliError || error instanceof CommanderError) throw error;
      throw new CliError(`${label}: ${messageOf(error)}`, unexpectedExitCode, error);
    }
  };
}

/** A parser for an option's value that refuses what `accept` does not (commander: exit 2, naming the option). */
export function parsedValue<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (error) {
      throw new InvalidArgumentError(messageOf(error));
    }
  };
}

/** Repeatable options: `--anchors a --anchors b` collects both. */
export function collect(value: string, previous: readonly string[] = []): string[] {
  return [...previous, value];
}

export function positiveInteger(text: string): number {
  if (!/^[1-9][0-9]{0,14}$/.test(text)) throw new InvalidArgumentError('must be a positive whole number');
  return Number(text);
}
