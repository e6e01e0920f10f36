import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, WriteStream } from 'node:fs';
import { get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PRODUCERS, Producer } from '@ccp/contracts';
import { waitFor } from '@ccp/infra-testing';
import type { TestNamespace } from './test-stack';

/** The repository root (services/<name>/src/main.ts is run from here, as stack-up.sh does). */
export const REPO_ROOT = resolve(__dirname, '../../../..');

/** A port nothing listens on right now (the OS picks it; released before the child binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolvePort(port) : reject(new Error('no free port assigned'))));
    });
  });
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolveStatus) => {
    const req = httpGet(url, { timeout: 2_000 }, (res) => {
      res.resume();
      resolveStatus(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolveStatus(0));
  });
}

/** How one incarnation of a service process ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** the test asked for it (kill/stop) */
  readonly expected: boolean;
}

/**
 * One service as a child process (`node -r @swc-node/register services/<name>/src/main.ts`), with
 * its output kept (last lines in memory, everything in a log file) and every incarnation's exit.
 */
export class ServiceProcess {
  private child: ChildProcess | null = null;
  private exitPromise: Promise<Exit> | null = null;
  private expectingExit = false;
  private tail: string[] = [];
  /** every incarnation's output, in order; `incarnationOutput(i)` */
  private readonly outputs: string[] = [];
  readonly exits: Exit[] = [];

  constructor(
    readonly producer: Producer,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly log: WriteStream,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get alive(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** incarnations started so far */
  get incarnations(): number {
    return this.outputs.length;
  }

  incarnationOutput(index: number): string {
    return this.outputs[index] ?? '';
  }

  /** An exit the test did not ask for (a crash, a refusal to start). */
  unexpectedExit(): Exit | undefined {
    return this.exits.find((e) => !e.expected);
  }

  lastLines(n = 40): string {
    return this.tail.slice(-n).join('\n');
  }

  start(): void {
    if (this.alive) throw new Error(`${this.producer} is already running (pid ${this.pid})`);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('JEST_')) env[k] = v;
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join('services', this.producer, 'src', 'main.ts')], {
      cwd: REPO_ROOT,
      env: { ...env, ...this.env, HTTP_PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const incarnation = this.outputs.length;
    this.outputs.push('');
    this.expectingExit = false;
    const take = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.outputs[incarnation] += text;
      this.log.write(text);
      this.tail.push(...text.split('\n').filter(Boolean).map((l) => `[${this.producer}#${incarnation}] ${l}`));
      if (this.tail.length > 400) this.tail = this.tail.slice(-200);
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    this.log.write(`--- ${this.producer} incarnation ${incarnation} pid ${child.pid} ---\n`);
    this.child = child;
    this.exitPromise = new Promise<Exit>((resolveExit) => {
      child.on('exit', (code, signal) => {
        const exit: Exit = { code, signal, expected: this.expectingExit };
        this.exits.push(exit);
        resolveExit(exit);
      });
    });
  }

  /** Resolves once /health/ready answers 200; rejects at once if the process exits meanwhile. */
  async waitReady(timeoutMs = 90_000): Promise<void> {
    await waitFor(
      async () => {
        if (!this.alive) throw new Error(`${this.producer} exited (${JSON.stringify(this.exits.at(-1))}) before it was ready:\n${this.lastLines()}`);
        return (await httpStatus(`http://127.0.0.1:${this.port}/health/ready`)) === 200;
      },
      { description: `${this.producer} ready on port ${this.port}`, timeoutMs, intervalMs: 100 },
    ).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${this.lastLines()}`);
    });
  }

  /** SIGKILL: no shutdown hook runs, no transaction is finished, nothing is flushed. */
  async kill(): Promise<Exit> {
    return this.signal('SIGKILL');
  }

  /**
   * SIGTERM as an orchestrator sends it: the process must drain and exit by itself within
   * `graceMs` (Kubernetes' and Docker's grace period is 10 s by default); if it lingers it is
   * SIGKILLed, and the exit says so (`signal: 'SIGKILL'`).
   */
  async terminate(graceMs = 10_000): Promise<Exit> {
    const exited = this.signal('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    return exited.finally(() => clearTimeout(timer));
  }

  /** SIGTERM (Nest's shutdown hooks: the consumer leaves its group), SIGKILL if it lingers. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.alive) return;
    const exited = this.signal('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await exited.finally(() => clearTimeout(timer));
  }

  /** Synchronous last resort (process 'exit' handler). */
  killNow(): void {
    if (this.alive) {
      this.expectingExit = true;
      this.child!.kill('SIGKILL');
    }
  }

  private async signal(signal: NodeJS.Signals): Promise<Exit> {
    if (!this.alive) throw new Error(`${this.producer} is not running`);
    this.expectingExit = true;
    this.child!.kill(signal);
    return this.exitPromise!;
  }
}

const everyStack = new Set<ChildStack>();
process.on('exit', () => {
  for (const stack of everyStack) stack.killNow();
});

/** The four services as child processes on a test namespace, each on a free port. */
export class ChildStack {
  readonly logDir: string;
  private stopped = false;

  private constructor(
    readonly services: Record<Producer, ServiceProcess>,
    logDir: string,
    private readonly logs: WriteStream[],
  ) {
    this.logDir = logDir;
    everyStack.add(this);
  }

  static async start(ns: TestNamespace): Promise<ChildStack> {
    const logDir = mkdtempSync(join(tmpdir(), 'ccp-child-stack-'));
    const services = {} as Record<Producer, ServiceProcess>;
    const logs: WriteStream[] = [];
    for (const p of PRODUCERS) {
      const log = createWriteStream(join(logDir, `${p}.log`));
      logs.push(log);
      services[p] = new ServiceProcess(p, await freePort(), ns.env(p), log);
    }
    const stack = new ChildStack(services, logDir, logs);
    try {
      for (const p of PRODUCERS) services[p].start();
      await Promise.all(PRODUCERS.map((p) => services[p].waitReady()));
    } catch (error: unknown) {
      await stack.stop();
      throw error;
    }
    return stack;
  }

  /** Throws if a service exited without the test asking (with its last output). */
  throwIfFailed(): void {
    for (const p of PRODUCERS) {
      const exit = this.services[p].unexpectedExit();
      if (exit) throw new Error(`${p} exited unexpectedly (code ${exit.code}, signal ${exit.signal}); logs in ${this.logDir}:\n${this.services[p].lastLines()}`);
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(PRODUCERS.map((p) => this.services[p].stop().catch(() => this.services[p].killNow())));
    await Promise.all(this.logs.map((l) => new Promise<void>((r) => l.end(() => r()))));
    everyStack.delete(this);
  }

  killNow(): void {
    for (const p of PRODUCERS) this.services[p].killNow();
  }

  /** The last lines of every service's output, for a failure message. */
  lastLines(n = 15): string {
    return PRODUCERS.map((p) => this.services[p].lastLines(n)).join('\n');
  }

  /** After a passing run: the logs are not needed. */
  removeLogs(): void {
    rmSync(this.logDir, { recursive: true, force: true });
  }
}
