import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEnvelope, GENESIS_HASH, Producer, sealRecord, serializeRecord, UnsealedEnvelope } from '@ccp/contracts';
import { DECIDERS, journalFileName, OutcomeSummary, simulate } from '@ccp/engine';

/** Test support: runs a scenario of docs/scenarios into a fresh temp dir (file journals). */
export const SCENARIO_DIR = join(__dirname, '../../../docs/scenarios');

export function simulateScenario(name: string): { dir: string; summary: OutcomeSummary; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'ccp-audit-'));
  const dir = join(root, 'journals');
  const scenario: unknown = JSON.parse(readFileSync(join(SCENARIO_DIR, `${name}.json`), 'utf8'));
  const { summary } = simulate(scenario, DECIDERS, { outDir: dir });
  return { dir, summary, cleanup: () => rmSync(root, { recursive: true, force: true }) };
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
