/**
 * Grants each service's Kafka principal the ACLs it needs and nothing more (serviceAcls in
 * libs/kafka-runtime, docs/adr/0009-kafka-in-production.md), for the topics under
 * CCP_TOPIC_NAMESPACE. Idempotent. Run it as a principal allowed to alter ACLs, with the same
 * KAFKA_SECURITY_PROTOCOL / KAFKA_SASL_* / KAFKA_SSL_* environment the services use.
 *
 *   KAFKA_BROKERS=… node -r @swc-node/register infra/kafka/service-acls.ts [--print]
 *     --print   print the ACL table and touch no broker
 *
 * Principal of service S: `${CCP_KAFKA_PRINCIPAL_PREFIX}${S}` (default prefix `User:ccp-`, so
 * `User:ccp-margin`, `User:ccp-liquidation`, `User:ccp-default-fund`, `User:ccp-loss-allocation`).
 */
import { PRODUCERS } from '@ccp/contracts';
import { applyServiceAcls, checkNamespace, createKafka, parseBrokers, serviceAcls } from '@ccp/kafka-runtime';

async function main(argv: readonly string[]): Promise<void> {
  const unknown = argv.filter((a) => a !== '--print');
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown[0]} (usage: service-acls.ts [--print])`);
  const namespace = checkNamespace(process.env['CCP_TOPIC_NAMESPACE'] ?? '');
  const prefix = process.env['CCP_KAFKA_PRINCIPAL_PREFIX'] ?? 'User:ccp-';
  if (!/^[A-Za-z]+:/.test(prefix)) throw new Error(`CCP_KAFKA_PRINCIPAL_PREFIX must start with a principal type such as "User:" (got ${JSON.stringify(prefix)})`);
  if (argv.includes('--print')) {
    for (const producer of PRODUCERS) {
      for (const acl of serviceAcls(producer, namespace)) {
        process.stdout.write(`${prefix}${producer}\t${acl.resource}\t${acl.pattern}\t${acl.name}\t${acl.operations.join(',')}\n`);
      }
    }
    return;
  }
  const brokers = parseBrokers(process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092');
  const admin = createKafka('ccp-service-acls', brokers).admin();
  await admin.connect();
  try {
    const granted = await applyServiceAcls(admin, namespace, (p) => `${prefix}${p}`);
    process.stderr.write(`[service-acls] ${granted} ACL entries granted on ${brokers.join(',')} to ${PRODUCERS.map((p) => prefix + p).join(' ')}\n`);
  } finally {
    await admin.disconnect();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`[service-acls] ERROR: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
