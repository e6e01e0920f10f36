import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets its heap grow past what a full collection left alive, while an audit runs. By
 * default V8 grows it by up to 4× the live heap when allocation is fast, and a replay allocates
 * fast and keeps little alive (each record is garbage once checked; what stays is the deciders'
 * state): at 100k accounts the audit's live heap stays near 250 MiB, but an unbounded run peaks
 * near 900 MiB of RSS, nearly all of it garbage not yet collected. Bounded to 1.5× the live heap it
 * peaks near 500 MiB at the same CPU time. It scales with what is alive, so a larger journal gets
 * a larger heap, never an out-of-memory error a fixed cap (--max-old-space-size) would give.
 */
export const AUDIT_HEAP_GROWTH_PERCENT = 50;

const FLAG = /^--heap[-_]growing[-_]percent\b/;
/** the host process chose its own growth (node --heap-growing-percent=…, or in NODE_OPTIONS): left as it is */
const chosenByHost = (): boolean => [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)].some((a) => FLAG.test(a));

let running = 0;

/**
 * Runs `work` with V8's heap growth bounded to `percent` (V8's --heap-growing-percent, read at each
 * collection), then gives V8 back its own policy once no audit is running. Process-wide while it
 * runs; 0, or a host that set the flag itself, leaves V8 alone.
 */
export async function withBoundedHeapGrowth<T>(percent: number, work: () => Promise<T>): Promise<T> {
  if (!(percent > 0) || chosenByHost()) return work();
  if (running === 0) setFlagsFromString(`--heap-growing-percent=${Math.round(percent)}`);
  running += 1;
  try {
    return await work();
  } finally {
    running -= 1;
    if (running === 0) setFlagsFromString('--heap-growing-percent=0');
  }
}
