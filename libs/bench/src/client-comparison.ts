import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { logLevel, type Admin, type Kafka } from 'kafkajs';
import { createTestTopics, deleteTestTopics, kafkaBrokersFromEnv, kafkaFromEnv, producerOf, uniqueName } from '@ccp/infra-testing';
import { createKafka, readTopicToEnd } from '@ccp/kafka-runtime';
import { errorText, within, type BenchClient } from './bench-client';
import { installCost, loadCandidate, type CandidatePackage, type InstallCost } from './candidate-clients';
import { confluentClient, type ConfluentModule } from './confluent.bench-client';
import { batches, bytesOf, type BenchRecord } from './journal-payloads';
import { kafkajsClient, KAFKAJS_VERSION } from './kafkajs.bench-client';
import { platformaticClient, type PlatformaticModule } from './platformatic.bench-client';
import { median } from './timing';

/**
 * The Kafka client as a measured choice (ADR 0011): kafkajs against @platformatic/kafka and
 * @confluentinc/kafka-javascript in the same run, on the same broker, with the same sealed journal
 * records as the raw transport part, in the three shapes the services use — transactional produce
 * (one transaction per batch, commit awaited), read_committed consume from the beginning, and the
 * two at once — plus the exactly-once consume → produce shape and producer fencing as pass/fail
 * checks. Each client runs with its retry backoff at 10 ms (../shared/kafka-clients.md: the delay
 * after CONCURRENT_TRANSACTIONS decides the transactional rate) and otherwise its sensible settings;
 * kafkajs also runs as libs/kafka-runtime configures it, and with the settings it had before.
 * Rounds alternate the order of the clients, so a change of load on the shared machine is spread
 * over all of them; each figure is the median of the rounds.
 */

export interface ClientComparisonConfig {
  readonly messages: number;
  readonly batchSize: number;
  readonly rounds: number;
  /** records per transaction of the exactly-once check (the source holds twice as many) */
  readonly exactlyOnceCount: number;
}

export const CLIENT_MODES = ['transactionalProduce', 'consume', 'produceConsume'] as const;
export type ClientMode = (typeof CLIENT_MODES)[number];

export interface ExactlyOnceCheck {
  readonly passed: boolean;
  /** the group's committed offset on the source after the committed and the aborted transaction (expected: count) */
  readonly committedOffset: string | null;
  /** records a read_committed reader sees in the sink, and whether they are the first `count` source records in order */
  readonly visible: number;
  readonly visibleInOrder: boolean;
  /** the sink's end offset: count records + a commit marker + count aborted records + an abort marker */
  readonly sinkEndOffset: string;
  readonly detail: string;
}

export interface FencingCheck {
  /** the restarted producer started with the plain API, the stale one was refused, and only the record committed before is visible */
  readonly passed: boolean;
  /** what the stale producer got when it tried to commit after a second producer with its transactional id started */
  readonly staleProducerError: string | null;
  /** null if the second producer started with the plain API; else what it got and the workaround it started with */
  readonly restartRefused: string | null;
  /** records a read_committed reader sees: only the one committed before the second producer started */
  readonly visible: number;
  readonly detail: string;
}

export interface ClientResult {
  readonly id: string;
  readonly label: string;
  readonly packageName: string;
  readonly version: string | null;
  readonly settings: string;
  /** the baseline of the ratios */
  readonly baseline: boolean;
  readonly status: 'measured' | 'not installed' | 'failed';
  /** why it was not installed, or the error it failed with */
  readonly reason: string | null;
  /** the install script's timing; 'dependency': in the workspace's lock already and not timed */
  readonly install: InstallCost | 'dependency' | null;
  /** wall ms of each round, per mode */
  readonly ms: { readonly [M in ClientMode]: readonly number[] };
  /**
   * CPU ms (user + system) of the bench process over each round's mode, all its threads (librdkafka's
   * included): what the client costs the 2 cores the services share, which other load disturbs less than wall time
   */
  readonly cpuMs: { readonly [M in ClientMode]: readonly number[] };
  readonly exactlyOnce: ExactlyOnceCheck | null;
  readonly fencing: FencingCheck | null;
}

