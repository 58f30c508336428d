import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from './config.ts';
import { KAFKA_CONFIG } from './config-definitions.ts';
import { isMlcError } from './errors.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlc-kafka-ca-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('KAFKA_SSL_CA_FILE is read as a path when it holds PEM certificates and TLS is on', async () => {
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, PEM);
  const config = loadConfig(KAFKA_CONFIG, { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: caFile });
  assert.equal(config.kafkaSslCaFile, caFile);
  assert.equal(loadConfig(KAFKA_CONFIG, { KAFKA_SSL: 'true' }).kafkaSslCaFile, undefined);
});

test('a KAFKA_SSL_CA_FILE that cannot serve is refused at start, naming the variable and why', async () => {
  const notPem = join(dir, 'not-a-certificate.txt');
  await writeFile(notPem, 'hello');
  const caFile = join(dir, 'ca-for-plain.pem');
  await writeFile(caFile, PEM);
  const cases = [
    {
      env: { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: join(dir, 'missing.pem') },
      reason: /must be a readable file \(ENOENT\)/,
    },
    { env: { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: dir }, reason: /must be a readable file \(EISDIR\)/ },
    { env: { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: notPem }, reason: /must hold PEM certificates/ },
    { env: { KAFKA_SSL_CA_FILE: caFile }, reason: /needs KAFKA_SSL=true/ },
  ];
  for (const { env, reason } of cases) {
    assert.throws(
      () => loadConfig(KAFKA_CONFIG, env),
      (error: unknown) =>
        isMlcError(error, 'MLC_CONFIG_INVALID') &&
        error.field === 'KAFKA_SSL_CA_FILE' &&
        reason.test(error.message) &&
        error.message.includes('KAFKA_SSL_CA_FILE'),
      JSON.stringify(env),
    );
  }
});
