import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { PRODUCERS, Producer } from '@ccp/contracts';
import { loadServiceConfig, readModelBindings, startJournalService, type StartedService } from '@ccp/kafka-runtime';

/**
 * One journal service for the pipeline benchmark, in its own process: started exactly as
 * services/<name>/src/main.ts starts it (startJournalService with the read-model bindings: Nest app,
 * journal transport, PostgreSQL read models), plus an IPC channel through which the benchmark asks
 * for its resource usage and starts/stops the V8 CPU profiler around a measured window.
 *   node -r @swc-node/register pipeline-service-child.ts <producer>   (spawned with an 'ipc' stdio slot)
 */

export type ServiceRequest =
  | { readonly id: number; readonly cmd: 'usage' }
  | { readonly id: number; readonly cmd: 'profile-start' }
  | { readonly id: number; readonly cmd: 'profile-stop'; readonly path: string }
  | { readonly id: number; readonly cmd: 'stop' };

export interface ServiceUsage {
  /** process.resourceUsage().maxRSS, bytes: the peak since the process started */
  readonly maxRssBytes: number;
  readonly rssBytes: number;
  /** user + system CPU time since start, ms */
  readonly cpuMs: number;
}

export type ServiceMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'reply'; readonly id: number; readonly usage?: ServiceUsage; readonly error?: string };

function usage(): ServiceUsage {
  const u = process.resourceUsage();
  return { maxRssBytes: u.maxRSS * 1024, rssBytes: process.memoryUsage.rss(), cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 };
}

const send = (message: ServiceMessage): void => void process.send?.(message);

async function main(producer: Producer): Promise<void> {
    // A longer consumer session than the services' default (10 s): on a loaded 2-core machine a batch can take longer than that,
  // the group evicts the member and the runtime stops (crash-only); the benchmark has no supervisor to restart it.
  const sessionTimeoutMs = Number(process.env['CCP_BENCH_SESSION_TIMEOUT_MS'] ?? 30_000);
  const service: StartedService = await startJournalService(loadServiceConfig(producer), readModelBindings(producer), { sessionTimeoutMs }, ['error', 'warn']);
  while (!service.runtime.status().ready) {
    if (service.runtime.status().phase === 'failed') throw new Error(`${producer} failed while starting: ${service.runtime.status().failure}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  let session: Session | null = null;
  process.on('message', (raw: unknown) => {
    const request = raw as ServiceRequest;
    void (async () => {
      try {
        switch (request.cmd) {
          case 'usage':
            send({ kind: 'reply', id: request.id, usage: usage() });
            return;
          case 'profile-start':
            session = new Session();
            session.connect();
            await session.post('Profiler.enable');
            await session.post('Profiler.setSamplingInterval', { interval: 500 });
            await session.post('Profiler.start');
            send({ kind: 'reply', id: request.id });
            return;
          case 'profile-stop': {
            if (!session) throw new Error('the profiler is not running');
            const { profile } = await session.post('Profiler.stop');
            session.disconnect();
            session = null;
            writeFileSync(request.path, JSON.stringify(profile));
            send({ kind: 'reply', id: request.id });
            return;
          }
          case 'stop':
            await service.close();
            send({ kind: 'reply', id: request.id, usage: usage() });
            process.disconnect?.();
            setTimeout(() => process.exit(0), 100);
            return;
        }
      } catch (error: unknown) {
        send({ kind: 'reply', id: request.id, error: error instanceof Error ? error.message : String(error) });
      }
    })();
  });
  send({ kind: 'ready' });
}

if (require.main === module) {
  const producer = process.argv[2] as Producer;
  if (!(PRODUCERS as readonly string[]).includes(producer)) {
    process.stderr.write(`pipeline-service-child: the first argument must be one of ${PRODUCERS.join(', ')}\n`);
    process.exit(2);
  }
  main(producer).catch((error: unknown) => {
    process.stderr.write(`[${producer}] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