export interface ClientComparison {
  readonly config: ClientComparisonConfig;
  readonly bytes: number;
  /** os.loadavg() (1, 5, 15 min) when the comparison started and ended (2 cores: above 2, other work competed) */
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly clients: readonly ClientResult[];
}

interface Variant {
  readonly id: string;
  readonly label: string;
  readonly baseline: boolean;
  readonly install: ClientResult['install'];
  readonly client: BenchClient | null;
  readonly packageName: string;
  readonly reason: string | null;
}

/** kafka-client.ts's new RETRY and ../shared/kafka-clients.md: 10 ms first, doubling, ~100 s in all */
const TUNED_RETRY = { initialRetryTime: 10, maxRetryTime: 30_000, retries: 14 };
/** libs/kafka-runtime/src/kafka-client.ts up to f60886c (2026-12-07) */
const PREVIOUS_RETRY = { initialRetryTime: 100, retries: 10 };
/** the consumer journal-runtime.ts runs */
const RUNTIME_CONSUMER = { maxWaitTimeInMs: 250, sessionTimeout: 10_000, heartbeatInterval: 1_000 };
const TUNED_CONSUMER = { maxWaitTimeInMs: 100, sessionTimeout: 10_000, heartbeatInterval: 1_000 };
const CHECK_MS = 120_000;

function candidate<T>(root: string, name: CandidatePackage, make: (module: T, version: string) => BenchClient): Pick<Variant, 'client' | 'install' | 'reason'> {
  const loaded = loadCandidate<T>(root, name);
  if (!loaded.loaded) return { client: null, install: null, reason: loaded.reason };
  return { client: make(loaded.module, loaded.version), install: installCost(root, name, loaded.version), reason: null };
}

function variants(root: string): Variant[] {
  const brokers = kafkaBrokersFromEnv();
  const kafkajsInstall = installCost(root, 'kafkajs', KAFKAJS_VERSION) ?? 'dependency';
  const kafkajs = (id: string, label: string, kafka: Kafka, settings: string, consumer: typeof TUNED_CONSUMER, baseline = false): Variant => ({
    id,
    label,
    baseline,
    install: kafkajsInstall,
    packageName: 'kafkajs',
    reason: null,
    client: kafkajsClient(kafka, settings, consumer),
  });
  return [
    kafkajs(
      'kafkajs-tuned',
      'kafkajs, tuned',
      kafkaFromEnv('ccp-bench-clients', { retry: TUNED_RETRY }),
      'retry initialRetryTime 10 ms, maxRetryTime 30 s, retries 14; producer idempotent, maxInFlightRequests 1; consumer maxWaitTimeInMs 100, sessionTimeout 10 s, heartbeatInterval 1 s',
      TUNED_CONSUMER,
      true,
    ),
    kafkajs(
      'kafkajs-runtime',
      'kafkajs, as libs/kafka-runtime configures it',
      createKafka('ccp-bench-clients', brokers, { logLevel: logLevel.NOTHING }), // quiet: it would log every CONCURRENT_TRANSACTIONS retry
      'createKafka() of libs/kafka-runtime/src/kafka-client.ts as it stands at run time; producer and consumer options of journal-runtime.ts (idempotent, maxInFlightRequests 1; maxWaitTimeInMs 250, sessionTimeout 10 s, heartbeatInterval 1 s)',
      RUNTIME_CONSUMER,
    ),
    kafkajs(
      'kafkajs-previous',
      'kafkajs, retry 100 ms (kafka-client.ts up to f60886c)',
      kafkaFromEnv('ccp-bench-clients', { retry: PREVIOUS_RETRY }),
      'retry initialRetryTime 100 ms, retries 10 (what kafka-client.ts configured up to commit f60886c); journal-runtime.ts producer and consumer options',
      RUNTIME_CONSUMER,
    ),
    {
      id: 'platformatic',
      label: '@platformatic/kafka, tuned',
      baseline: false,
      packageName: '@platformatic/kafka',
      ...candidate<PlatformaticModule>(root, '@platformatic/kafka', (m, version) => platformaticClient(m, version, brokers)),
    },
    {
      id: 'confluent',
      label: '@confluentinc/kafka-javascript (KafkaJS API), tuned',
      baseline: false,
      packageName: '@confluentinc/kafka-javascript',
      ...candidate<ConfluentModule>(root, '@confluentinc/kafka-javascript', (m, version) => confluentClient(m, version, brokers)),
    },
  ];
}

