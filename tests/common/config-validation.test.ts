import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// What a service does first: load every group it needs, and exit with the one message if that fails.
const START = `
import { loadConfig } from './packages/common/src/config.ts';
import { SHARED_CONFIG, CREDENTIAL_VAULT_CONFIG, LOADER_CONFIG } from './packages/common/src/config-definitions.ts';
try {
  loadConfig({ ...SHARED_CONFIG, ...CREDENTIAL_VAULT_CONFIG, ...LOADER_CONFIG });
  console.log('started');
} catch (error) {
  console.error(error.code + ': ' + error.message);
  process.exit(78);
}
`;

function start(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', START], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const VALID_KEY = `k1:${Buffer.alloc(32, 9).toString('base64')}`;

test('a process started with a bad environment exits with one message naming every bad variable, secrets withheld', () => {
  const { status, stdout, stderr } = start({
    KAFKA_BROKERS: 'broker-without-port',
    KAFKA_SASL_MECHANISM: 'scram-sha-256',
    KAFKA_SASL_PASSWORD: 'kafka-secret-password',
    SCHEMA_REGISTRY_URL: 'registry:8081',
    DATABASE_URL: 'postgres://mlc:db-secret-password@db:5432/mlc?sslmode=bogus',
    TOPIC_PARTITIONS: '0',
    LOADER_BATCH_SIZE: '1000',
    MLC_MASTER_KEYS: 'k1:not-base64-and-secret!',
  });
  assert.equal(status, 78);
  assert.equal(stdout, '');
  const lines = stderr.trim().split('\n');
  assert.match(lines[0] ?? '', /^MLC_CONFIG_INVALID: Invalid configuration \(6 problems\):$/);
  for (const variable of [
    'KAFKA_BROKERS',
    'KAFKA_SASL_USERNAME',
    'SCHEMA_REGISTRY_URL',
    'TOPIC_PARTITIONS',
    'LOADER_BATCH_SIZE',
    'MLC_MASTER_KEYS',
  ]) {
    assert.equal(lines.filter((line) => line.startsWith(`  - ${variable} `)).length, 1, `${variable} not named once`);
  }
  for (const secret of ['kafka-secret-password', 'db-secret-password', 'not-base64-and-secret']) {
    assert.ok(!stderr.includes(secret), `${secret} leaked`);
  }
});

test('a process started with a valid environment starts', () => {
  const { status, stdout } = start({ MLC_MASTER_KEYS: VALID_KEY });
  assert.equal(status, 0);
  assert.equal(stdout.trim(), 'started');
});
