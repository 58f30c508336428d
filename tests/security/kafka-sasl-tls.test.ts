/**
 * Kafka security against a private broker (scripts/infra/secured-kafka.mjs, never the shared one): SCRAM-SHA-512
 * over SASL_SSL with the platform's own CA, configured the way the services read it (loadConfig, then the
 * common client factory). Refused credentials and untrusted certificates fail at once with their own codes.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { inspect } from 'node:util';
import { loadConfig } from '@mlc/common/config';
import { SHARED_CONFIG } from '@mlc/common/config-definitions';
import { isMlcError } from '@mlc/common/errors';
import { connectWithRetry, createKafka } from '@mlc/common/kafka-client';
import { createLogger } from '@mlc/common/logger';
import { changeTopic } from '@mlc/common/topics';
import type { RunningLoader } from '@mlc/loader/loader-service';
import { buildZendeskSimulator, type ZendeskSimulator } from '@mlc/simulators/zendesk/zendesk-simulator';
import {
  addTenant,
  createLoaderStack,
  type LoaderStack,
  produceChanges,
  readTopic,
  startInProcess,
  supplierEvent,
  waitFor,
  waitForCommitted,
} from '../loader/loader-kafka-harness.ts';
import { schemaRegistryUrl } from '../support/test-env.ts';

interface SecuredKafka {
  saslSslBroker: string;
  saslPlaintextBroker: string;
  caFile: string;
  stateDir: string;
  stop(): Promise<void>;
}

// Plain .mjs scripts without type declarations, loaded the way bench/run.ts does.
const { startSecuredKafka } = (await import(
  new URL('../../scripts/infra/secured-kafka.mjs', import.meta.url).href
)) as { startSecuredKafka(options: { users: { name: string; password: string }[] }): Promise<SecuredKafka> };
const { createCertificateAuthority } = (await import(
  new URL('../../scripts/infra/throwaway-tls.mjs', import.meta.url).href
)) as { createCertificateAuthority(dir: string, name: string): Promise<{ certFile: string }> };

// Random, so that finding it in an error or a log line can only mean it leaked.
const USER = { name: 'mlc-connector', password: `scram-${randomBytes(12).toString('hex')}` };
const WRONG_PASSWORD = `wrong-${randomBytes(12).toString('hex')}`;
const TENANT = 'securedco';
// Far above how long a refused connect takes: failing before it shows the error was not retried until the end.
const STARTUP_TIMEOUT_MS = 60_000;

let broker: SecuredKafka;
let foreignCaFile: string;
let simulator: ZendeskSimulator;
let stack: LoaderStack;
let loader: RunningLoader | undefined;

function securedKafkaEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: broker.saslSslBroker,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: broker.caFile,
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: USER.name,
    KAFKA_SASL_PASSWORD: USER.password,
    ...overrides,
  };
}

before(async () => {
  broker = await startSecuredKafka({ users: [USER] });
  foreignCaFile = (await createCertificateAuthority(broker.stateDir, 'foreign-ca')).certFile;
  simulator = buildZendeskSimulator({});
  await simulator.listen();
  stack = await createLoaderStack('kafka_sasl_tls', securedKafkaEnv());
  await addTenant(stack, simulator, TENANT);
});

async function deleteSubjects(prefix: string): Promise<void> {
  const subjects = (await (await fetch(`${schemaRegistryUrl()}/subjects`)).json()) as string[];
  for (const subject of subjects.filter((name) => name.startsWith(prefix))) {
    const url = `${schemaRegistryUrl()}/subjects/${encodeURIComponent(subject)}`;
    await fetch(url, { method: 'DELETE' }).then((response) => response.body?.cancel());
    await fetch(`${url}?permanent=true`, { method: 'DELETE' }).then((response) => response.body?.cancel());
  }
}

after(async () => {
  await loader?.stop();
  await stack?.close();
  if (stack !== undefined) await deleteSubjects(stack.prefix).catch(() => {});
  await simulator?.close();
  await broker?.stop();
});

/** A debug-level logger whose lines are kept, to search them for secrets. */
function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ name: 'kafka-security-test', level: 'debug', destination }), lines };
}