/** Topics and groups made for the comparison, deleted at the end whatever happened. */
class Scratch {
  readonly topics: string[] = [];
  readonly groups: string[] = [];
  constructor(private readonly admin: Admin) {}

  async topic(label: string): Promise<string> {
    const name = uniqueName(`bench.clients.${label}`, '.');
    this.topics.push(name);
    await createTestTopics(this.admin, [{ name }]);
    return name;
  }

  group(label: string): string {
    const name = uniqueName(`bench-clients-${label}`, '-');
    this.groups.push(name);
    return name;
  }

  async cleanUp(log: (s: string) => void): Promise<void> {
    const groups = await Promise.allSettled(this.groups.map((g) => this.admin.deleteGroups([g])));
    const left = groups.filter((g) => g.status === 'rejected').length;
    if (left > 0) log(`  could not delete ${left} of ${groups.length} bench consumer groups`);
    await deleteTestTopics(this.admin, this.topics).catch((error: unknown) => log(`  could not delete bench topics: ${errorText(error)}`));
  }
}

type Rounds = { [M in ClientMode]: number[] };

const cpuMsSince = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

async function oneRound(client: BenchClient, id: string, messages: readonly BenchRecord[], batchSize: number, fixture: string, scratch: Scratch, into: Rounds, cpu: Rounds): Promise<void> {
  const sender = await client.transactionalSender(uniqueName(`bench-clients-${id}-tx`, '-'));
  try {
    const warmUp = await scratch.topic(`${id}.warm-up`);
    await sender.commitBatch(warmUp, [{ key: 'warm-up', value: 'warm-up' }]); // coordinator found, producer id granted, partition registered
    const produceTopic = await scratch.topic(`${id}.produce`);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (const b of batches(messages, batchSize)) await sender.commitBatch(produceTopic, b);
    into.transactionalProduce.push(performance.now() - t0);
    cpu.transactionalProduce.push(cpuMsSince(cpu0));

    const cpu1 = process.cpuUsage(); // consume CPU includes the consumer's start and join (small beside 50k records)
    const reader = await client.countingReader(fixture, scratch.group(`${id}-consume`), messages.length);
    try {
      const [joinedAt, readAt] = await Promise.all([reader.joined, reader.done]);
      into.consume.push(readAt - joinedAt);
      cpu.consume.push(cpuMsSince(cpu1));
    } finally {
      await reader.close();
    }

    const followed = await scratch.topic(`${id}.produce-consume`);
    const follower = await client.countingReader(followed, scratch.group(`${id}-follow`), messages.length);
    try {
      await Promise.race([follower.joined, follower.done]); // done only settles early by rejecting (a stall)
      const start = performance.now();
      const cpu2 = process.cpuUsage();
      for (const b of batches(messages, batchSize)) await sender.commitBatch(followed, b);
      into.produceConsume.push((await follower.done) - start);
      cpu.produceConsume.push(cpuMsSince(cpu2));
    } finally {
      await follower.close();
    }
  } finally {
    await sender.close();
  }
}

