import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { isMlcError } from './errors.ts';
import { connectWithRetry, createKafka, type KafkaConnectionConfig } from './kafka-client.ts';
import { createLogger } from './logger.ts';

const BASE: KafkaConnectionConfig = {
  kafkaBrokers: ['127.0.0.1:9092'],
  kafkaClientId: 'unit',
  kafkaSsl: false,
  kafkaSaslMechanism: 'none',
  kafkaSaslUsername: undefined,
  kafkaSaslPassword: undefined,
};

test('SASL without credentials is a configuration error, not a broker error', () => {
  assert.throws(
    () => createKafka({ ...BASE, kafkaSaslMechanism: 'plain' }, createLogger({ name: 'unit', level: 'silent' })),
    (error: unknown) => isMlcError(error, 'MLC_CONFIG_INVALID'),
  );
});

test('a connect that never settles is abandoned at the bound and the client is disconnected', async () => {
  let disconnected = false;
  const hanging = {
    connect: () => new Promise<void>(() => {}),
    disconnect: async () => {
      disconnected = true;
    },
  };
  const started = Date.now();
  // A listening port makes the TCP probe pass, so the bound must come from the hanging connect itself.
  const { createServer } = await import('node:net');
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  try {
    await assert.rejects(
      connectWithRetry(hanging, { timeoutMs: 600, brokers: [`127.0.0.1:${address.port}`] }),
      (error: unknown) => isMlcError(error, 'MLC_KAFKA_UNREACHABLE') && /connect did not complete/.test(error.message),
    );
  } finally {
    server.close();
  }
  assert.ok(Date.now() - started < 2000);
  assert.ok(disconnected);
});

test('kafkajs log entries go through pino, so redaction applies to them too', async () => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const kafka = createKafka(
    { ...BASE, kafkaSaslMechanism: 'plain', kafkaSaslUsername: 'svc', kafkaSaslPassword: 'sasl-secret-value' },
    createLogger({ name: 'unit', level: 'debug', destination }),
  );
  kafka.logger().info('probe', { sasl: { password: 'sasl-secret-value' } });
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0] ?? '{}') as { component: string; msg: string; sasl: { password: string } };
  assert.equal(line.component, 'kafkajs');
  assert.equal(line.msg, 'probe');
  assert.equal(line.sasl.password, '[REDACTED]');
});

test('a CA file that cannot be read when the client is built is a configuration error naming KAFKA_SSL_CA_FILE', () => {
  assert.throws(
    () =>
      createKafka(
        { ...BASE, kafkaSsl: true, kafkaSslCaFile: '/nonexistent/kafka-ca.pem' },
        createLogger({ name: 'unit', level: 'silent' }),
      ),
    (error: unknown) => isMlcError(error, 'MLC_CONFIG_INVALID') && error.field === 'KAFKA_SSL_CA_FILE',
  );
});
