/**
 * A single-node Kafka broker of the suite's own, started by scripts/infra on free ports with its data in a
 * temporary folder, so it can be SIGKILLed and started again on the same data (topics and committed offsets
 * survive) without touching the broker other tests share.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../scripts/start/free-port.ts';
import { localInfraScripts } from './local-infra-scripts.ts';
import { type PrivateServer, startDetachedServer } from './private-server.ts';

const READY_TIMEOUT_MS = 120_000;

export interface PrivateKafka extends PrivateServer {
  /** host:port, for KAFKA_BROKERS. */
  broker: string;
  logFile: string;
}

export async function startPrivateKafka(): Promise<PrivateKafka> {
  const infra = await localInfraScripts();
  const stateDir = mkdtempSync(join(tmpdir(), 'mlc-private-kafka-'));
  const settings = infra.infraSettings({
    ...process.env,
    MLC_INFRA_STATE: stateDir,
    MLC_KAFKA_PORT: String(await freePort()),
    MLC_KAFKA_CONTROLLER_PORT: String(await freePort()),
  });
  const broker = `${settings.host}:${settings.kafka.port}`;
  const files = infra.kafkaFiles(settings);
  const java = infra.requireJavaAndMaven().kafka;
  await infra.ensureKafkaLibraries(settings.kafka);
  return startDetachedServer({
    name: 'Kafka broker',
    extra: { broker, logFile: files.logFile },
    launch: async () => (await infra.startKafka(settings, java)).pid,
    ready: (pid) =>
      infra.waitUntilReady({
        name: 'private Kafka',
        probe: () => infra.kafkaAnswersMetadata([broker]),
        timeoutMs: READY_TIMEOUT_MS,
        hasDied: () => infra.processExited(pid),
        logFile: files.consoleFile,
      }),
    exited: infra.processExited,
    removeData: async () => rmSync(stateDir, { recursive: true, force: true }),
  });
}
