import assert from 'node:assert/strict';
import { test } from 'node:test';
import { durationVar, enumVar, intVar, listVar, loadConfig, optional, stringVar, urlVar } from './config.ts';
import {
  ALL_CONFIG_DEFINITIONS,
  CREDENTIAL_VAULT_CONFIG,
  KAFKA_CONFIG,
  LOADER_CONFIG,
  SHARED_CONFIG,
} from './config-definitions.ts';
import { isMlcError, type MlcError } from './errors.ts';

function configError(run: () => unknown): MlcError {
  try {
    run();
  } catch (error) {
    assert.ok(isMlcError(error, 'MLC_CONFIG_INVALID'), `expected MLC_CONFIG_INVALID, got ${String(error)}`);
    return error;
  }
  assert.fail('expected loadConfig to throw');
}

test('an empty environment yields every shared default, typed', () => {
  const config = loadConfig(SHARED_CONFIG, {});
  assert.deepEqual(config.kafkaBrokers, ['127.0.0.1:9092']);
  assert.equal(config.kafkaSsl, false);
  assert.equal(config.kafkaSaslMechanism, 'none');
  assert.equal(config.kafkaSaslPassword, undefined);
  assert.equal(config.schemaRegistryUrl, 'http://127.0.0.1:8081/apis/ccompat/v7');
  assert.equal(config.databaseUrl, 'postgres://postgres@127.0.0.1:5432/postgres');
  assert.equal(config.topicPartitions, 6);
  assert.equal(config.logLevel, 'info');
  assert.equal(config.startupRetryTimeoutMs, 30_000);
});

test('values are parsed from their text: lists trimmed, booleans in words, durations with units', () => {
  const config = loadConfig(SHARED_CONFIG, {
    KAFKA_BROKERS: ' k1:9092, k2:9093 ',
    KAFKA_SSL: 'yes',
    TOPIC_PARTITIONS: '12',
    STARTUP_RETRY_TIMEOUT_MS: '2m',
    LOG_LEVEL: 'DEBUG',
    SCHEMA_REGISTRY_URL: 'https://registry.example/apis/ccompat/v7/',
  });
  assert.deepEqual(config.kafkaBrokers, ['k1:9092', 'k2:9093']);
  assert.equal(config.kafkaSsl, true);
  assert.equal(config.topicPartitions, 12);
  assert.equal(config.startupRetryTimeoutMs, 120_000);
  assert.equal(config.logLevel, 'debug');
  assert.equal(config.schemaRegistryUrl, 'https://registry.example/apis/ccompat/v7');
});

test('a bad environment yields one error that names every bad or missing variable and why', () => {
  const error = configError(() =>
    loadConfig(
      { ...SHARED_CONFIG, ...LOADER_CONFIG },
      {
        KAFKA_BROKERS: 'k1:9092,,',
        KAFKA_SSL: 'maybe',
        KAFKA_SASL_MECHANISM: 'kerberos',
        TOPIC_PARTITIONS: 'zero',
        SCHEMA_REGISTRY_URL: 'ftp://registry',
        DATABASE_URL: 'not a url',
        LOG_LEVEL: 'loud',
        STARTUP_RETRY_TIMEOUT_MS: '-5',
        LOADER_BATCH_SIZE: '500',
      },
    ),
  );
  const named = [
    'KAFKA_BROKERS',
    'KAFKA_SSL',
    'KAFKA_SASL_MECHANISM',
    'TOPIC_PARTITIONS',
    'SCHEMA_REGISTRY_URL',
    'DATABASE_URL',
    'LOG_LEVEL',
    'STARTUP_RETRY_TIMEOUT_MS',
    'LOADER_BATCH_SIZE',
  ];
  for (const variable of named) assert.match(error.message, new RegExp(`- ${variable} `), `${variable} not named`);
  assert.equal((error.details as unknown[]).length, named.length);
  assert.match(error.message, /LOADER_BATCH_SIZE must be an integer >= 1 and <= 100 \(got "500"\)/);
  assert.match(error.message, /KAFKA_SASL_MECHANISM must be one of none, plain, scram-sha-256, scram-sha-512/);
  assert.equal(error.statusCode, 500);
});

