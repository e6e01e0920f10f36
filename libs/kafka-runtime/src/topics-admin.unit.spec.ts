import { LOCAL_PLACEMENT, PRODUCTION_PLACEMENT, topicPlacementFromEnv } from './topics-admin';

describe('topic placement: replication factor and min.insync.replicas', () => {
  it('local 1/1 by default; the production profile 3/2; each number can be set', () => {
    expect(topicPlacementFromEnv({})).toEqual(LOCAL_PLACEMENT);
    expect(topicPlacementFromEnv({ KAFKA_TOPIC_PROFILE: 'production' })).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(PRODUCTION_PLACEMENT).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(topicPlacementFromEnv({ KAFKA_REPLICATION_FACTOR: '5', KAFKA_MIN_INSYNC_REPLICAS: '3' })).toEqual({ replicationFactor: 5, minInsyncReplicas: 3 });
    expect(topicPlacementFromEnv({ KAFKA_REPLICATION_FACTOR: '3' })).toEqual({ replicationFactor: 3, minInsyncReplicas: 1 });
  });

  it('refuses what could never acknowledge a write, and what is not a count', () => {
    expect(() => topicPlacementFromEnv({ KAFKA_REPLICATION_FACTOR: '1', KAFKA_MIN_INSYNC_REPLICAS: '2' })).toThrow(/cannot exceed KAFKA_REPLICATION_FACTOR \(1\)/);
    expect(() => topicPlacementFromEnv({ KAFKA_REPLICATION_FACTOR: '0' })).toThrow(/KAFKA_REPLICATION_FACTOR must be a whole number from 1 to 99; got '0'/);
    expect(() => topicPlacementFromEnv({ KAFKA_TOPIC_PROFILE: 'prod' })).toThrow(/local or production/);
  });
});
