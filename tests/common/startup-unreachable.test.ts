import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { createDbPool, waitForDatabase } from '../../packages/common/src/db-pool.ts';
import { isMlcError } from '../../packages/common/src/errors.ts';
import { connectWithRetry, createKafka } from '../../packages/common/src/kafka-client.ts';
import { createLogger } from '../../packages/common/src/logger.ts';
import { registerConnectorSchemas } from '../../packages/common/src/schema-registry.ts';

// Port 1 on loopback refuses connections: the fastest honest "nothing listens here".
const DEAD_BROKER = '127.0.0.1:1';
const logger = createLogger({ name: 'startup-unreachable-test', level: 'silent' });

/** A loopback port that was free a moment ago (fetch refuses to even try port 1). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

async function elapsedMs(run: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = Date.now();
  try {
    await run();
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
  assert.fail('expected the call to fail');
}

test('an unreachable broker fails start with MLC_KAFKA_UNREACHABLE naming the brokers after bounded retries', async () => {
  const kafka = createKafka(
    {
      kafkaBrokers: [DEAD_BROKER],
      kafkaClientId: 'unreachable-test',
      kafkaSsl: false,
      kafkaSaslMechanism: 'none',
      kafkaSaslUsername: undefined,
      kafkaSaslPassword: undefined,
    },
    logger,
  );
  const admin = kafka.admin();
  const { ms, error } = await elapsedMs(() => connectWithRetry(admin, { timeoutMs: 2000, brokers: [DEAD_BROKER] }));
  assert.ok(isMlcError(error, 'MLC_KAFKA_UNREACHABLE'), `unexpected ${String(error)}`);
  assert.match(error.message, /127\.0\.0\.1:1 did not answer within 2000 ms/);
  assert.ok((error.details as { attempts: number }).attempts >= 1);
  assert.ok(ms >= 1500 && ms < 5000, `took ${ms} ms`);
});

test('an unreachable registry fails start with MLC_REGISTRY_UNREACHABLE after bounded retries', async () => {
  const port = await closedPort();
  const url = `http://127.0.0.1:${port}/apis/ccompat/v7`;
  const { ms, error } = await elapsedMs(() => registerConnectorSchemas({ url, timeoutMs: 1500, logger }));
  assert.ok(isMlcError(error, 'MLC_REGISTRY_UNREACHABLE'), `unexpected ${String(error)}`);
  assert.ok(error.message.startsWith(`Schema registry at ${url} did not answer within 1500 ms`), error.message);
  assert.match(error.message, /ECONNREFUSED/);
  assert.ok((error.details as { attempts: number }).attempts > 1, 'expected retries');
  assert.ok(ms >= 1000 && ms < 4000, `took ${ms} ms`);
});

test('an unreachable database fails start with MLC_DB_UNREACHABLE without showing its password', async () => {
  const databaseUrl = 'postgres://app:pg-secret-pass@127.0.0.1:1/mlc';
  const pool = createDbPool(databaseUrl);
  try {
    const { ms, error } = await elapsedMs(() => waitForDatabase(pool, { timeoutMs: 1500, databaseUrl }));
    assert.ok(isMlcError(error, 'MLC_DB_UNREACHABLE'), `unexpected ${String(error)}`);
    assert.ok(!error.message.includes('pg-secret-pass'));
    assert.match(error.message, /postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/mlc/);
    assert.ok(ms < 4000, `took ${ms} ms`);
  } finally {
    await pool.end();
  }
});
