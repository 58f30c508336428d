import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processExited, stopProcess } from './detached-process.mjs';
import { infraSettings } from './infra-settings.mjs';
import { logTail } from './infra-stack.mjs';
import { findJava } from './java-runtimes.mjs';
import { kafkaFiles, startKafka } from './kafka-server.mjs';
import { ensureKafkaLibraries } from './maven-artifacts.mjs';
import { KAFKA_MIN_JAVA } from './prerequisites.mjs';
import { kafkaAnswersMetadata, waitUntilReady } from './readiness-probes.mjs';
import { createCertificateAuthority, issueServerKeystore } from './throwaway-tls.mjs';

const SCRAM_MECHANISM = 'SCRAM-SHA-512';
const SCRAM_LOGIN = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 15_000;

/** Ports free right now, distinct from each other (all are held open until every one is picked). */
async function freePorts(count, host) {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, host, () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => server.address().port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function listenerProperties(name, keystore) {
  const prefix = `listener.name.${name.toLowerCase()}`;
  const properties = { [`${prefix}.${SCRAM_MECHANISM.toLowerCase()}.sasl.jaas.config`]: SCRAM_LOGIN };
  if (keystore === undefined) return properties;
  return {
    ...properties,
    [`${prefix}.ssl.keystore.type`]: 'PKCS12',
    [`${prefix}.ssl.keystore.location`]: keystore.keystoreFile,
    [`${prefix}.ssl.keystore.password`]: keystore.keystorePassword,
    [`${prefix}.ssl.key.password`]: keystore.keystorePassword,
  };
}

/**
 * A private single-node broker for the Kafka security tests, never the shared stack's: its own state
 * directory (a fresh temp folder) and free ports. Clients reach it over SASL_SSL and SASL_PLAINTEXT with
 * SCRAM-SHA-512 as `users` (created at format time); the TLS side uses a throw-away CA made here
 * (`caFile` is what a client must trust). The broker's own and controller listeners stay PLAINTEXT.
 * `stop()` stops the broker and deletes the folder, certificates and data included.
 */
export async function startSecuredKafka({ users, log = () => {} }) {
  const java = findJava(KAFKA_MIN_JAVA);
  if (java === undefined) throw new Error(`the secured Kafka broker needs Java ${KAFKA_MIN_JAVA}+`);
  const shared = infraSettings();
  await ensureKafkaLibraries(shared.kafka);
  const stateDir = await mkdtemp(join(tmpdir(), 'mlc-secured-kafka-'));
  // Nothing of the shared stack's state (data, pid file, logs) is reachable from these settings.
  const settings = {
    ...shared,
    stateDir,
    logsDir: join(stateDir, 'logs'),
    kafka: { ...shared.kafka, dataDir: join(stateDir, 'data') },
  };
  const files = kafkaFiles(settings);
  let pid;
  // A detached broker outlives this process: if it dies before stop(), the broker and its folder go too.
  const killOnExit = () => {
    if (pid !== undefined && !processExited(pid)) process.kill(pid, 'SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  };
  process.on('exit', killOnExit);
  const stop = async () => {
    if (pid !== undefined) await stopProcess(pid, files.pidFile, STOP_GRACE_MS);
    await rm(stateDir, { recursive: true, force: true });
    process.off('exit', killOnExit);
  };
  try {
    const authority = await createCertificateAuthority(stateDir, 'mlc-test-ca');
    const keystore = await issueServerKeystore(authority, stateDir, {
      name: 'broker',
      hosts: [shared.host, 'localhost'],
    });
    const [port, controllerPort, saslSslPort, saslPlaintextPort] = await freePorts(4, shared.host);
    Object.assign(settings.kafka, {
      port,
      controllerPort,
      extraListeners: [
        { name: 'SASL_SSL', protocol: 'SASL_SSL', port: saslSslPort },
        { name: 'SASL_PLAINTEXT', protocol: 'SASL_PLAINTEXT', port: saslPlaintextPort },
      ],
      extraProperties: {
        'sasl.enabled.mechanisms': SCRAM_MECHANISM,
        ...listenerProperties('SASL_SSL', keystore),
        ...listenerProperties('SASL_PLAINTEXT'),
      },
      formatArgs: users.flatMap((user) => [
        '--add-scram',
        `${SCRAM_MECHANISM}=[name=${user.name},password=${user.password}]`,
      ]),
    });
    ({ pid } = await startKafka(settings, java.binary));
    const plaintextBroker = `${shared.host}:${port}`;
    await waitUntilReady({
      name: 'secured Kafka',
      probe: () => kafkaAnswersMetadata([plaintextBroker]),
      timeoutMs: READY_TIMEOUT_MS,
      hasDied: () => processExited(pid),
      logFile: files.consoleFile,
    });
    log(`secured Kafka: started (pid ${pid}), SASL_SSL at ${shared.host}:${saslSslPort}`);
    return {
      saslSslBroker: `${shared.host}:${saslSslPort}`,
      saslPlaintextBroker: `${shared.host}:${saslPlaintextPort}`,
      caFile: authority.certFile,
      stateDir,
      stop,
    };
  } catch (error) {
    // The folder goes with stop(): keep what the broker said, or nobody can tell why it failed.
    const tail = await logTail(files.consoleFile);
    await stop();
    throw tail === '' ? error : new Error(`${error.message}\n--- last lines of the broker's console ---\n${tail}`);
  }
}