test('SASL credentials become required once a mechanism is chosen, and the password is never echoed', () => {
  const error = configError(() => loadConfig(KAFKA_CONFIG, { KAFKA_SASL_MECHANISM: 'scram-sha-512' }));
  assert.match(error.message, /KAFKA_SASL_USERNAME is required when KAFKA_SASL_MECHANISM is not none/);
  assert.match(error.message, /KAFKA_SASL_PASSWORD is required when KAFKA_SASL_MECHANISM is not none/);
  const config = loadConfig(KAFKA_CONFIG, {
    KAFKA_SASL_MECHANISM: 'plain',
    KAFKA_SASL_USERNAME: 'svc',
    KAFKA_SASL_PASSWORD: 'hunter2-secret',
  });
  assert.equal(config.kafkaSaslPassword, 'hunter2-secret');
});

test('secret values and URL passwords never appear in the error', () => {
  const key = Buffer.alloc(16, 7).toString('base64');
  const error = configError(() =>
    loadConfig(
      { ...CREDENTIAL_VAULT_CONFIG, ...SHARED_CONFIG },
      {
        MLC_MASTER_KEYS: `k1:${key}`,
        DATABASE_URL: 'mysql://app:db-pass-123@db:3306/x',
      },
    ),
  );
  assert.match(error.message, /MLC_MASTER_KEYS key k1 must be 32 bytes/);
  assert.ok(!error.message.includes(key), 'master key echoed');
  assert.ok(!error.message.includes('db-pass-123'), 'database password echoed');
  assert.match(
    error.message,
    /DATABASE_URL must be a postgres\|postgresql URL, not mysql: \(got "mysql:\/\/app:\*\*\*@db:3306\/x"\)/,
  );
});

test('the active key id must name one of the configured master keys', () => {
  const keys = `old:${Buffer.alloc(32, 1).toString('base64')},new:${Buffer.alloc(32, 2).toString('base64')}`;
  assert.equal(
    loadConfig(CREDENTIAL_VAULT_CONFIG, { MLC_MASTER_KEYS: keys, MLC_ACTIVE_KEY_ID: 'new' }).activeKeyId,
    'new',
  );
  const error = configError(() =>
    loadConfig(CREDENTIAL_VAULT_CONFIG, { MLC_MASTER_KEYS: keys, MLC_ACTIVE_KEY_ID: 'gone' }),
  );
  assert.match(error.message, /MLC_ACTIVE_KEY_ID must name a key id of MLC_MASTER_KEYS/);
  assert.match(configError(() => loadConfig(CREDENTIAL_VAULT_CONFIG, {})).message, /MLC_MASTER_KEYS is required/);
});

test('service definitions compose with their own variables, types included', () => {
  const definitions = {
    pollInterval: durationVar({ env: 'X_POLL', default: 1000, description: 'poll' }),
    mode: enumVar({ env: 'X_MODE', choices: ['fast', 'safe'], default: 'safe', description: 'mode' }),
    hosts: listVar({ env: 'X_HOSTS', description: 'hosts' }),
    name: optional(stringVar({ env: 'X_NAME', description: 'name' })),
    port: intVar({ env: 'X_PORT', min: 1, max: 65535, default: 80, description: 'port' }),
    hook: optional(urlVar({ env: 'X_HOOK', protocols: ['https'], description: 'hook' })),
  };
  const config = loadConfig(definitions, { X_HOSTS: 'a,b', X_MODE: 'fast', X_NAME: '   ' });
  const mode: 'fast' | 'safe' = config.mode;
  assert.equal(mode, 'fast');
  assert.deepEqual(config.hosts, ['a', 'b']);
  assert.equal(config.name, undefined, 'blank counts as unset');
  assert.equal(config.pollInterval, 1000);
  assert.equal(config.port, 80);
  assert.equal(config.hook, undefined);
});

test('every declared variable has a unique name, a description and a default that passes its own validation', () => {
  const names = ALL_CONFIG_DEFINITIONS.flatMap((area) => Object.values(area.definitions).map((v) => v.env));
  assert.equal(new Set(names).size, names.length, 'duplicate environment variable');
  for (const area of ALL_CONFIG_DEFINITIONS) {
    for (const variable of Object.values(area.definitions)) {
      assert.ok(variable.description.length > 0, `${variable.env} lacks a description`);
      if (variable.default !== undefined) {
        assert.equal(variable.validate(variable.default, {}), undefined, `${variable.env} default is invalid`);
      }
    }
  }
});
