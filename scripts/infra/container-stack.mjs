// The same three servers as the local stack, started with testcontainers where a Docker engine runs.
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { APICURIO_VERSION, KAFKA_VERSION } from './infra-settings.mjs';
import { ensureBackwardCompatibility } from './registry-server.mjs';

const POSTGRES_IMAGE = 'postgres:17';

function dockerSocketCandidates() {
  return [
    '/var/run/docker.sock',
    join(homedir(), '.docker', 'run', 'docker.sock'),
    join(homedir(), '.colima', 'docker.sock'),
  ];
}

/** True when a container engine answers. Cheap when there is obviously none (no socket, no DOCKER_HOST). */
export async function dockerEngineReachable() {
  const hinted = process.env.DOCKER_HOST || dockerSocketCandidates().some((socket) => existsSync(socket));
  if (!hinted) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts Kafka, Apicurio Registry and PostgreSQL containers. Returns their env and a stop function.
 * Kafka must advertise an address the host can reach, which is only known for a fixed host port.
 */
export async function startContainerStack({ log = (line) => console.error(line) } = {}) {
  const { GenericContainer, Wait, getContainerRuntimeClient } = await import('testcontainers');
  const runtime = await getContainerRuntimeClient();
  const host = runtime.info.containerRuntime.host;
  const kafkaPort = await freePort();
  const started = [];
  const stop = async () => {
    await Promise.allSettled(started.map((container) => container.stop()));
  };
  try {
    const [kafka, registry, postgres] = await Promise.all([
      new GenericContainer(`apache/kafka:${KAFKA_VERSION}`)
        .withExposedPorts({ container: 9092, host: kafkaPort })
        .withEnvironment({
          KAFKA_NODE_ID: '1',
          KAFKA_PROCESS_ROLES: 'broker,controller',
          KAFKA_LISTENERS: 'PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093',
          KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${host}:${kafkaPort}`,
          KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
          KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
          KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
          KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
          KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '10',
          KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
          KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
          KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
          KAFKA_NUM_PARTITIONS: '1',
        })
        .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
        .withStartupTimeout(180_000)
        .start()
        .then((container) => {
          started.push(container);
          return container;
        }),
      new GenericContainer(`apicurio/apicurio-registry:${APICURIO_VERSION}`)
        .withExposedPorts(8080)
        .withEnvironment({ APICURIO_RULES_GLOBAL_COMPATIBILITY: 'BACKWARD' })
        .withWaitStrategy(Wait.forHttp('/apis/ccompat/v7/subjects', 8080).forStatusCode(200))
        .withStartupTimeout(180_000)
        .start()
        .then((container) => {
          started.push(container);
          return container;
        }),
      new GenericContainer(POSTGRES_IMAGE)
        .withExposedPorts(5432)
        .withEnvironment({ POSTGRES_PASSWORD: 'postgres' })
        // The official image restarts once after initdb: the second "ready" is the real one.
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
        .withStartupTimeout(120_000)
        .start()
        .then((container) => {
          started.push(container);
          return container;
        }),
    ]);
    const env = {
      KAFKA_BROKERS: `${host}:${kafkaPort}`,
      SCHEMA_REGISTRY_URL: `http://${registry.getHost()}:${registry.getMappedPort(8080)}/apis/ccompat/v7`,
      DATABASE_URL: `postgres://postgres:postgres@${postgres.getHost()}:${postgres.getMappedPort(5432)}/postgres`,
    };
    await ensureBackwardCompatibility(env.SCHEMA_REGISTRY_URL);
    log(
      `containers: Kafka ${kafka.getId().slice(0, 12)}, registry ${registry.getId().slice(0, 12)}, PostgreSQL ${postgres.getId().slice(0, 12)}`,
    );
    return { env, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
