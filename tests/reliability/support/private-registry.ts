/**
 * An Apicurio Registry of the suite's own, started by scripts/infra on free ports, storing its schemas in a
 * dedicated database on the shared PostgreSQL: a restart keeps every schema id (every message carries one),
 * which the shared registry's in-memory storage would not. The database is dropped on dispose.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../../scripts/start/free-port.ts';
import { uniqueName } from '../../support/unique-name.ts';
import { localInfraScripts } from './local-infra-scripts.ts';
import { type PrivateServer, startDetachedServer } from './private-server.ts';

const READY_TIMEOUT_MS = 180_000;

export interface PrivateRegistry extends PrivateServer {
  /** The Confluent-compatible API, for SCHEMA_REGISTRY_URL. */
  ccompatUrl: string;
  logFile: string;
}

async function onServer(databaseUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** APICURIO_* storage settings for a database on the server of `databaseUrl`. */
function postgresStorage(databaseUrl: string, database: string): Record<string, string> {
  const url = new URL(databaseUrl);
  return {
    APICURIO_STORAGE_KIND: 'sql',
    APICURIO_STORAGE_SQL_KIND: 'postgresql',
    APICURIO_DATASOURCE_URL: `jdbc:postgresql://${url.hostname}:${url.port || '5432'}/${database}`,
    APICURIO_DATASOURCE_USERNAME: decodeURIComponent(url.username || 'postgres'),
    APICURIO_DATASOURCE_PASSWORD: decodeURIComponent(url.password),
  };
}

/** `databaseUrl`: the PostgreSQL server that holds the registry's database (not restarted by the suite). */
export async function startPrivateRegistry(databaseUrl: string): Promise<PrivateRegistry> {
  const infra = await localInfraScripts();
  const stateDir = mkdtempSync(join(tmpdir(), 'mlc-private-registry-'));
  const settings = infra.infraSettings({
    ...process.env,
    MLC_INFRA_STATE: stateDir,
    MLC_REGISTRY_PORT: String(await freePort()),
    MLC_REGISTRY_MANAGEMENT_PORT: String(await freePort()),
  });
  const ccompatUrl = `http://${settings.host}:${settings.registry.port}/apis/ccompat/v7`;
  const files = infra.registryFiles(settings);
  const java = infra.requireJavaAndMaven().registry;
  await infra.ensureRegistryDistribution(settings.registry);
  // uniqueName yields [a-z0-9_] only: safe to quote as an identifier.
  const database = uniqueName('mlc_outage_registry');
  await onServer(databaseUrl, `CREATE DATABASE "${database}"`);
  const storage = postgresStorage(databaseUrl, database);
  return startDetachedServer({
    name: 'schema registry',
    extra: { ccompatUrl, logFile: files.logFile },
    launch: async () => (await infra.startRegistry(settings, java, storage)).pid,
    async ready(pid) {
      await infra.waitUntilReady({
        name: 'private registry',
        probe: () => infra.registryAnswersCcompat(ccompatUrl),
        timeoutMs: READY_TIMEOUT_MS,
        hasDied: () => infra.processExited(pid),
        logFile: files.logFile,
      });
      await infra.ensureBackwardCompatibility(ccompatUrl);
    },
    exited: infra.processExited,
    async removeData() {
      await onServer(databaseUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
      rmSync(stateDir, { recursive: true, force: true });
    },
  });
}