async function checkExactlyOnce(client: BenchClient, id: string, records: readonly BenchRecord[], count: number, kafka: Kafka, admin: Admin, scratch: Scratch): Promise<ExactlyOnceCheck> {
  const source = await scratch.topic(`${id}.eos-source`);
  const sink = await scratch.topic(`${id}.eos-sink`);
  const seeder = producerOf(kafka);
  await seeder.connect();
  await seeder.send({ topic: source, messages: records.slice(0, 2 * count).map((r) => ({ ...r })) });
  await seeder.disconnect();
  const groupId = scratch.group(`${id}-eos`);
  await within(CHECK_MS, `${id} consume → produce`, client.consumeTransformProduce({ source, sink, groupId, transactionalId: uniqueName(`bench-clients-${id}-eos`, '-'), count }));

  const offsets = await admin.fetchOffsets({ groupId, topics: [source] });
  const committedOffset = offsets[0]?.partitions.find((p) => p.partition === 0)?.offset ?? null;
  const seen: string[] = [];
  await readTopicToEnd(kafka, sink, (m) => void seen.push(m.value?.toString() ?? ''), { groupPrefix: uniqueName(`bench-clients-${id}-eos-check`, '-'), timeoutMs: CHECK_MS });
  const sinkEndOffset = (await admin.fetchTopicOffsets(sink))[0]?.high ?? '?';
  const expected = records.slice(0, count).map((r) => r.value);
  const visibleInOrder = seen.length === expected.length && seen.every((v, i) => v === expected[i]);
  const passed = committedOffset === String(count) && visibleInOrder && sinkEndOffset === String(2 * count + 2);
  return {
    passed,
    committedOffset,
    visible: seen.length,
    visibleInOrder,
    sinkEndOffset,
    detail: `group offset ${committedOffset ?? 'none'} (expected ${count}); ${seen.length} records visible read_committed${visibleInOrder ? ', the committed ones in order' : ' (expected the first ' + count + ' in order)'}; sink end offset ${sinkEndOffset} (expected ${2 * count + 2}: the aborted ${count} written, hidden)`,
  };
}

async function checkFencing(client: BenchClient, id: string, kafka: Kafka, scratch: Scratch): Promise<FencingCheck> {
  const topic = await scratch.topic(`${id}.fencing`);
  const { staleProducerError, restartRefused } = await within(
    CHECK_MS,
    `${id} fencing`,
    client.zombieCommit(uniqueName(`bench-clients-${id}-fence`, '-'), topic, { key: 'fence', value: 'before' }, { key: 'fence', value: 'zombie' }),
  );
  const seen: string[] = [];
  await readTopicToEnd(kafka, topic, (m) => void seen.push(m.value?.toString() ?? ''), { groupPrefix: uniqueName(`bench-clients-${id}-fence-check`, '-'), timeoutMs: CHECK_MS });
  const fenced = staleProducerError !== null && seen.length === 1 && seen[0] === 'before';
  return {
    passed: fenced && restartRefused === null,
    staleProducerError,
    restartRefused,
    visible: seen.length,
    detail:
      (restartRefused === null ? 'the second producer started; ' : `the second producer was REFUSED with the plain API (${restartRefused}); `) +
      `${staleProducerError === null ? 'the stale producer COMMITTED' : `the stale producer was refused (${staleProducerError})`}; visible: ${JSON.stringify(seen)} (expected ["before"])`,
  };
}

