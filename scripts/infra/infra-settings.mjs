import { homedir } from 'node:os';
import { join } from 'node:path';

export const KAFKA_VERSION = '3.9.1';
export const APICURIO_VERSION = '3.3.3';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

function portFromEnv(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name} must be a TCP port (1-65535), got "${raw}"`);
  }
  return port;
}

/**
 * Every path, port and version the local stack uses, resolved once from the environment (a test passes its
 * own to run a private broker or registry beside the shared ones).
 */
export function infraSettings(env = process.env) {
  const cacheDir = env.MLC_INFRA_CACHE || join(homedir(), '.cache', 'ml-connector');
  const stateDir = env.MLC_INFRA_STATE || join(cacheDir, 'state');
  const kafkaPort = portFromEnv(env, 'MLC_KAFKA_PORT', 9092);
  const controllerPort = portFromEnv(env, 'MLC_KAFKA_CONTROLLER_PORT', 9093);
  const registryPort = portFromEnv(env, 'MLC_REGISTRY_PORT', 8081);
  // Quarkus serves health and metrics on a second port (9000 unless told): keep it next to ours.
  const registryManagementPort = portFromEnv(env, 'MLC_REGISTRY_MANAGEMENT_PORT', registryPort + 1000);
  return {
    host: '127.0.0.1',
    cacheDir,
    stateDir,
    logsDir: join(stateDir, 'logs'),
    kafka: {
      version: KAFKA_VERSION,
      homeDir: join(cacheDir, `kafka-${KAFKA_VERSION}`),
      libDir: join(cacheDir, `kafka-${KAFKA_VERSION}`, 'lib'),
      dataDir: join(stateDir, `kafka-${KAFKA_VERSION}-data`),
      port: kafkaPort,
      controllerPort,
    },
    registry: {
      version: APICURIO_VERSION,
      homeDir: join(cacheDir, `apicurio-registry-${APICURIO_VERSION}`),
      port: registryPort,
      managementPort: registryManagementPort,
    },
    databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_URL,
  };
}

/** The environment a service or test needs to reach the stack. */
export function connectionEnv(settings) {
  return {
    KAFKA_BROKERS: `${settings.host}:${settings.kafka.port}`,
    SCHEMA_REGISTRY_URL: `http://${settings.host}:${settings.registry.port}/apis/ccompat/v7`,
    DATABASE_URL: settings.databaseUrl,
  };
}
