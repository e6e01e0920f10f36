/**
 * What the runtime requires of the cluster before it writes a journal (docs/adr/0009-kafka-in-production.md).
 * Pure: the configs come from describeConfigs; each problem is a sentence naming the setting, its
 * value and why it cannot be run on.
 */

/** The settings a topic must have to be an immutable, append-only log: nothing is ever deleted or compacted away. */
export const IMMUTABLE_LOG_SETTINGS = ['cleanup.policy', 'retention.ms', 'retention.bytes'] as const;

export function immutableLogProblems(topic: string, configs: Readonly<Record<string, string | undefined>>): string[] {
  const problems: string[] = [];
  const policy = configs['cleanup.policy'];
  if (policy !== 'delete') {
    problems.push(`topic ${topic} has cleanup.policy=${policy ?? '(unknown)'}: a journal must be cleanup.policy=delete with infinite retention (compaction keeps only the last record per key and loses the log)`);
  }
  for (const name of ['retention.ms', 'retention.bytes'] as const) {
    if (configs[name] !== '-1') problems.push(`topic ${topic} has ${name}=${configs[name] ?? '(unknown)'}: a journal is kept forever (${name}=-1), or its oldest records are deleted and the journal can no longer be replayed or audited`);
  }
  return problems;
}

/** The broker settings transactions depend on. */
export const TRANSACTION_SETTINGS = ['transaction.state.log.replication.factor', 'transaction.state.log.min.isr'] as const;

/**
 * Exactly-once journals need the transaction coordinator: its state topic needs as many brokers as
 * its replication factor, else every InitProducerId fails (COORDINATOR_NOT_AVAILABLE, retried forever).
 */
export function transactionProblems(brokers: number, configs: Readonly<Record<string, string | undefined>>): string[] {
  const factor = Number(configs['transaction.state.log.replication.factor'] ?? NaN);
  const minIsr = Number(configs['transaction.state.log.min.isr'] ?? NaN);
  const problems: string[] = [];
  if (Number.isFinite(factor) && factor > brokers) {
    problems.push(`the broker cannot run transactions: transaction.state.log.replication.factor=${factor} but the cluster has ${brokers} broker(s); the journals are written in transactions (exactly once)`);
  }
  if (Number.isFinite(minIsr) && Number.isFinite(factor) && minIsr > factor) {
    problems.push(`the broker cannot commit transactions: transaction.state.log.min.isr=${minIsr} exceeds transaction.state.log.replication.factor=${factor}`);
  }
  return problems;
}
