import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Message } from 'kafkajs';
import { developmentJournalKeys, EventEnvelope, signerOf } from '@ccp/contracts';
import { DECIDERS, journalFileName, readJournalLines, simulate } from '@ccp/engine';
import { chunksBySize, createKafka, deleteNamespaceTopics, ensureTopics, HEAD_SIGNATURE_HEADER, JournalRuntime, Partitioners, topology } from '@ccp/kafka-runtime';
import { createDataSource, databaseUrlFromEnv, migrate } from '@ccp/persistence';
import { crashFamilyScenario } from './crash-scenario';
import { fmt, int } from './timing';

/**
 * Restart of a service on a long journal (issue 13 item 6, docs/adr/0012-snapshots.md): margin's
 * journal of the crash family at `accounts` accounts (≥ 1,000,000 records at 120,000), written by
 * the embedded engine, is published to a fresh namespace's margin journal topic exactly as the
 * runtime writes it (transactions of 500 records, the head signed in the last one's headers). Then,
 * in this process, on the real broker and database:
 *  1. a warm-up start folds the journal without its last `tail` records and stores a snapshot at
 *     its head (untimed); the tail is published after it;
 *  2. **from the snapshot**: a start that opens the snapshot (signature, SHA-256, decode) and folds
 *     only the tail — time to ready;
 *  3. **full fold**: the same journal, snapshots off — time to ready (the baseline, same run);
 * both must end at the same head. No read models (they would add their projection, not the fold's).
 */
export interface RestartBenchConfig {
  readonly accounts: number;
  readonly tail: number;
  readonly brokers: readonly string[];
  /** default: the crash family's (crash-scenario.ts) */
  readonly insuranceFund?: string;
}

export interface RestartRun {
  readonly readyMs: number;
  readonly foldedRecords: number;
  readonly fromSnapshot: number | null;
  readonly nextSeq: number;
  readonly headHash: string;
}

export interface RestartBenchResult {
  readonly scenario: string;
  readonly journalRecords: number;
  readonly journalBytes: number;
  readonly tail: number;
  readonly snapshotBytes: number;
  readonly snapshotSeq: number;
  readonly warmUp: RestartRun;
  readonly fromSnapshot: RestartRun;
  readonly fullFold: RestartRun;
  readonly publishMs: number;
}

const TRANSACTION_RECORDS = 500;