export async function benchClients(root: string, config: ClientComparisonConfig, payloads: readonly BenchRecord[], log: (s: string) => void): Promise<ClientComparison> {
  // frozen: a client that writes into the records it is given (one did) fails loudly instead of changing what the next one sends
  const messages = payloads.map((m) => Object.freeze({ key: m.key, value: m.value }));
  const load = () => loadavg().map((x) => Math.round(x * 100) / 100);
  const loadAtStart = load();
  const all = variants(root);
  const kafka = kafkaFromEnv('ccp-bench-clients', { retry: TUNED_RETRY });
  const admin = kafka.admin();
  await admin.connect();
  const scratch = new Scratch(admin);
  const rounds = (): Rounds => ({ transactionalProduce: [], consume: [], produceConsume: [] });
  const ms = new Map(all.map((v) => [v.id, rounds()]));
  const cpuMs = new Map(all.map((v) => [v.id, rounds()]));
  const failed = new Map<string, string>();
  const checks = new Map<string, { exactlyOnce: ExactlyOnceCheck | null; fencing: FencingCheck | null }>();
  try {
    // one topic every consumer reads: written once as the services write (kafkajs, transactions of batchSize)
    const fixture = await scratch.topic('consume-fixture');
    const writer = await all[0]!.client!.transactionalSender(uniqueName('bench-clients-fixture-tx', '-'));
    for (const b of batches(messages, config.batchSize)) await writer.commitBatch(fixture, b);
    await writer.close();

    for (const v of all.filter((x) => x.client === null)) log(`  ${v.label}: ${v.reason}`);
    for (let round = 0; round < config.rounds; round += 1) {
      const order = all.filter((v) => v.client !== null);
      if (round % 2 === 1) order.reverse();
      for (const v of order) {
        if (failed.has(v.id)) continue;
        const into = ms.get(v.id)!;
        try {
          await oneRound(v.client!, v.id, messages, config.batchSize, fixture, scratch, into, cpuMs.get(v.id)!);
          const last = (xs: readonly number[]) => xs[xs.length - 1]!;
          const eps = (mode: ClientMode) =>
            `${Math.round(messages.length / (last(into[mode]) / 1000)).toLocaleString('en-US')}/s (${((last(cpuMs.get(v.id)![mode]) * 1000) / messages.length).toFixed(1)} CPU µs/record)`;
          log(`  round ${round + 1}/${config.rounds} ${v.label}: transactional ${eps('transactionalProduce')}, consume ${eps('consume')}, produce → consume ${eps('produceConsume')}`);
        } catch (error: unknown) {
          failed.set(v.id, errorText(error));
          log(`  ${v.label} FAILED: ${errorText(error)}`);
        }
      }
    }
    for (const v of all.filter((x) => x.client !== null)) {
      let exactlyOnce: ExactlyOnceCheck | null = null;
      let fencing: FencingCheck | null = null;
      try {
        exactlyOnce = await checkExactlyOnce(v.client!, v.id, messages, config.exactlyOnceCount, kafka, admin, scratch);
      } catch (error: unknown) {
        exactlyOnce = { passed: false, committedOffset: null, visible: 0, visibleInOrder: false, sinkEndOffset: '?', detail: `failed: ${errorText(error)}` };
      }
      try {
        fencing = await checkFencing(v.client!, v.id, kafka, scratch);
      } catch (error: unknown) {
        fencing = { passed: false, staleProducerError: null, restartRefused: null, visible: 0, detail: `failed: ${errorText(error)}` };
      }
      checks.set(v.id, { exactlyOnce, fencing });
      log(`  ${v.label}: exactly-once ${exactlyOnce.passed ? 'pass' : 'FAIL'} (${exactlyOnce.detail}); fencing ${fencing.passed ? 'pass' : 'FAIL'} (${fencing.detail})`);
    }
  } finally {
    await scratch.cleanUp(log);
    await admin.disconnect();
  }
  return {
    config,
    bytes: bytesOf(messages),
    loadAverage: { start: loadAtStart, end: load() },
    clients: all.map((v) => ({
      id: v.id,
      label: v.label,
      packageName: v.packageName,
      version: v.client?.version ?? (v.packageName === 'kafkajs' ? KAFKAJS_VERSION : null),
      settings: v.client?.settings ?? '',
      baseline: v.baseline,
      status: v.client === null ? 'not installed' : failed.has(v.id) ? 'failed' : 'measured',
      reason: v.reason ?? failed.get(v.id) ?? null,
      install: v.install,
      ms: ms.get(v.id)!,
      cpuMs: cpuMs.get(v.id)!,
      exactlyOnce: checks.get(v.id)?.exactlyOnce ?? null,
      fencing: checks.get(v.id)?.fencing ?? null,
    })),
  };
}

/** events/s of a mode: the median of its rounds (null where it did not run) */
export function clientRate(result: ClientResult, mode: ClientMode, messages: number): number | null {
  const rounds = result.ms[mode];
  return rounds.length === 0 ? null : messages / (median(rounds) / 1000);
}

/** CPU µs of the bench process per record in a mode: the median of its rounds (null where it did not run or was not recorded) */
export function clientCpuPerRecordUs(result: ClientResult, mode: ClientMode, messages: number): number | null {
  const rounds = result.cpuMs?.[mode] ?? [];
  return rounds.length === 0 ? null : (median(rounds) * 1000) / messages;
}
