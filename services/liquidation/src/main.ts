/**
 * The liquidation service: the single writer of its journal on Kafka, a thin NestJS shell around the
 * liquidation decider (docs/adr/0005-kafka-runtime.md). Configuration: KAFKA_BROKERS, DATABASE_URL,
 * HTTP_PORT, CCP_TOPIC_NAMESPACE, CCP_LOG_LEVEL, OTEL_* — validated at start. Logs are JSON lines on
 * standard output; metrics answer a Prometheus scrape at GET /metrics on the HTTP port.
 *
 *   node -r @swc-node/register services/liquidation/src/main.ts
 */
import { runJournalServiceMain } from '@ccp/kafka-runtime';

void runJournalServiceMain('liquidation');
