import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';

/** The broker is ready when it answers a metadata request, not merely when its port accepts connections. */
export async function kafkaAnswersMetadata(brokers) {
  const kafka = new Kafka({
    clientId: 'mlc-infra-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 2000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export async function registryAnswersCcompat(ccompatUrl) {
  try {
    const response = await fetch(`${ccompatUrl}/subjects`, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/** The URL with any password masked, for messages. */
export function redactedUrl(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

/** Resolves to undefined when PostgreSQL answers a query, or to the reason it did not. */
export async function postgresProblem(databaseUrl) {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return error.message || error.code || String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Polls probe until it answers true. Gives up at the deadline, or at once when hasDied() says the
 * server process is gone (waiting out the full timeout on a crashed JVM helps nobody).
 */
export async function waitUntilReady({ name, probe, timeoutMs, hasDied, logFile }) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    if (hasDied?.()) throw new Error(`${name} exited during start-up; see ${logFile}`);
    await sleep(250);
  }
  throw new Error(`${name} was not ready within ${Math.round(timeoutMs / 1000)} s; see ${logFile}`);
}
