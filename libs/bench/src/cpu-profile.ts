import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

/** The parts of a V8 .cpuprofile (written by `node --cpu-prof`) that self time needs. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; hitCount?: number }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTimeRow {
  /** `function (file)`; `(anonymous)` = an arrow function or callback in that file */
  readonly frame: string;
  readonly selfMs: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** top functions by self time */
  readonly functions: SelfTimeRow[];
  /** self time grouped by where the code lives: a workspace lib, a package, node internals, GC */
  readonly places: SelfTimeRow[];
}

function place(url: string, root: string, functionName: string): string {
  if (functionName === '(garbage collector)') return '(garbage collector)';
  if (functionName === '(program)' || functionName === '(idle)') return functionName;
  if (!url) return '(native / V8 builtins)';
  const path = url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return `npm: ${pkg[1]}`;
  const lib = /libs\/([^/]+)\/src\/([^/]+)$/.exec(path);
  if (lib) return `libs/${lib[1]} (${lib[2]})`;
  if (path.startsWith('node:')) return 'node internals';
  return relative(root, path) || path;
}

/** Self time per function and per place, from the samples (time delta i belongs to sample i). */
export function summarizeCpuProfile(path: string, root: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfByNode = new Map<number, number>();
  let totalMicros = 0;
  profile.samples.forEach((id, i) => {
    const delta = Math.max(0, profile.timeDeltas[i] ?? 0);
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + delta);
    totalMicros += delta;
  });
  const functions = new Map<string, number>();
  const places = new Map<string, number>();
  for (const [id, micros] of selfByNode) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const where = place(frame.url, root, frame.functionName);
    // line numbers are of the compiled (swc) code, not the source: name the file only
    const file = frame.url ? relative(root, frame.url.replace(/^file:\/\//, '')).replace(/^.*node_modules\//, '') : '';
    const key = `${frame.functionName || '(anonymous)'}${file ? ` (${file})` : ''}`;
    functions.set(key, (functions.get(key) ?? 0) + micros);
    places.set(where, (places.get(where) ?? 0) + micros);
  }
  const rows = (m: Map<string, number>, n: number): SelfTimeRow[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([frame, micros]) => ({ frame, selfMs: micros / 1000, share: totalMicros === 0 ? 0 : micros / totalMicros }));
  return { totalMs: totalMicros / 1000, functions: rows(functions, top), places: rows(places, 12) };
}
