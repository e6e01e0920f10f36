/** Where the command line writes and what it reads from its process: injected so tests run it in process. */
export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** the directory relative paths and the study's defaults are taken from */
  readonly cwd: string;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/**
 * A failure the user can act on, already worded as the one line to print: an unreadable file, a
 * rejected scenario, a missing directory. `exitCode` 1 is a domain failure, 2 a usage error.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
    /** the error behind it, whose stack CCP_DEBUG=1 prints */
    readonly underlying?: unknown,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The message of anything thrown, without its stack (also of an error from another realm, which is no `instanceof Error`). */
export function messageOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
  return String(error);
}

/** The stack of anything thrown, if it has one. */
export function stackOf(error: unknown): string | undefined {
  const stack = typeof error === 'object' && error !== null ? (error as { stack?: unknown }).stack : undefined;
  return typeof stack === 'string' ? stack : undefined;
}
