import { readFile } from 'node:fs/promises';
import { processExited, runningPid, stopProcess } from './detached-process.mjs';
import { withInfraLock } from './infra-lock.mjs';
import { connectionEnv, infraSettings } from './infra-settings.mjs';
import { KAFKA_PROCESS_MARKER, kafkaFiles, startKafka } from './kafka-server.mjs';
import { ensureKafkaLibraries, ensureRegistryDistribution } from './maven-artifacts.mjs';
import { requireJavaAndMaven } from './prerequisites.mjs';
import {
  kafkaAnswersMetadata,
  postgresProblem,
  redactedUrl,
  registryAnswersCcompat,
  waitUntilReady,
} from './readiness-probes.mjs';
import {
  ensureBackwardCompatibility,
  REGISTRY_PROCESS_MARKER,
  registryFiles,
  startRegistry,
} from './registry-server.mjs';

const READY_TIMEOUT_MS = Number(process.env.MLC_INFRA_READY_TIMEOUT_MS || 180_000);
const LOCK_TIMEOUT_MS = 10 * 60_000;
const STOP_GRACE_MS = 30_000;

function servers(settings) {
  const env = connectionEnv(settings);
  return {
    kafka: {
      name: 'Kafka',
      marker: KAFKA_PROCESS_MARKER,
      files: kafkaFiles(settings),
      address: env.KAFKA_BROKERS,
      probe: () => kafkaAnswersMetadata([env.KAFKA_BROKERS]),
      resolve: () => ensureKafkaLibraries(settings.kafka),
      start: (javas) => startKafka(settings, javas.kafka),
    },
    registry: {
      name: 'Apicurio Registry',
      marker: REGISTRY_PROCESS_MARKER,
      files: registryFiles(settings),
      address: env.SCHEMA_REGISTRY_URL,
      probe: () => registryAnswersCcompat(env.SCHEMA_REGISTRY_URL),
      resolve: () => ensureRegistryDistribution(settings.registry),
      start: (javas) => startRegistry(settings, javas.registry),
    },
  };
}

