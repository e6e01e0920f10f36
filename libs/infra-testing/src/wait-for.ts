/**
 * Waiting for asynchronous effects without asserting on time. A test waits for a *condition*
 * (N messages seen, a sentinel record arrived); the deadline only turns a hang into a readable
 * failure, it is never the thing under test.
 */
export interface WaitOptions {
  /** what is awaited, for the failure message */
  readonly description: string;
  /** give up after this long (default 30 s): a safety net, not an assertion */
  readonly timeoutMs?: number;
  /** polling interval for waitFor (default 25 ms) */
  readonly intervalMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export class WaitTimeoutError extends Error {
  constructor(description: string, timeoutMs: number, detail?: string) {
    super(`gave up waiting for ${description} after ${timeoutMs} ms${detail ? `: ${detail}` : ''}`);
    this.name = 'WaitTimeoutError';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns a value other than undefined/false, and returns that value. */
export async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, options: WaitOptions): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const intervalMs = options.intervalMs ?? 25;
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error: unknown) {
      lastError = error;
    }
    if (performance.now() >= deadline) {
      throw new WaitTimeoutError(options.description, timeoutMs, lastError instanceof Error ? lastError.message : undefined);
    }
    await sleep(intervalMs);
  }
}

/** A promise with its resolve/reject in hand. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Rejects with WaitTimeoutError if `promise` has not settled within the safety deadline. */
export async function withDeadline<T>(promise: Promise<T>, options: Omit<WaitOptions, 'intervalMs'>): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WaitTimeoutError(options.description, timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
