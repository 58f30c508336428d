import { dirname, join } from 'node:path';
import { startDetached } from './detached-process.mjs';
import { findQuarkusRunJar } from './maven-artifacts.mjs';

/** Found in the JVM's command line, to tell our registry from any other java process. */
export const REGISTRY_PROCESS_MARKER = '-Dmlc.infra=registry';

const CCOMPAT_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export function registryFiles(settings) {
  return {
    pidFile: join(settings.stateDir, 'registry.pid'),
    logFile: join(settings.logsDir, 'registry.log'),
  };
}

/** In-memory H2: a restart forgets every schema, which is what tests want. */
export const IN_MEMORY_STORAGE = { APICURIO_STORAGE_KIND: 'sql', APICURIO_STORAGE_SQL_KIND: 'h2' };

/**
 * Starts Apicurio Registry detached, bound to loopback. `storage` is the APICURIO_STORAGE_* / APICURIO_DATASOURCE_*
 * environment: in-memory unless a caller needs schemas to survive a restart (e.g. PostgreSQL).
 */
export async function startRegistry(settings, java, storage = IN_MEMORY_STORAGE) {
  const files = registryFiles(settings);
  const runJar = await findQuarkusRunJar(settings.registry);
  const { host, registry } = settings;
  const pid = await startDetached({
    command: java,
    args: [
      REGISTRY_PROCESS_MARKER,
      '-Xms128m',
      '-Xmx768m',
      '-Djava.awt.headless=true',
      // Start-up time matters more than peak throughput here: C1 only, one GC thread, and a class-data
      // archive written on the first clean exit that later starts map instead of re-parsing ~20k classes.
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      '-XX:+AutoCreateSharedArchive',
      `-XX:SharedArchiveFile=${join(settings.stateDir, `apicurio-registry-${registry.version}.jsa`)}`,
      `-Dquarkus.http.host=${host}`,
      `-Dquarkus.http.port=${registry.port}`,
      `-Dquarkus.management.host=${host}`,
      `-Dquarkus.management.port=${registry.managementPort}`,
      '-jar',
      runJar,
    ],
    env: {
      ...storage,
      // Without a global rule the kafkajs registry client fails with "Compatibility does not match".
      APICURIO_RULES_GLOBAL_COMPATIBILITY: 'BACKWARD',
    },
    cwd: dirname(runJar),
    logFile: files.logFile,
    pidFile: files.pidFile,
  });
  return { pid };
}

/**
 * Makes sure the global compatibility is BACKWARD through the Confluent-compatible API, whatever the
 * start-up configuration did. Returns the level the registry reports afterwards.
 */
export async function ensureBackwardCompatibility(ccompatUrl) {
  const current = await fetch(`${ccompatUrl}/config`, { signal: AbortSignal.timeout(5000) });
  if (current.ok) {
    const body = await current.json();
    if (body.compatibilityLevel === 'BACKWARD') return 'BACKWARD';
  }
  const update = await fetch(`${ccompatUrl}/config`, {
    method: 'PUT',
    headers: { 'content-type': CCOMPAT_CONTENT_TYPE },
    body: JSON.stringify({ compatibility: 'BACKWARD' }),
    signal: AbortSignal.timeout(5000),
  });
  if (!update.ok) {
    throw new Error(`registry refused PUT ${ccompatUrl}/config: ${update.status} ${await update.text()}`);
  }
  const body = await update.json();
  return body.compatibility ?? body.compatibilityLevel;
}
