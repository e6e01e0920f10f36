import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { ChildResult } from './crash-child';
import type { ProfileSummary } from './cpu-profile';
import type { MarginSizeResult } from './margin-bench';
import type { TransportResult } from './transport-bench';

/**
 * Each section's figures are kept as JSON under docs/bench/results/, so `--only <section>` can
 * re-measure one part and BENCHMARKS.md is re-rendered from the latest run of every part.
 */

export const SECTIONS = ['transport', 'margin', 'crash', 'profile'] as const;
export type SectionName = (typeof SECTIONS)[number];

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
}

export interface SectionRecord<T> {
  readonly section: SectionName;
  readonly measuredAt: string;
  readonly command: string;
  readonly quick: boolean;
  readonly runSeconds: number;
  readonly machine: Machine;
  /** os.loadavg() (1, 5, 15 min) when the part started and ended: other work on the machine slows wall times */
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly data: T;
}

export interface CrashSizeResult {
  readonly accounts: number;
  readonly simulate: ChildResult;
  readonly parse: ChildResult;
  /** absent where audit verify was skipped (the full run verifies up to 50k accounts; --verify-all adds 100k) */
  readonly verify: ChildResult | null;
}

export interface SerializeResult {
  readonly records: number;
  readonly bytes: number;
  readonly parseMs: number;
  readonly canonicalJsonMs: number;
  readonly stringifyMs: number;
}

export interface ProfileResult {
  readonly accounts: number;
  readonly simulate: { readonly ms: number; readonly summary: ProfileSummary };
  readonly verify: { readonly ms: number; readonly summary: ProfileSummary };
  readonly serialize: SerializeResult;
}

export interface SectionData {
  transport: TransportResult;
  margin: MarginSizeResult[];
  crash: CrashSizeResult[];
  profile: ProfileResult;
}

export type Results = { [K in SectionName]?: SectionRecord<SectionData[K]> };

export function thisMachine(): Machine {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model ?? 'unknown CPU',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

const resultsDir = (root: string): string => join(root, 'docs/bench/results');

export function saveSection<K extends SectionName>(root: string, record: SectionRecord<SectionData[K]>): void {
  mkdirSync(resultsDir(root), { recursive: true });
  writeFileSync(join(resultsDir(root), `${record.section}.json`), `${JSON.stringify(record, null, 2)}\n`);
}

export function loadResults(root: string): Results {
  const results: Results = {};
  for (const section of SECTIONS) {
    const path = join(resultsDir(root), `${section}.json`);
    if (!existsSync(path)) continue;
    const record = JSON.parse(readFileSync(path, 'utf8')) as SectionRecord<unknown>;
    if (record.section !== section) throw new Error(`${path}: section is '${String(record.section)}', expected '${section}'`);
    (results as Record<string, unknown>)[section] = record;
  }
  return results;
}
