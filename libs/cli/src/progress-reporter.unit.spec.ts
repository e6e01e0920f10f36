import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capturedStream, runCcp } from './cli-test-support';
import { progressReporter } from './progress-reporter';

const ESCAPE = '\x1b';

describe('progressReporter', () => {
  it('not a terminal: one plain line per update, no \\r and no escape sequence', () => {
    const stream = capturedStream(false);
    let clock = 0;
    const progress = progressReporter(stream, { label: 'audit verify', unit: 'records', now: () => clock });
    clock = 2000;
    progress.update(10_000, 'margin seq 9999');
    clock = 4000;
    progress.update(20_000, 'liquidation seq 1');
    progress.stop();
    expect(stream.text()).toBe('audit verify: 10000 records, 5000 records/s — margin seq 9999\naudit verify: 20000 records, 5000 records/s — liquidation seq 1\n');
  });

  it('not a terminal, total known: "n of total"', () => {
    const stream = capturedStream(false);
    const progress = progressReporter(stream, { label: 'simulate', unit: 'inputs', total: 30_000, now: () => 0 });
    progress.update(10_000);
    expect(stream.text()).toBe('simulate: 10000 of 30000 inputs, 0 inputs/s\n');
  });

  it('a terminal: a cli-progress bar drawn in place, cleared at the end', () => {
    const stream = capturedStream(true, 120);
    const progress = progressReporter(stream, { label: 'simulate', unit: 'inputs', total: 100 });
    progress.update(50);
    progress.stop();
    progress.stop();
    const text = stream.text();
    expect(text).toContain(`${ESCAPE}[`);
    expect(text).toMatch(/simulate \[[=-]+\] \d+% \| \d+\/100 inputs/);
    expect(text).not.toContain('\n');
  });
});

describe('audit verify progress', () => {
  let root: string;
  let dir: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'ccp-cli-progress-'));
    dir = join(root, 'journals');
    expect((await runCcp(['simulate', join(__dirname, '../../../docs/scenarios/perpetual-adl-cascade.json'), '--out', dir])).exitCode).toBe(0);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('--progress on a pipe: periodic plain lines on stderr, no \\r; stdout is the report alone', async () => {
    const quiet = await runCcp(['audit', 'verify', dir]);
    const run = await runCcp(['audit', 'verify', dir, '--progress', '--progress-every', '25']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe(quiet.stdout);
    const lines = run.stderr.split('\n').filter((l) => l.startsWith('audit verify: '));
    expect(lines.length).toBeGreaterThanOrEqual(4);
    expect(lines[0]).toMatch(/^audit verify: 25 records, \d+ records\/s — margin seq 24$/);
    expect(run.stderr).not.toContain('\r');
    expect(run.stderr).not.toContain(ESCAPE);
  });

  it('a pipe without --progress: no progress', async () => {
    const run = await runCcp(['audit', 'verify', dir, '--progress-every', '25']);
    expect(run.stderr).not.toContain('audit verify: ');
  });

  it('a terminal: the bar, counting towards the journals\' lines; --no-progress: none', async () => {
    const run = await runCcp(['audit', 'verify', dir, '--progress-every', '25'], { stderrTTY: true });
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toMatch(/audit verify \[[=-]+\] \d+% \| \d+\/\d+ records/);
    const silent = await runCcp(['audit', 'verify', dir, '--progress-every', '25', '--no-progress'], { stderrTTY: true });
    expect(silent.stderr).not.toContain('audit verify');
  });
});