/** Connects an admin client the way every service does at start; resolves with the error it failed with. */
async function startupConnectError(env: Record<string, string>, logger = capturingLogger().logger): Promise<unknown> {
  const config = loadConfig(SHARED_CONFIG, env);
  const admin = createKafka(config, logger).admin();
  try {
    await connectWithRetry(admin, { timeoutMs: STARTUP_TIMEOUT_MS, brokers: config.kafkaBrokers, logger });
  } catch (error) {
    return error;
  }
  await admin.disconnect();
  assert.fail('the connect succeeded');
}

test('over SASL_SSL with SCRAM-SHA-512 and a private CA, an Avro change event goes through the broker and back equal', async () => {
  const event = supplierEvent(TENANT, 1);
  await produceChanges(stack, [event]);
  const messages = await readTopic(stack, changeTopic('supplier'));
  const received = messages.find((message) => (message.value as { eventId?: string }).eventId === event.eventId);
  assert.deepEqual(received?.value, event);
});

test('the loader started with the SASL_SSL settings consumes a change, posts it to Zendesk and commits', async () => {
  loader = await startInProcess(stack);
  await waitFor('the loader to join its group', () => loader!.ready(), 60_000);
  await produceChanges(stack, [supplierEvent(TENANT, 2)]);
  await waitFor(
    'the supplier organization in Zendesk',
    () =>
      (simulator.inspect(TENANT)?.organizations ?? []).some(
        (organization) => organization.external_id === `mlc:${TENANT}:supplier:S2`,
      ),
    60_000,
  );
  await waitForCommitted(stack, 60_000);
});

test('SCRAM without TLS (a SASL_PLAINTEXT listener) connects as well', async () => {
  const config = loadConfig(
    SHARED_CONFIG,
    securedKafkaEnv({ KAFKA_BROKERS: broker.saslPlaintextBroker, KAFKA_SSL: 'false', KAFKA_SSL_CA_FILE: '' }),
  );
  const admin = createKafka(config, capturingLogger().logger).admin();
  await connectWithRetry(admin, { timeoutMs: STARTUP_TIMEOUT_MS, brokers: config.kafkaBrokers });
  try {
    const cluster = await admin.describeCluster();
    assert.deepEqual(
      cluster.brokers.map((node) => `${node.host}:${node.port}`),
      [broker.saslPlaintextBroker],
    );
  } finally {
    await admin.disconnect();
  }
});

test('a wrong SCRAM password fails at once with MLC_KAFKA_AUTH_FAILED; neither error nor logs carry a password', async () => {
  const { logger, lines } = capturingLogger();
  const started = Date.now();
  const error = await startupConnectError(securedKafkaEnv({ KAFKA_SASL_PASSWORD: WRONG_PASSWORD }), logger);
  assert.ok(isMlcError(error, 'MLC_KAFKA_AUTH_FAILED'), `unexpected ${inspect(error)}`);
  assert.ok(Date.now() - started < STARTUP_TIMEOUT_MS / 2, 'retried as if the broker were down');
  assert.match(error.message, /refused the SASL credentials/);
  assert.match(error.message, /KAFKA_SASL_PASSWORD/);
  assert.ok(error.message.includes(broker.saslSslBroker), 'names the brokers');
  const everything = `${inspect(error, { depth: 8 })}\n${JSON.stringify(error)}\n${lines.join('')}`;
  assert.ok(lines.length > 0, 'the client logged nothing: the log check proves nothing');
  for (const secret of [WRONG_PASSWORD, USER.password]) {
    assert.equal(everything.includes(secret), false, 'a SASL password leaked into the error or the logs');
  }
});

test('a broker certificate from a CA the service does not trust fails with MLC_KAFKA_TLS_FAILED', async (t) => {
  const cases = {
    'another private CA in KAFKA_SSL_CA_FILE': securedKafkaEnv({ KAFKA_SSL_CA_FILE: foreignCaFile }),
    'no KAFKA_SSL_CA_FILE (public roots only)': securedKafkaEnv({ KAFKA_SSL_CA_FILE: '' }),
  };
  for (const [name, env] of Object.entries(cases)) {
    await t.test(name, async () => {
      const error = await startupConnectError(env);
      assert.ok(isMlcError(error, 'MLC_KAFKA_TLS_FAILED'), `unexpected ${inspect(error)}`);
      assert.match(error.message, /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER/);
      assert.match(error.message, /set KAFKA_SSL_CA_FILE/);
      assert.equal(error.message.includes(USER.password), false);
    });
  }
});
