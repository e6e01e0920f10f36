import { SingleBar } from 'cli-progress';
import type { OutputStream } from './cli-io';

/**
 * Progress of a long run on stderr. On a terminal: a cli-progress bar redrawn in place (cleared
 * when the run ends). Anywhere else (a pipe, a CI log): one plain line per update, never a `\r`
 * or an escape sequence, so a log reads line by line.
 */
export interface ProgressReporter {
  /** `done` units so far; `detail` says where (a journal and seq) */
  update(done: number, detail?: string): void;
  /** ends the bar (idempotent); a line reporter has nothing to end */
  stop(): void;
}

export interface ProgressOptions {
  /** what runs, first on every line: `audit verify`, `simulate` */
  readonly label: string;
  /** what is counted, plural: `records`, `inputs` */
  readonly unit: string;
  /** how many units there will be, when known: the bar shows a percentage and an ETA */
  readonly total?: number;
  /** milliseconds, monotonic; default performance.now */
  readonly now?: () => number;
}

export function progressReporter(stream: OutputStream, options: ProgressOptions): ProgressReporter {
  return stream.isTTY === true ? barReporter(stream, options) : lineReporter(stream, options);
}

/** A reporter that reports nothing (--no-progress). */
export const silentProgress: ProgressReporter = { update: () => undefined, stop: () => undefined };

function rateOf(done: number, startedMs: number, nowMs: number): number {
  const seconds = (nowMs - startedMs) / 1000;
  return seconds > 0 ? Math.round(done / seconds) : 0;
}

function lineReporter(stream: OutputStream, options: ProgressOptions): ProgressReporter {
  const now = options.now ?? (() => performance.now());
  const started = now();
  return {
    update: (done, detail) => {
      const of = options.total === undefined ? '' : ` of ${options.total}`;
      const where = detail === undefined ? '' : ` — ${detail}`;
      stream.write(`${options.label}: ${done}${of} ${options.unit}, ${rateOf(done, started, now())} ${options.unit}/s${where}\n`);
    },
    stop: () => undefined,
  };
}

function barReporter(stream: OutputStream, options: ProgressOptions): ProgressReporter {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const known = options.total !== undefined;
  const format = known
    ? `${options.label} [{bar}] {percentage}% | {value}/{total} ${options.unit} | {rate} ${options.unit}/s | ETA {eta_formatted} {detail}`
    : `${options.label} {value} ${options.unit} | {rate} ${options.unit}/s {detail}`;
  const bar = new SingleBar({ stream: stream as unknown as NodeJS.WritableStream, format, barsize: 30, clearOnComplete: true, hideCursor: false, fps: 10 });
  let total = options.total ?? 0;
  bar.start(total, 0, { rate: 0, detail: '' });
  let running = true;
  return {
    update: (done, detail) => {
      if (!running) return;
      if (known && done > total) {
        total = done;
        bar.setTotal(total);
      }
      bar.update(done, { rate: rateOf(done, started, now()), detail: detail ?? '' });
    },
    stop: () => {
      if (!running) return;
      running = false;
      bar.stop();
    },
  };
}
