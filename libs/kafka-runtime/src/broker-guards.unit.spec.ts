import { immutableLogProblems, transactionProblems } from './broker-guards';

describe('broker guards: what the runtime refuses to run on', () => {
  const kept = { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'retention.bytes': '-1' };

  it('a journal topic kept forever with delete policy passes', () => {
    expect(immutableLogProblems('ccp.margin.events.v1', kept)).toEqual([]);
  });

  it.each([
    [{ 'cleanup.policy': 'compact' }, /cleanup\.policy=compact: a journal must be cleanup\.policy=delete/],
    [{ 'cleanup.policy': 'compact,delete' }, /cleanup\.policy=compact,delete/],
    [{ 'retention.ms': '604800000' }, /retention\.ms=604800000: a journal is kept forever/],
    [{ 'retention.bytes': '1073741824' }, /retention\.bytes=1073741824/],
    [{ 'retention.ms': undefined }, /retention\.ms=\(unknown\)/],
  ])('%p is refused, naming the setting', (change, reason) => {
    const problems = immutableLogProblems('ccp.margin.events.v1', { ...kept, ...change });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^topic ccp\.margin\.events\.v1 has /);
    expect(problems[0]).toMatch(reason);
  });

  it('transactions need as many brokers as the transaction log has replicas', () => {
    expect(transactionProblems(1, { 'transaction.state.log.replication.factor': '1', 'transaction.state.log.min.isr': '1' })).toEqual([]);
    expect(transactionProblems(3, { 'transaction.state.log.replication.factor': '3', 'transaction.state.log.min.isr': '2' })).toEqual([]);
    expect(transactionProblems(1, { 'transaction.state.log.replication.factor': '3', 'transaction.state.log.min.isr': '2' })).toEqual([
      expect.stringMatching(/cannot run transactions: transaction\.state\.log\.replication\.factor=3 but the cluster has 1 broker/),
    ]);
    expect(transactionProblems(3, { 'transaction.state.log.replication.factor': '3', 'transaction.state.log.min.isr': '4' })).toEqual([expect.stringMatching(/min\.isr=4 exceeds/)]);
    expect(transactionProblems(1, {})).toEqual([]); // not described (no permission): the producer's own start says it
  });
});
