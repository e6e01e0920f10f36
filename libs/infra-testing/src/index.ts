export { DEFAULT_DATABASE_URL, DEFAULT_KAFKA_BROKERS, databaseUrlFromEnv, kafkaBrokersFromEnv } from './env';
export { kafkaFromEnv, kafkaLogLevelFromEnv, producerOf, transactionalProducerOf } from './kafka-client';
export { collectUntil, toCollected, type CollectedMessage, type CollectOptions } from './kafka-collect';
export { createTestTopics, deleteTestTopics, type TestTopic } from './kafka-topics';
export { uniqueGroupId, uniqueName, uniqueSchemaName, uniqueTopicName } from './unique-names';
export { deferred, waitFor, withDeadline, WaitTimeoutError, type Deferred, type WaitOptions } from './wait-for';
