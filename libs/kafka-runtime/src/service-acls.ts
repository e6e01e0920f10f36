import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type AclEntry, type Admin } from 'kafkajs';
import { PRODUCERS, type Producer } from '@ccp/contracts';
import { DECIDERS } from '@ccp/engine';
import { consumedJournals, INPUT_CHANNELS, topology } from './topology';

/**
 * The least a service's Kafka principal needs (docs/adr/0009-kafka-in-production.md): it writes only
 * its own journal (plus the shared dead-letter and anchor topics, in its transactions), reads only
 * its own journal (the fold at start) and the topics it consumes, uses only its own consumer groups
 * (`<ns>ccp.<service>`, and `…read.*` for the fold) and its own transactional id. Nothing else:
 * another service's journal is not writable, so a stolen service credential cannot forge it.
 */
export interface ServiceAcl {
  readonly resource: 'topic' | 'group' | 'transactional-id' | 'cluster';
  readonly name: string;
  readonly pattern: 'literal' | 'prefixed';
  readonly operations: readonly ('READ' | 'WRITE' | 'DESCRIBE' | 'DESCRIBE_CONFIGS' | 'DELETE' | 'IDEMPOTENT_WRITE')[];
}

export function serviceAcls(producer: Producer, namespace = ''): ServiceAcl[] {
  const t = topology(namespace);
  const consumed = [...INPUT_CHANNELS.map((c) => t.inputs[c]), ...consumedJournals(producer, DECIDERS).map((p) => t.journals[p])];
  return [
    { resource: 'topic', name: t.journals[producer], pattern: 'literal', operations: ['WRITE', 'READ', 'DESCRIBE', 'DESCRIBE_CONFIGS'] },
    { resource: 'topic', name: t.anchors, pattern: 'literal', operations: ['WRITE', 'DESCRIBE', 'DESCRIBE_CONFIGS'] },
    { resource: 'topic', name: t.deadLetter, pattern: 'literal', operations: ['WRITE', 'DESCRIBE'] },
    ...consumed.map((name): ServiceAcl => ({ resource: 'topic', name, pattern: 'literal', operations: ['READ', 'DESCRIBE'] })),
    { resource: 'group', name: t.groupId(producer), pattern: 'prefixed', operations: ['READ', 'DESCRIBE', 'DELETE'] },
    { resource: 'transactional-id', name: t.transactionalId(producer), pattern: 'literal', operations: ['WRITE', 'DESCRIBE'] },
    // the broker's transaction settings are checked at start (broker-guards); idempotent produce
    { resource: 'cluster', name: 'kafka-cluster', pattern: 'literal', operations: ['DESCRIBE_CONFIGS', 'IDEMPOTENT_WRITE'] },
  ];
}

const RESOURCE: Record<ServiceAcl['resource'], AclResourceTypes> = {
  topic: AclResourceTypes.TOPIC,
  group: AclResourceTypes.GROUP,
  'transactional-id': AclResourceTypes.TRANSACTIONAL_ID,
  cluster: AclResourceTypes.CLUSTER,
};

/** The ACL entries of `serviceAcls` for a principal (`User:<name>`), allowed from any host. */
export function aclEntries(principal: string, acls: readonly ServiceAcl[]): AclEntry[] {
  return acls.flatMap((acl) =>
    acl.operations.map((operation) => ({
      principal,
      host: '*',
      operation: AclOperationTypes[operation],
      permissionType: AclPermissionTypes.ALLOW,
      resourceType: RESOURCE[acl.resource],
      resourceName: acl.name,
      resourcePatternType: acl.pattern === 'literal' ? ResourcePatternTypes.LITERAL : ResourcePatternTypes.PREFIXED,
    })),
  );
}

/** Grants each service's principal its ACLs (idempotent: the broker keeps one copy of an equal ACL). */
export async function applyServiceAcls(admin: Admin, namespace: string, principalOf: (producer: Producer) => string): Promise<number> {
  const entries = PRODUCERS.flatMap((p) => aclEntries(principalOf(p), serviceAcls(p, namespace)));
  await admin.createAcls({ acl: entries });
  return entries.length;
}
