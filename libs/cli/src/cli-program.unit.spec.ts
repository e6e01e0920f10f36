import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { capturedStream, runCcp } from './cli-test-support';
import { commandPath, usageLine } from './cli-program';
import { ccpProgram } from './main';

/** every command of the tree, depth first, without commander's implicit `help` */
function commandsOf(command: Command): Command[] {
  return command.commands.filter((c) => c.name() !== 'help').flatMap((c) => [c, ...commandsOf(c)]);
}

const program = ccpProgram({ io: { stdout: capturedStream(), stderr: capturedStream(), env: {}, cwd: process.cwd() }, exitCode: 0 });
const everyCommand = commandsOf(program);

describe('ccp --help and --version', () => {
  it('ccp --help lists every command with its summary, on stdout, exit 0', async () => {
    const run = await runCcp(['--help']);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^Usage: ccp \[options\] \[command\]\n/);
    for (const c of program.commands) {
      expect(c.summary() || c.description()).not.toBe('');
      expect(run.stdout).toMatch(new RegExp(`^ {2}${c.name()}\\b`, 'm'));
    }
    expect(run.stdout).toContain('Exit codes: 0 success; 1 a domain failure');
  });

  it('the commands a script runs are all there', () => {
    expect(everyCommand.map(commandPath)).toEqual([
      'simulate',
      'audit',
      'audit verify',
      'audit default',
      'audit counterfactual',
      'keys',
      'keys generate',
      'tokens',
      'tokens keys',
      'tokens issue',
      'study',
      'schema',
      'schema scenario',
    ]);
  });

  it.each(everyCommand.map((c) => [commandPath(c), c] as const))('ccp %s --help describes the command and every option', async (path, command) => {
    const run = await runCcp([...path.split(' '), '--help']);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(new RegExp(`^Usage: ccp ${path} `));
    expect(command.description()).not.toBe('');
    for (const option of command.options) {
      expect(option.description).not.toBe('');
      expect(run.stdout).toContain(option.flags);
    }
    for (const argument of command.registeredArguments) {
      expect(argument.description).not.toBe('');
      expect(run.stdout).toContain(argument.name());
    }
  });

  it('audit verify --help names each option with its description', async () => {
    const { stdout } = await runCcp(['audit', 'verify', '--help']);
    const line = (flag: string) => stdout.split('\n').find((l) => l.trimStart().startsWith(flag)) ?? '';
    expect(line('--kafka')).toContain('verify the journal topics instead');
    expect(line('--keyring <file>')).toContain("the journal owners' public keys");
    expect(line('--expect-head <journal=hash@seq>')).toContain('pin a head');
    expect(line('--progress-every <n>')).toContain('(default: 10000)');
  });

  it('ccp help <command> is ccp <command> --help', async () => {
    expect((await runCcp(['help', 'audit'])).stdout).toBe((await runCcp(['audit', '--help'])).stdout);
  });

  it('ccp --version prints the root package.json version', async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string };
    const run = await runCcp(['--version']);
    expect(run).toEqual({ exitCode: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe('usage errors: one line on stderr, exit 2, nothing on stdout', () => {
  it.each([
    ['an unknown command', ['frobnicate'], "ccp: unknown command 'frobnicate' (see 'ccp --help')"],
    ['a misspelt command', ['simulat', 'x.json'], "ccp: unknown command 'simulat' — did you mean simulate? (see 'ccp --help')"],
    ['an unknown subcommand', ['audit', 'frobnicate'], "ccp: unknown command 'frobnicate' for 'audit' (see 'ccp audit --help')"],
    ['no command', [], "ccp: name a command: simulate, audit, keys, tokens, study, schema (see 'ccp --help')"],
    ['no subcommand', ['tokens'], "ccp: 'tokens' needs a command: keys, issue (see 'ccp tokens --help')"],
    ['an unknown option', ['audit', 'verify', 'out/x', '--frobnicate'], "ccp: unknown option '--frobnicate' for 'audit verify' (see 'ccp audit verify --help')"],
    ['a misspelt option', ['audit', 'verify', 'out/x', '--keyrng', 'k'], "ccp: unknown option '--keyrng' for 'audit verify' — did you mean --keyring? (see 'ccp audit verify --help')"],
    ['an unknown root option', ['--frobnicate'], "ccp: unknown option '--frobnicate' (see 'ccp --help')"],
    ['a missing argument', ['simulate'], "ccp: missing required argument 'scenario.json' for 'simulate' (see 'ccp simulate --help')"],
    ['a missing directory or --kafka', ['audit', 'verify'], "ccp: missing required argument 'journal-dir' for 'audit verify' (or --kafka) (see 'ccp audit verify --help')"],
    ['too many arguments', ['audit', 'verify', 'a', 'b'], "ccp: too many arguments for 'audit verify': expected 1 argument but got 2 (see 'ccp audit verify --help')"],
    ['a missing option value', ['audit', 'verify', 'out/x', '--keyring'], "ccp: option '--keyring <file>' argument missing for 'audit verify' (see 'ccp audit verify --help')"],
    ['a bad option value', ['audit', 'verify', 'out/x', '--progress-every', '0'], "ccp: option '--progress-every <n>' argument '0' is invalid for 'audit verify': must be a positive whole number (see 'ccp audit verify --help')"],
    ['a bad pinned head', ['audit', 'verify', 'out/x', '--expect-head', 'margin=abc'], /^ccp: option '--expect-head <journal=hash@seq>' argument 'margin=abc' is invalid for 'audit verify': .*expected <journal>=<hash, 64 hex digits>@<seq>/],
    ['a missing required option', ['keys', 'generate'], "ccp: required option '--out <dir>' not specified for 'keys generate' (see 'ccp keys generate --help')"],
    ['--namespace without --kafka', ['audit', 'verify', 'out/x', '--namespace', 'n.'], "ccp: --namespace goes with --kafka for 'audit verify' (see 'ccp audit verify --help')"],
    ['a directory and --kafka', ['audit', 'verify', 'out/x', '--kafka'], "ccp: give a journal directory or --kafka, not both for 'audit verify' (got out/x) (see 'ccp audit verify --help')"],
    ['no role for a token', ['tokens', 'issue', '--key', 'k.pem'], "ccp: give exactly one of --auditor or --member <memberId> for 'tokens issue' (see 'ccp tokens issue --help')"],
    ['a bad token lifetime', ['tokens', 'issue', '--key', 'k.pem', '--auditor', '--ttl', '1h'], "ccp: option '--ttl <seconds>' argument '1h' is invalid for 'tokens issue': must be a positive whole number of seconds (see 'ccp tokens issue --help')"],
    ['an unknown study', ['study', 'ftx-2022'], "ccp: unknown study 'ftx-2022' for 'study' (one of: hyperliquid-2025-10-10) (see 'ccp study --help')"],
    ['a default without its id', ['audit', 'default', 'out/x'], "ccp: missing required argument 'defaultId' for 'audit default' (or: <defaultId> --journals <journal-dir>) (see 'ccp audit default --help')"],
  ] as const)('%s', async (_case, argv, expected) => {
    const run = await runCcp(argv);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.endsWith('\n')).toBe(true);
    const lines = run.stderr.slice(0, -1).split('\n');
    expect(lines).toHaveLength(1);
    if (typeof expected === 'string') expect(lines[0]).toBe(expected);
    else expect(lines[0]).toMatch(expected);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('domain errors: one line, no stack', () => {
  it.each([
    ['an unreadable scenario', ['simulate', 'no/such/scenario.json'], 2, /^cannot read no\/such\/scenario\.json: ENOENT/],
    ['a missing journal directory', ['audit', 'verify', 'no/such/dir'], 2, /^journal directory no\/such\/dir does not exist$/],
    ['an invalid scenario', ['simulate', join(__dirname, '../../../docs/scenario.schema.json')], 1, /^scenario .*scenario\.schema\.json rejected: /],
  ] as const)('%s', async (_case, argv, exitCode, line) => {
    const run = await runCcp(argv);
    expect(run.exitCode).toBe(exitCode);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n').filter((l) => l !== '')).toEqual([expect.stringMatching(line)]);
  });
});

describe('usageLine', () => {
  const verify = everyCommand.find((c) => commandPath(c) === 'audit verify')!;
  it.each([
    ["error: unknown option '--x'", "ccp: unknown option '--x' for 'audit verify' (see 'ccp audit verify --help')"],
    ["error: unknown option '--keyrng'\n(Did you mean --keyring?)", "ccp: unknown option '--keyrng' for 'audit verify' — did you mean --keyring? (see 'ccp audit verify --help')"],
    ["error: too many arguments for 'verify'. Expected 1 argument but got 3.", "ccp: too many arguments for 'audit verify': expected 1 argument but got 3 (see 'ccp audit verify --help')"],
  ])('%j', (message, line) => {
    expect(usageLine(verify, message)).toBe(line);
  });

  it('at the root, no "for"', () => {
    expect(usageLine(program, "error: unknown command 'x'")).toBe("ccp: unknown command 'x' (see 'ccp --help')");
  });
});
