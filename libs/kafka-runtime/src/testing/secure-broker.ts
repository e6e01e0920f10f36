import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@ccp/infra-testing';
import { logLevel } from 'kafkajs';
import { createKafka } from '../kafka-client';
import { freePort, REPO_ROOT } from './child-stack';

/**
 * A second, production-shaped Apache Kafka broker for one test (the same Maven Central jars
 * `infra/kafka/kafka.sh` assembles): one SASL_SSL listener (TLS with a CA made here by openssl,
 * SCRAM-SHA-512 users created at format time, as `kafka-storage format --add-scram` does), the
 * StandardAuthorizer with `allow.everyone.if.no.acl.found=false`, so every principal but the admin
 * gets only what an ACL grants. The KRaft controller listener is loopback PLAINTEXT (its ANONYMOUS
 * principal is a super user, as the controller connection of a combined node requires).
 */
export interface SecureBroker {
  readonly brokers: string[];
  readonly dir: string;
  /** PEM of the CA that signed the broker's certificate */
  readonly caFile: string;
  /** a user's password file (KAFKA_SASL_PASSWORD_FILE) */
  passwordFile(user: string): string;
  /** the client environment of a user: SASL_SSL, the CA, SCRAM-SHA-512, the user and its password file */
  env(user: string): Record<string, string>;
  /** the broker's log, for a failure message */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

export const SECURE_ADMIN = 'admin';

const LIB = join(REPO_ROOT, 'infra', 'kafka', '.cache', 'lib');

function run(command: string, args: readonly string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error: unknown) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`);
  }
}

function makeCertificates(dir: string, storePassword: string): { caFile: string; keystore: string; truststore: string } {
  const caFile = join(dir, 'ca.pem');
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', caFile, '-days', '2', '-subj', '/CN=ccp-test-ca'], dir);
  run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'broker.key', '-out', 'broker.csr', '-subj', '/CN=127.0.0.1'], dir);
  writeFileSync(join(dir, 'broker.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  run('openssl', ['x509', '-req', '-in', 'broker.csr', '-CA', caFile, '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'broker.pem', '-days', '2', '-extfile', 'broker.ext'], dir);
  const keystore = join(dir, 'broker.p12');
  run('openssl', ['pkcs12', '-export', '-in', 'broker.pem', '-inkey', 'broker.key', '-certfile', caFile, '-name', 'broker', '-out', keystore, '-passout', `pass:${storePassword}`], dir);
  const truststore = join(dir, 'truststore.p12');
  run('keytool', ['-importcert', '-noprompt', '-storetype', 'PKCS12', '-keystore', truststore, '-storepass', storePassword, '-alias', 'ccp-test-ca', '-file', caFile], dir);
  return { caFile, keystore, truststore };
}

export async function startSecureBroker(users: readonly string[], timeoutMs = 120_000): Promise<SecureBroker> {
  if (!existsSync(LIB)) throw new Error(`${LIB} is missing: run infra/scripts/infra-up.sh (it fetches the broker's jars) first`);
  const dir = mkdtempSync(join(tmpdir(), 'ccp-secure-broker-'));
  const storePassword = randomBytes(12).toString('hex');
  const passwords = new Map<string, string>([SECURE_ADMIN, ...users].map((u) => [u, randomBytes(16).toString('hex')]));
  for (const [user, password] of passwords) writeFileSync(join(dir, `${user}.password`), `${password}\n`, { mode: 0o600 });
  const { caFile, keystore, truststore } = makeCertificates(dir, storePassword);
  const [port, controllerPort] = [await freePort(), await freePort()];
  const props = join(dir, 'server.properties');
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  writeFileSync(
    props,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=SASL_SSL://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=SASL_SSL://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=SASL_SSL',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL',
      'sasl.enabled.mechanisms=SCRAM-SHA-512',
      'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
      `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${SECURE_ADMIN}" password="${passwords.get(SECURE_ADMIN)}";`,
      'ssl.keystore.type=PKCS12',
      `ssl.keystore.location=${keystore}`,
      `ssl.keystore.password=${storePassword}`,
      `ssl.key.password=${storePassword}`,
      'ssl.truststore.type=PKCS12',
      `ssl.truststore.location=${truststore}`,
      `ssl.truststore.password=${storePassword}`,
      'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      `super.users=User:${SECURE_ADMIN};User:ANONYMOUS`,
      'allow.everyone.if.no.acl.found=false',
      `log.dirs=${dataDir}`,
      'num.partitions=1',
      'default.replication.factor=1',
      'min.insync.replicas=1',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'transaction.state.log.num.partitions=1',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=false',
      'message.max.bytes=8388608',
      'num.network.threads=2',
      'num.io.threads=2',
      '',
    ].join('\n'),
  );
  const java = ['-cp', `${LIB}/*`, `-Dlog4j2.configurationFile=${join(REPO_ROOT, 'infra', 'kafka', 'log4j2.properties')}`, `-Dkafka.logs.dir=${join(dir, 'logs')}`];
  const clusterId = run('java', [...java, 'kafka.tools.StorageTool', 'random-uuid'], dir).trim().split('\n').at(-1)!;
  const scram = [...passwords].flatMap(([user, password]) => ['--add-scram', `SCRAM-SHA-512=[name=${user},password=${password}]`]);
  run('java', [...java, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', props, ...scram], dir);

  const log: string[] = [];
  const child: ChildProcess = spawn('java', ['-Xms128m', '-Xmx384m', ...java, 'kafka.Kafka', props], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const take = (chunk: Buffer) => {
    log.push(...chunk.toString('utf8').split('\n'));
    if (log.length > 2000) log.splice(0, 1000);
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const brokers = [`127.0.0.1:${port}`];
  const passwordFile = (user: string) => {
    if (!passwords.has(user)) throw new Error(`no SCRAM user ${user} on this broker`);
    return join(dir, `${user}.password`);
  };
  const broker: SecureBroker = {
    brokers,
    dir,
    caFile,
    passwordFile,
    env: (user) => ({
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SSL_CA_FILE: caFile,
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: user,
      KAFKA_SASL_PASSWORD_FILE: passwordFile(user),
    }),
    logTail: (lines = 40) => {
      const server = join(dir, 'logs', 'server.log');
      return existsSync(server) ? readFileSync(server, 'utf8').split('\n').slice(-lines).join('\n') : log.slice(-lines).join('\n');
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited.finally(() => clearTimeout(timer));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    const admin = createKafka('ccp-secure-broker-probe', brokers, {
      ssl: { ca: readFileSync(caFile, 'utf8'), rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: SECURE_ADMIN, password: passwords.get(SECURE_ADMIN)! },
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING, // refusals while the broker starts are the expected answer
    }).admin();
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`the secure broker exited (code ${child.exitCode}):\n${broker.logTail()}`);
        try {
          await admin.connect();
          await admin.describeCluster();
          return true;
        } catch {
          await admin.disconnect().catch(() => undefined);
          return false;
        }
      },
      { description: `SASL_SSL broker on ${brokers[0]}`, timeoutMs, intervalMs: 500 },
    );
    await admin.disconnect();
  } catch (error: unknown) {
    await broker.stop();
    throw error;
  }
  return broker;
}