export async function benchRestart(root: string, config: RestartBenchConfig, log: (line: string) => void): Promise<RestartBenchResult> {
  const scenario = crashFamilyScenario(root, config.accounts, config.insuranceFund);
  const dir = mkdtempSync(join(tmpdir(), 'ccp-bench-restart-'));
  const out = join(dir, 'run');
  log(`restart: simulating ${scenario.name} (embedded) for margin's journal`);
  simulate(scenario, DECIDERS, { outDir: out });
  const lines: string[] = [];
  for await (const { text } of readJournalLines(join(out, journalFileName('margin')))) lines.push(text);
  rmSync(dir, { recursive: true, force: true });
  const journalBytes = lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
  log(`  margin journal: ${int(lines.length)} records, ${fmt(journalBytes / 2 ** 20, 1)} MiB`);

  const namespace = `bench.restart.${process.pid.toString(36)}.${Date.now().toString(36)}.`;
  const topo = topology(namespace);
  const kafka = createKafka('ccp-bench-restart', config.brokers);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, namespace);
  const schema = `bench_restart_${process.pid.toString(36)}`;
  const dataSource = createDataSource({ url: databaseUrlFromEnv(), schema, applicationName: 'ccp-bench-restart', poolSize: 3 });
  await dataSource.initialize();
  await migrate(dataSource);
  const keys = developmentJournalKeys();
  const signer = signerOf('margin', keys.privateKeys.margin);
  const producer = kafka.producer({ transactionalId: `${namespace}bench-restart-publisher`, idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  let publishMs = 0;
  const publish = async (from: number, to: number): Promise<void> => {
    const started = performance.now();
    for (let i = from; i < to; i += TRANSACTION_RECORDS) {
      const end = Math.min(to, i + TRANSACTION_RECORDS);
      const messages: Message[] = [];
      for (let j = i; j < end; j += 1) {
        const record = JSON.parse(lines[j]!) as EventEnvelope;
        messages.push({ key: record.stream, value: lines[j]!, headers: { 'ccp-producer': 'margin', 'ccp-seq': String(record.seq), 'ccp-type': record.type } });
        if (j === end - 1) messages[messages.length - 1]!.headers![HEAD_SIGNATURE_HEADER] = signer.signHead(record.seq, record.hash).signature;
      }
      const transaction = await producer.transaction();
      for (const chunk of chunksBySize(messages)) await transaction.send({ topic: topo.journals.margin, messages: chunk });
      await transaction.commit();
    }
    publishMs += performance.now() - started;
  };

  const startOnce = async (snapshotEvery: number): Promise<RestartRun> => {
    const runtime = new JournalRuntime({
      producer: 'margin',
      brokers: config.brokers,
      namespace,
      dataSource,
      snapshotEvery,
      keys: { signer, keyring: keys.keyring },
      logger: { log: (m) => log(`  [margin] ${m}`), error: (m) => log(`  [margin] ${m}`) },
      onFatal: (e) => log(`  [margin] FATAL ${e.message}`),
    });
    const started = performance.now();
    await runtime.start();
    while (!runtime.status().ready) {
      if (runtime.status().phase === 'failed') throw new Error(`margin failed to start: ${runtime.status().failure}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const readyMs = performance.now() - started;
    const s = runtime.status();
    await runtime.stop();
    return { readyMs, foldedRecords: s.foldedRecords, fromSnapshot: s.foldedFromSnapshot, nextSeq: s.nextSeq, headHash: s.headHash };
  };

  try {
    const cut = lines.length - config.tail;
    await publish(0, cut);
    log(`  published ${int(cut)} records in ${fmt(publishMs / 1000, 1)} s; warm-up start (full fold + snapshot at its head)`);
    const warmUp = await startOnce(1);
    const [snapshot] = (await dataSource.query(`SELECT seq, length(state) AS bytes FROM ${schema}.fold_snapshot WHERE producer = 'margin' ORDER BY seq DESC LIMIT 1`)) as Array<{ seq: string; bytes: number }>;
    if (!snapshot) throw new Error('the warm-up start stored no snapshot');
    log(`  warm-up: folded ${int(warmUp.foldedRecords)} records, ready in ${fmt(warmUp.readyMs / 1000, 2)} s; snapshot at seq ${snapshot.seq}, ${fmt(snapshot.bytes / 2 ** 20, 1)} MiB`);
    await publish(cut, lines.length);
    // the snapshot start must not take another snapshot (that is the warm-up's job): every = the whole journal
    const fromSnapshot = await startOnce(lines.length + 1);
    log(`  from the snapshot: folded ${int(fromSnapshot.foldedRecords)} records, ready in ${fmt(fromSnapshot.readyMs / 1000, 2)} s`);
    const fullFold = await startOnce(0);
    log(`  full fold: folded ${int(fullFold.foldedRecords)} records, ready in ${fmt(fullFold.readyMs / 1000, 2)} s`);
    if (fromSnapshot.nextSeq !== lines.length || fullFold.nextSeq !== lines.length || fromSnapshot.headHash !== fullFold.headHash) {
      throw new Error(`restarts disagree: from the snapshot next seq ${fromSnapshot.nextSeq} head ${fromSnapshot.headHash}, full fold ${fullFold.nextSeq} ${fullFold.headHash}, journal ${lines.length}`);
    }
    if (fromSnapshot.fromSnapshot !== Number(snapshot.seq) || fullFold.fromSnapshot !== null) throw new Error('the restarts did not start from where they were meant to');
    return {
      scenario: scenario.name,
      journalRecords: lines.length,
      journalBytes,
      tail: config.tail,
      snapshotBytes: Number(snapshot.bytes),
      snapshotSeq: Number(snapshot.seq),
      warmUp,
      fromSnapshot,
      fullFold,
      publishMs,
    };
  } finally {
    await producer.disconnect().catch(() => undefined);
    await deleteNamespaceTopics(admin, namespace).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await dataSource.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await dataSource.destroy().catch(() => undefined);
  }
}

/** The restart section of BENCHMARKS.md (docs/bench/restart.md). */
export function restartSection(r: RestartBenchResult, measured: string): string {
  const s = (ms: number) => fmt(ms / 1000, 2);
  const ratio = r.fullFold.readyMs / r.fromSnapshot.readyMs;
  return [
    '## 7. Restart on a long journal: snapshot + tail against the full fold',
    '',
    `${measured}. Command: \`node -r @swc-node/register libs/bench/src/restart.main.ts --accounts ${r.scenario.replace(/.*-at-/, '')} --tail ${r.tail}\` (libs/bench/src/restart-bench.ts).`,
    '',
    `Margin's journal of \`${r.scenario}\` (embedded engine): **${int(r.journalRecords)} records**, ${fmt(r.journalBytes / 2 ** 20, 1)} MiB, published to a fresh`,
    'namespace as the runtime writes it (500 records per transaction, head signed). The margin runtime starts in the benchmark process on the real broker',
    'and database, without read models (their projection is not the fold). Time to ready = `start()` until the consumer has joined its group.',
    `A warm-up start folded all but the last ${int(r.tail)} records and stored a snapshot at seq ${int(r.snapshotSeq)} (${fmt(r.snapshotBytes / 2 ** 20, 1)} MiB of V8 structured clone`,
    `in PostgreSQL); the tail was published after it. Both measured starts end at the same head (seq ${int(r.fullFold.nextSeq - 1)}, ${r.fullFold.headHash.slice(0, 16)}…).`,
    '',
    '| start | records folded | ready s | ÷ full fold |',
    '| --- | --- | --- | --- |',
    `| from the snapshot (signature + SHA-256 checked, decoded) + tail | ${int(r.fromSnapshot.foldedRecords)} | **${s(r.fromSnapshot.readyMs)}** | ${fmt(1 / ratio, 3)}× |`,
    `| full fold (snapshots off), same journal | ${int(r.fullFold.foldedRecords)} | ${s(r.fullFold.readyMs)} | 1.00× |`,
    `| warm-up: full fold of the journal without its tail, snapshot stored | ${int(r.warmUp.foldedRecords)} | ${s(r.warmUp.readyMs)} | — |`,
    '',
    `Goal: ready in ≤ 5 s on ≥ 1,000,000 records — **${r.journalRecords >= 1_000_000 && r.fromSnapshot.readyMs <= 5_000 ? 'met' : 'missed'}** (${s(r.fromSnapshot.readyMs)} s; the full fold takes ${fmt(ratio, 1)}× as long).`,
    '',
  ].join('\n');
}
