import assert from 'node:assert/strict';
import { test } from 'node:test';
import { permanentKafkaFailure } from './kafka-connect-failure.ts';

const BROKERS = ['kafka-1.internal:9094'];

/** The shapes kafkajs throws: retries exhausted, wrapping a connection error, wrapping what Node said. */
function wrapped(inner: Error): Error {
  const connection = Object.assign(new Error(`Connection error: ${inner.message}`, { cause: inner }), {
    name: 'KafkaJSConnectionError',
    code: (inner as NodeJS.ErrnoException).code,
  });
  return Object.assign(new Error(connection.message, { cause: connection }), {
    name: 'KafkaJSNumberOfRetriesExceeded',
  });
}

test('refused SASL credentials become MLC_KAFKA_AUTH_FAILED naming the variables to check', () => {
  const refused = Object.assign(new Error('SASL SCRAM SHA512 authentication failed: invalid credentials'), {
    name: 'KafkaJSSASLAuthenticationError',
  });
  const failure = permanentKafkaFailure(refused, BROKERS);
  assert.equal(failure?.code, 'MLC_KAFKA_AUTH_FAILED');
  assert.match(failure.message, /kafka-1\.internal:9094 refused the SASL credentials: SASL SCRAM SHA512/);
  assert.match(failure.message, /KAFKA_SASL_PASSWORD/);
});

test('an untrusted certificate deep in the cause chain becomes MLC_KAFKA_TLS_FAILED pointing at KAFKA_SSL_CA_FILE', () => {
  const untrusted = Object.assign(new Error('self-signed certificate in certificate chain'), {
    code: 'SELF_SIGNED_CERT_IN_CHAIN',
  });
  const failure = permanentKafkaFailure(wrapped(untrusted), BROKERS);
  assert.equal(failure?.code, 'MLC_KAFKA_TLS_FAILED');
  assert.match(failure.message, /\(SELF_SIGNED_CERT_IN_CHAIN\): self-signed certificate in certificate chain\./);
  assert.match(failure.message, /set KAFKA_SSL_CA_FILE/);
});

test('a certificate for another host is a TLS failure with a host name hint', () => {
  const mismatch = Object.assign(new Error("Hostname/IP does not match certificate's altnames"), {
    code: 'ERR_TLS_CERT_ALTNAME_INVALID',
  });
  const failure = permanentKafkaFailure(wrapped(mismatch), BROKERS);
  assert.equal(failure?.code, 'MLC_KAFKA_TLS_FAILED');
  assert.match(failure.message, /host names their certificates carry/);
});

test('a broker that is down or restarting is not permanent: it is worth waiting for', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9094'), { code: 'ECONNREFUSED' });
  assert.equal(permanentKafkaFailure(wrapped(refused), BROKERS), undefined);
  assert.equal(permanentKafkaFailure(new Error('Closed connection'), BROKERS), undefined);
  assert.equal(permanentKafkaFailure('not an error', BROKERS), undefined);
});
