import type { CliIo, OutputStream } from './cli-io';
import { main } from './main';

/** A stream that keeps what is written; a terminal or not. */
export interface CapturedStream extends OutputStream {
  readonly text: () => string;
}

export function capturedStream(isTTY = false, columns?: number): CapturedStream {
  const chunks: string[] = [];
  return {
    write: (text: string) => {
      chunks.push(text);
      return true;
    },
    isTTY,
    ...(columns !== undefined ? { columns } : {}),
    text: () => chunks.join(''),
  };
}

export interface CcpRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CcpRunOptions {
  /** stderr is a terminal (progress bars); default a pipe */
  readonly stderrTTY?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

/** `ccp <argv>` in this process, its output captured. */
export async function runCcp(argv: readonly string[], options: CcpRunOptions = {}): Promise<CcpRun> {
  const stdout = capturedStream(false, 100);
  const stderr = capturedStream(options.stderrTTY === true, 100);
  const io: CliIo = { stdout, stderr, env: options.env ?? {}, cwd: options.cwd ?? process.cwd() };
  const exitCode = await main(argv, io);
  return { exitCode, stdout: stdout.text(), stderr: stderr.text() };
}