export async function logTail(file, lines = 15) {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Reuses a server that is already up (ours or anyone's on that port), otherwise resolves and starts it. */
async function ensureServer(server, checkPrerequisites, log) {
  const pid = await runningPid(server.files.pidFile, server.marker);
  if (pid !== undefined) {
    await waitUntilReady({
      name: server.name,
      probe: server.probe,
      timeoutMs: READY_TIMEOUT_MS,
      hasDied: () => processExited(pid),
      logFile: server.files.logFile,
    });
    log(`${server.name}: already running (pid ${pid}) at ${server.address}, reusing it`);
    return { started: false, downloaded: false };
  }
  if (await server.probe()) {
    log(`${server.name}: something already answers at ${server.address} (not started by these scripts), reusing it`);
    return { started: false, downloaded: false };
  }
  const javas = checkPrerequisites();
  const resolveStart = Date.now();
  const downloaded = await server.resolve();
  if (downloaded)
    log(`${server.name}: resolved from Maven Central in ${((Date.now() - resolveStart) / 1000).toFixed(1)} s`);
  const { pid: newPid } = await server.start(javas);
  try {
    await waitUntilReady({
      name: server.name,
      probe: server.probe,
      timeoutMs: READY_TIMEOUT_MS,
      hasDied: () => processExited(newPid),
      logFile: server.files.logFile,
    });
  } catch (error) {
    await stopProcess(newPid, server.files.pidFile, 5000);
    const consoleFile = server.files.consoleFile ?? server.files.logFile;
    throw new Error(`${error.message}\n--- last lines of ${consoleFile} ---\n${await logTail(consoleFile)}`);
  }
  log(`${server.name}: started (pid ${newPid}) at ${server.address}`);
  return { started: true, downloaded };
}

/**
 * Makes Kafka, the registry and PostgreSQL available. Idempotent: running servers are reused.
 * Returns the connection environment and which servers this call started (so a caller stops only those).
 */
export async function ensureInfra({ log = (line) => console.error(line) } = {}) {
  const settings = infraSettings();
  const env = connectionEnv(settings);
  const startedAt = Date.now();
  const problem = await postgresProblem(settings.databaseUrl);
  if (problem !== undefined) {
    throw new Error(
      `PostgreSQL does not answer at ${redactedUrl(settings.databaseUrl)}: ${problem}. ` +
        "Start the machine's PostgreSQL (e.g. pg_ctlcluster <version> main start) or set DATABASE_URL.",
    );
  }
  log(`PostgreSQL: answers at ${redactedUrl(settings.databaseUrl)}`);
  const started = await withInfraLock(settings.stateDir, LOCK_TIMEOUT_MS, async () => {
    const { kafka, registry } = servers(settings);
    // Checked only when something must start: a machine whose servers already run needs neither Java nor Maven.
    // The same error object for both servers, so the caller reports it once.
    let prerequisites;
    const checkPrerequisites = () => {
      prerequisites ??= (() => {
        try {
          return { ok: true, javas: requireJavaAndMaven() };
        } catch (error) {
          return { ok: false, error };
        }
      })();
      if (!prerequisites.ok) throw prerequisites.error;
      return prerequisites.javas;
    };
    // Both JVMs start in parallel: start-up is CPU-light waiting, and this halves a cold `up`.
    const results = await Promise.allSettled([
      ensureServer(kafka, checkPrerequisites, log),
      ensureServer(registry, checkPrerequisites, log),
    ]);
    const failures = [...new Set(results.filter((r) => r.status === 'rejected').map((r) => r.reason))];
    if (failures.length > 0) {
      const ours = results.flatMap((r, i) =>
        r.status === 'fulfilled' && r.value.started ? [[kafka, registry][i]] : [],
      );
      for (const server of ours) await stopServer(server);
      throw failures.length === 1
        ? failures[0]
        : new AggregateError(failures, failures.map((f) => f.message).join('\n'));
    }
    return { kafka: results[0].value.started, registry: results[1].value.started };
  });
  const compatibility = await ensureBackwardCompatibility(env.SCHEMA_REGISTRY_URL);
  log(`Apicurio Registry: global compatibility ${compatibility}`);
  return { env, started, elapsedMs: Date.now() - startedAt };
}

async function stopServer(server) {
  const pid = await runningPid(server.files.pidFile, server.marker);
  if (pid === undefined) return 'not running';
  return stopProcess(pid, server.files.pidFile, STOP_GRACE_MS);
}

/** Stops the servers these scripts started; `which` limits it (e.g. to what one test run started). */
export async function stopInfra({ which = { kafka: true, registry: true }, log = (line) => console.error(line) } = {}) {
  const settings = infraSettings();
  const all = servers(settings);
  await withInfraLock(settings.stateDir, LOCK_TIMEOUT_MS, async () => {
    const names = Object.keys(all).filter((key) => which[key]);
    const outcomes = await Promise.all(names.map((key) => stopServer(all[key])));
    names.forEach((key, i) => {
      log(`${all[key].name}: ${outcomes[i]}`);
    });
  });
}

/** What runs now, for `infra status`. */
export async function infraStatus() {
  const settings = infraSettings();
  const env = connectionEnv(settings);
  const all = servers(settings);
  const report = {};
  for (const [key, server] of Object.entries(all)) {
    const pid = await runningPid(server.files.pidFile, server.marker);
    report[key] = {
      name: server.name,
      pid,
      healthy: await server.probe(),
      address: server.address,
      log: server.files.logFile,
    };
  }
  const problem = await postgresProblem(settings.databaseUrl);
  report.postgres = {
    name: 'PostgreSQL',
    healthy: problem === undefined,
    address: redactedUrl(env.DATABASE_URL),
    problem,
  };
  return { env, report };
}
