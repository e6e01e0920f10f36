import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ANCHORS_FILE,
  EventEnvelope,
  GeneratedKeys,
  GENESIS_HASH,
  JournalAnchor,
  JournalKeyring,
  keyringToFile,
  parseAnchor,
  Producer,
  sealRecord,
  serializeAnchor,
  serializeRecord,
  UnsealedEnvelope,
} from '@ccp/contracts';
import { DECIDERS, journalFileName, OutcomeSummary, simulate } from '@ccp/engine';

/** Test support: runs a scenario of docs/scenarios into a fresh temp dir (file journals). */
export const SCENARIO_DIR = join(__dirname, '../../../docs/scenarios');

export interface SimulateScenarioOptions {
  /** sign with these keys (default: the development keys, as `ccp simulate`) */
  readonly keys?: GeneratedKeys;
  /** run only the first n steps of the scenario (an earlier state of the same run) */
  readonly steps?: number;
}

export function simulateScenario(name: string, options: SimulateScenarioOptions = {}): { root: string; dir: string; summary: OutcomeSummary; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'ccp-audit-'));
  const dir = join(root, 'journals');
  const scenario = JSON.parse(readFileSync(join(SCENARIO_DIR, `${name}.json`), 'utf8')) as { steps: unknown[] };
  if (options.steps !== undefined) scenario.steps = scenario.steps.slice(0, options.steps);
  const { summary } = simulate(scenario, DECIDERS, { outDir: dir, ...(options.keys ? { keys: options.keys } : {}) });
  return { root, dir, summary, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** The anchors of a journal directory (anchors.jsonl), in file order. */
export function readAnchorLines(dir: string): JournalAnchor[] {
  return readFileSync(join(dir, ANCHORS_FILE), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => parseAnchor(JSON.parse(l)));
}

export function writeAnchorLines(path: string, anchors: readonly JournalAnchor[]): void {
  writeFileSync(path, anchors.map((a) => `${serializeAnchor(a)}\n`).join(''));
}

export function writeKeyring(path: string, keyring: JournalKeyring): void {
  writeFileSync(path, `${JSON.stringify(keyringToFile(keyring), null, 2)}\n`);
}

export function readLines(dir: string, producer: Producer): string[] {
  return readFileSync(join(dir, journalFileName(producer)), 'utf8').split('\n').filter((l) => l.length > 0);
}

export function writeLines(dir: string, producer: Producer, lines: readonly string[]): void {
  writeFileSync(join(dir, journalFileName(producer)), lines.map((l) => `${l}\n`).join(''));
}

/** Re-seals a journal from scratch (new ids, prevHash, hash): what a forger with write access would do. */
export function reseal(lines: readonly string[]): string[] {
  let prev = GENESIS_HASH;
  return lines.map((line) => {
    const { hash: _h, prevHash: _p, id: _i, ...rest } = JSON.parse(line) as EventEnvelope;
    const sealed = sealRecord(rest as UnsealedEnvelope, prev);
    prev = sealed.hash;
    return serializeRecord(sealed);
  });
}
